/**
 * The registry verb of the command line: `push`, as `docker push` (docker/cli `cli/command/image/push.go`),
 * with the credentials the Docker CLI would use.
 */
import type { CliIo } from '../io';
import { UsageError, type ParsedArgs, type Verb } from '../verb';
import { pushImage, pushReference, type PushEngine, type PushProgress } from '../../core/registry/push';

function pushEngine(args: ParsedArgs, io: CliIo): PushEngine {
    const timeout = typeof args.values.timeout === 'string' ? args.values.timeout : undefined;
    const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds');
    // Loaded here so that `--help` never loads the Docker client.
    const { connectDocker } = require('../../docker/connect') as typeof import('../../docker/connect');
    const host = typeof args.values.host === 'string' ? args.values.host : undefined;
    return connectDocker({ host, env: io.env, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 });
}

/** Progress for a person: one updating line on a terminal, else one line per layer state change. */
function progressWriter(io: CliIo, quiet: boolean): { onProgress(p: PushProgress): void; clear(): void } {
    const tty = Boolean(io.stderr.isTTY);
    const lastState = new Map<string, string>();
    let statusShown = false;
    const clear = (): void => {
        if (statusShown) io.stderr.write('\r\x1b[K');
        statusShown = false;
    };
    return {
        clear,
        onProgress(p) {
            if (quiet) return;
            if (p.line) {
                clear();
                io.stderr.write(`${p.line}\n`);
                return;
            }
            if (!p.layer) return;
            if (tty) {
                io.stderr.write(`\r\x1b[KPushing: ${p.summary}`);
                statusShown = true;
                return;
            }
            // Without a terminal, "Pushing" and the retry countdown would print a line a second.
            const state = p.layer.state === 'retrying' ? 'retrying' : p.layer.status;
            if (lastState.get(p.layer.id) === state) return;
            lastState.set(p.layer.id, state);
            io.stderr.write(`${p.layer.id}: ${p.layer.state === 'retrying' ? 'Retrying' : p.layer.status}\n`);
        },
    };
}

export const push: Verb = {
    options: {
        quiet: { type: 'boolean', short: 'q' },
        'stall-timeout': { type: 'string' },
    },
    async run(args, io) {
        if (args.positionals.length !== 1) throw new UsageError('"push" requires exactly 1 argument: the image');
        const raw = args.positionals[0];
        let ref;
        try {
            ref = pushReference(raw);
        } catch (error) {
            throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        const stallRaw = typeof args.values['stall-timeout'] === 'string' ? args.values['stall-timeout'] : undefined;
        const stallSeconds = stallRaw === undefined ? undefined : Number(stallRaw);
        if (stallSeconds !== undefined && !(stallSeconds > 0)) throw new UsageError('--stall-timeout takes a number of seconds');
        const quiet = Boolean(args.values.quiet);
        const engine = pushEngine(args, io);
        // Loaded here: only push and deploy read credentials.
        const { nodeRegistryAuthSource } = require('../../core/registry/node-io') as typeof import('../../core/registry/node-io');
        const credentials = nodeRegistryAuthSource(io.env);
        const authHeader = await credentials.authHeaderFor(ref.image);
        if (!quiet && ref.tagDefaulted) io.stderr.write(`Using default tag: ${ref.tag}\n`);
        const progress = progressWriter(io, quiet);
        const result = await pushImage(engine, ref.image, {
            authHeader,
            signal: io.signal,
            onProgress: progress.onProgress,
            ...(stallSeconds !== undefined ? { retryBoundMs: stallSeconds * 1000 } : {}),
        }).finally(progress.clear);
        io.stdout.write(`${result.pinned}\n`);
        if (!quiet) io.stderr.write(`Pushed ${result.image} to ${result.registry} in ${(result.durationMs / 1000).toFixed(1)} s (${credentials.describe(ref.image) === 'none' ? 'no credentials' : `credentials from ${credentials.describe(ref.image)}`})\n`);
        return 0;
    },
};

