import { lintCompose } from '../../core/stack/lint';
import { composeFiles, oneStack } from '../arguments';
import { printDiagnostics } from '../output';
import { ReportedFailure, type Verb } from '../verb';

export const convert: Verb = {
    options: { 'compose-file': { type: 'string', short: 'c', multiple: true }, 'no-dotenv': { type: 'boolean' } },
    async run(args, io) {
        const stack = oneStack(args, 'convert');
        const files = composeFiles(args);
        const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
        printDiagnostics(io, loaded.diagnostics);
        if (!loaded.specs) throw new ReportedFailure('swarm-stacks: the compose file has errors');
        const { networks, externalNetworks, secrets, configs, services: list } = loaded.specs;
        io.stdout.write(`${JSON.stringify({ networks, externalNetworks, secrets, configs, services: list }, null, 2)}\n`);
        return 0;
    },
};
