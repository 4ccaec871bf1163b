/**
 * The `swarm-stacks` command (dist/cli.js): runs the command line's bundle (dist/cli-main.js, built from ./cli.ts by
 * scripts/build.mjs) through V8's code cache (./cli/code-cache.ts), one cache per verb in dist/cli-cache/.
 */
import * as path from 'path';
import { runCached } from './cli/code-cache';

try {
    runCached({
        bundle: path.join(__dirname, 'cli-main.js'),
        cacheDir: path.join(__dirname, 'cli-cache'),
        key: process.argv[2],
        mayStore: () => !process.exitCode,
    });
} catch (error) {
    process.stderr.write(`swarm-stacks: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
}
