import { runCli } from './cli/main';

async function run(args: string[]): Promise<number> {
    // Node builds process.stdout and process.stderr on first use (a pipe's costs about a millisecond): a command that
    // writes nothing to stderr never builds it.
    return runCli(args, {
        get stdout() {
            return process.stdout;
        },
        get stderr() {
            return process.stderr;
        },
        env: process.env,
    });
}

// Exit codes: 0 success, 1 failure (one-line reason on stderr), 2 usage error.
run(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`swarm-stacks: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
    },
);
