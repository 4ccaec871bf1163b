import { formatDiagnostic } from '../../core/diagnostics';
import { lintCompose } from '../../core/stack/lint';
import { UsageError, type Verb } from '../verb';

export const lint: Verb = {
    options: { 'compose-file': { type: 'string', short: 'c', multiple: true }, 'no-dotenv': { type: 'boolean' } },
    async run(args, io) {
        const files = [...((args.values['compose-file'] as string[] | undefined) ?? []), ...args.positionals].flatMap((f) => f.split(',')).filter(Boolean);
        if (!files.length) throw new UsageError('specify a Compose file (with --compose-file)');
        // The editor's Problems panel shows the same list (src/vscode/diagnostics); deploy and convert print it too.
        const { diagnostics } = lintCompose(files, { env: io.env, dotEnv: !args.values['no-dotenv'] });
        for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
        return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    },
};
