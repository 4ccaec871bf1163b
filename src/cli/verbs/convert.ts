import { printableStack } from '../../core/compose/printable';
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
        // Never a secret's content: its file instead (core/compose/printable.ts).
        io.stdout.write(`${JSON.stringify(printableStack(loaded.specs), null, 2)}\n`);
        return 0;
    },
};
