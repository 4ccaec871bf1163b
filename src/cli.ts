import { isStackVerb, runCli } from './cli/main';

/** The other verbs register themselves (`addVerb`); their modules load only when a stack verb is not asked for. */
async function run(args: string[]): Promise<number> {
    if (args[0] !== undefined && !args[0].startsWith('-') && args[0] !== 'help' && !isStackVerb(args[0])) {
        await Promise.all([import('./cli/project-verbs'), import('./cli/registry-verbs'), import('./cli/node-verbs'), import('./cli/history-verbs')]);
    }
    return runCli(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
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
