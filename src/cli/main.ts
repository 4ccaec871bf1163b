import { programHelp } from './usage';
import { version } from '../../package.json';

export interface CliIo {
    stdout: NodeJS.WritableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
    env: NodeJS.ProcessEnv;
}

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** Runs one invocation of the command line and returns its exit status. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
    const [first, ...rest] = args;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
        io.stdout.write(programHelp);
        return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-v') {
        io.stdout.write(`swarm-stacks ${version}\n`);
        return 0;
    }
    io.stderr.write(`swarm-stacks: unknown command "${first}"${rest.length ? '' : ''}. See 'swarm-stacks --help'.\n`);
    return 2;
}
