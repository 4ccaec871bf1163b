// Running the command line in-process for unit tests: its output captured, and a scripted engine to talk to.
import { PassThrough } from 'stream';
import type { CliIo } from '../../../src/cli/io';
import { runCli } from '../../../src/cli/main';
import type { StackEngine } from '../../../src/core/stack/engine';

export interface CliRun {
    code: number;
    stdout: string;
    stderr: string;
}

/** `swarm-stacks <args>` with stdout and stderr captured; `io` adds env, connect… (env defaults to empty). */
export async function runCliCaptured(args: string[], io: Partial<Omit<CliIo, 'stdout' | 'stderr'>> = {}): Promise<CliRun> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await runCli(args, { env: {}, ...io, stdout, stderr });
    return { code, stdout: out, stderr: err };
}

/**
 * An empty single-node swarm (a manager, no stack objects, networks created on request) that a deploy can plan
 * against; `overrides` script the rest. Anything else the code asks for is a test failure, not a silent success.
 */
export function scriptedEmptySwarm(overrides: Partial<Record<keyof StackEngine, unknown>>): StackEngine {
    const none = async () => [];
    const base: Partial<Record<keyof StackEngine, unknown>> = {
        endpoint: { url: 'unix:///scripted.sock' },
        info: async () => ({ swarm: { controlAvailable: true, localNodeState: 'active', nodes: 1 } }),
        apiVersion: async () => '1.41',
        listServices: none,
        listNetworks: none,
        listSecrets: none,
        listConfigs: none,
        listNodes: none,
        inspectNetwork: async () => {
            throw Object.assign(new Error('no such network'), { kind: 'notFound' });
        },
        createNetwork: async () => ({ id: 'n1' }),
    };
    const scripted = { ...base, ...overrides };
    return new Proxy(scripted, {
        get: (target, name) => {
            if (name in target) return target[name as keyof typeof target];
            if (typeof name === 'symbol' || name === 'then') return undefined;
            return () => Promise.reject(new Error(`the scripted engine was asked for ${String(name)}`));
        },
    }) as unknown as StackEngine;
}
