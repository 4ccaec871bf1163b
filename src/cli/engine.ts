import type { RegistryAuthSource } from '../core/registry/credentials';
import type { StackEngine } from '../core/stack/engine';
import type { CliIo, EngineOptions } from './io';
import { UsageError, type ParsedArgs } from './verb';

/** The engine of `--host`/`--timeout`, else of the invocation's environment. */
export function engineFor(args: ParsedArgs, io: CliIo): StackEngine {
    const timeoutSeconds = args.values.timeout === undefined ? undefined : Number(args.values.timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds');
    const connect = io.connect ?? defaultConnect;
    return connect({ host: args.values.host as string | undefined, env: io.env, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 });
}

/** The engine, or undefined when the endpoint cannot be set up (engineFor reports why where the verb needs it). */
export function engineIfAny(args: ParsedArgs, io: CliIo): StackEngine | undefined {
    try {
        return engineFor(args, io);
    } catch {
        return undefined;
    }
}

/** Sends the reads `send` makes ahead (StackEngine.readAhead), and returns once their requests are on their way. */
export async function readAhead(engine: StackEngine, send: (engine: StackEngine) => Promise<unknown>[]): Promise<void> {
    if (!engine.readAhead) return;
    engine.readAhead(send);
    // Two turns of the event loop: the connection is made in the first, the requests written in the second; the
    // verb's own work, synchronous, would otherwise hold them back.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function defaultConnect(options: EngineOptions): StackEngine {
    // Loaded here so that `lint`, `convert` and `--help` never load the Docker client.
    const { connectDocker } = require('../docker/connect') as typeof import('../docker/connect');
    return connectDocker(options);
}

/** The registry credentials the Docker CLI of this environment would use. */
export function registryAuthOf(io: CliIo): RegistryAuthSource {
    if (io.registryAuth) return io.registryAuth;
    // Loaded here so that `lint`, `convert` and `--help` never read credentials code.
    const { nodeRegistryAuthSource } = require('../core/registry/node-io') as typeof import('../core/registry/node-io');
    io.registryAuth = nodeRegistryAuthSource(io.env);
    return io.registryAuth;
}
