import { runCli } from './cli/main';
import './cli/project-verbs';
import './cli/registry-verbs';
import './cli/node-verbs';

// Exit codes: 0 success, 1 failure (one-line reason on stderr), 2 usage error.
runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
}).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`swarm-stacks: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
    },
);
