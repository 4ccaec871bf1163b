import type { RegistryAuthSource } from '../core/registry/credentials';
import type { StackEngine } from '../core/stack/engine';

/** What one invocation of the command line reads and writes: its streams, environment and, for tests, the engine. */
export interface CliIo {
    stdout: NodeJS.WritableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
    env: NodeJS.ProcessEnv;
    /** Builds the engine client; injected so tests can point it elsewhere. */
    connect?(options: EngineOptions): StackEngine;
    /** Registry credentials; by default those of the Docker CLI configuration of `env`. */
    registryAuth?: RegistryAuthSource;
    signal?: AbortSignal;
}

/** Where the engine is: `--host`, else DOCKER_HOST, DOCKER_CONTEXT… of `env` (the invocation's, not the process's). */
export interface EngineOptions {
    host?: string;
    env: NodeJS.ProcessEnv;
    timeoutMs?: number;
}
