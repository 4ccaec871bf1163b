/**
 * The mixed-version swarm of scripts/testbed/engines.sh (`mixed-up`): mix1 a 20.10 manager, mix2 a 28.5 worker,
 * mix3 a 20.10 worker, each dockerd in a network namespace of its own (10.227.0.1-3). Started and removed by the test
 * that uses it; `switchEngine` restarts a node's daemon on the same data root with another engine's binaries.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { DockerClient } from '../../../src/docker/client';
import { connectDocker } from '../../../src/docker/connect';
import { describeRun, ROOT, run } from './commands';

const SCRIPT = path.join(ROOT, 'scripts', 'testbed', 'engines.sh');
export const MIXED_JSON = path.join(ROOT, '.testbed', 'mixed.json');

export interface MixedNode {
    name: 'mix1' | 'mix2' | 'mix3';
    host: string;
    address: string;
    role: 'manager' | 'worker';
    /** main (Debian 12's 20.10), trixie (26.1) or sid (28.5). */
    engine: string;
}

async function script(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const result = await run('bash', [SCRIPT, ...args], { timeoutMs, env: { ...process.env, ...env } });
    if (result.code !== 0) throw new Error(describeRun(`bash scripts/testbed/engines.sh ${args.join(' ')}`, result));
}

/**
 * Starts the mixed swarm (bounded: 3 minutes, the .debs fetched into the cache when missing) and reads its nodes.
 * `layout`: each node's engine at the start, mix1 first (default: main, sid, main).
 */
export async function mixedUp(layout?: [string, string, string]): Promise<MixedNode[]> {
    await script(['mixed-up'], 180_000, layout ? { SWARM_STACKS_MIXED_START: layout.map((engine, i) => `${i + 1}:${engine}`).join(' ') } : {});
    return (JSON.parse(fs.readFileSync(MIXED_JSON, 'utf8')) as { nodes: MixedNode[] }).nodes;
}

/** Stops the mixed swarm and removes its namespaces and data. */
export async function mixedDown(): Promise<void> {
    await script(['mixed-down'], 180_000);
}

/** Restarts `node`'s daemon with `engine`'s binaries on the same data root; waits (bounded) until all three are Ready. */
export async function switchEngine(node: MixedNode, engine: 'main' | 'trixie' | 'sid'): Promise<void> {
    await script(['mixed-switch', node.name.replace('mix', ''), engine], 120_000);
}

export function mixedClient(node: MixedNode, timeoutMs = 60_000): DockerClient {
    return connectDocker({ host: node.host, env: {}, timeoutMs });
}
