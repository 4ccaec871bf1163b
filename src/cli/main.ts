/**
 * The dispatcher of the `swarm-stacks` command line (bundled from src/cli.ts into dist/cli-main.js): common options,
 * help, exit statuses. The verbs live one per file under ./verbs, listed in ./verb-table.ts; none imports this file.
 */
import { parseArgs } from 'util';
import { programHelp, verbHelp } from './usage';
import { version } from '../../package.json';
import { isCancellation } from '../core/cancellation';
import type { CliIo } from './io';
import { VERBS } from './verb-table';
import { ReportedFailure, UsageError, type Options, type ParsedArgs } from './verb';

const COMMON: Options = {
    help: { type: 'boolean', short: 'h' },
    host: { type: 'string', short: 'H' },
    timeout: { type: 'string' },
};

/** Runs one invocation of the command line and returns its exit status. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
    const [first, ...rest] = args;
    if (first === undefined) {
        io.stderr.write(programHelp);
        return 2;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
        io.stdout.write(programHelp);
        return 0;
    }
    if (first === '--version' || first === '-v') {
        io.stdout.write(`swarm-stacks ${version}\n`);
        return 0;
    }
    const load = Object.prototype.hasOwnProperty.call(VERBS, first) ? VERBS[first] : undefined;
    if (!load) {
        io.stderr.write(`swarm-stacks: unknown command "${first}". See 'swarm-stacks --help'.\n`);
        return 2;
    }
    const verb = await load();
    let parsed: ParsedArgs;
    try {
        parsed = parseArgs({ args: rest, options: { ...COMMON, ...verb.options }, allowPositionals: true, strict: true }) as ParsedArgs;
    } catch (error) {
        io.stderr.write(`swarm-stacks ${first}: ${error instanceof Error ? error.message : String(error)}\nSee 'swarm-stacks ${first} --help'.\n`);
        return 2;
    }
    if (parsed.values.help) {
        io.stdout.write(verbHelp[first] ?? programHelp);
        return 0;
    }
    try {
        return await verb.run(parsed, io);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr.write(`swarm-stacks ${first}: ${error.message}\nSee 'swarm-stacks ${first} --help'.\n`);
            return 2;
        }
        if (isCancellation(error)) {
            io.stderr.write('swarm-stacks: cancelled\n');
            return 130;
        }
        const message = error instanceof Error ? error.message : String(error);
        io.stderr.write(`${error instanceof ReportedFailure ? '' : 'swarm-stacks: '}${message}\n`);
        return 1;
    }
}
