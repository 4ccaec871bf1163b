/**
 * The test bed's real-cluster parts (scripts/testbed/cluster.sh writes `<repo>/.testbed/cluster.json`): an sshd
 * in front of the main engine, its TLS listener, the private registries and the 3-node swarm in network
 * namespaces. A missing part is an error naming the setup command, never a skip.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { DockerClient } from '../../../src/docker/client';
import { connectDocker } from '../../../src/docker/connect';
import { describeRun, ROOT, run } from './commands';

/** `<repo>/.testbed/cluster.json`, found relative to the compiled test files (ROOT). */
export const CLUSTER_JSON = path.join(ROOT, '.testbed', 'cluster.json');
const CLUSTER_SCRIPT = path.join(ROOT, 'scripts', 'testbed', 'cluster.sh');
const SETUP_COMMAND = 'bash scripts/testbed/setup.sh';

export interface ClusterSsh {
    /** `ssh://root@127.0.0.1:<port>`: works with the key alone once binDir is first on PATH. */
    url: string;
    alias: string;
    jumpAlias: string;
    unknownKeyAlias: string;
    changedKeyAlias: string;
    port: number;
    user: string;
    /** Holds `ssh`, which runs the system ssh with `-F config`. */
    binDir: string;
    config: string;
    identityFile: string;
    knownHosts: string;
    pidFile: string;
}

export interface ClusterNode {
    name: 'node1' | 'node2' | 'node3';
    /** `unix://…/docker.sock` of the node's daemon. */
    host: string;
    /** The node's address in its network namespace (10.210.0.N), reachable from the tests. */
    address: string;
    role: 'manager' | 'worker';
}

export interface Cluster {
    ssh: ClusterSsh;
    /** The main engine's TLS listener; certPath holds ca.pem, cert.pem, key.pem. */
    tls: { url: string; certPath: string };
    registry: {
        /** Reachable from the main engine. */
        local: string;
        /** Reachable from the three nodes (insecure-registry there); same storage as `local`. */
        cluster: string;
        username: string;
        password: string;
        /** A DOCKER_CONFIG folder whose config.json has `auths` for both registries. */
        dockerConfig: string;
    };
    nodes: ClusterNode[];
}

/** Reads `.testbed/cluster.json`; throws, naming the setup command, when the test bed has not written it. */
export function loadCluster(): Cluster {
    let text: string;
    try {
        text = fs.readFileSync(CLUSTER_JSON, 'utf8');
    } catch (error) {
        throw new Error(
            `${CLUSTER_JSON} is missing (${(error as NodeJS.ErrnoException).code ?? String(error)}): ` +
                `the test bed's cluster parts are not up. Run: ${SETUP_COMMAND}`,
        );
    }
    const cluster = JSON.parse(text) as Cluster;
    if (!cluster.ssh?.binDir || !cluster.tls?.certPath || !cluster.registry?.cluster || cluster.nodes?.length !== 3) {
        throw new Error(`${CLUSTER_JSON} does not have the shape of docs/testbed.md; run: ${SETUP_COMMAND}`);
    }
    return cluster;
}

/** `env` with the test bed's ssh wrapper first on PATH and no ssh agent: what a user with only a key file has. */
export function withSshPath(cluster: Cluster, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = { ...env, PATH: `${cluster.ssh.binDir}${path.delimiter}${env.PATH ?? ''}` };
    delete result.SSH_AUTH_SOCK;
    return result;
}

/** The node by name (`node1`…`node3`). */
export function clusterNode(cluster: Cluster, name: ClusterNode['name']): ClusterNode {
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`${name} is not in ${CLUSTER_JSON}`);
    return node;
}

/**
 * A client for one node's daemon, resolved as for an explicit `--host` (the environment's DOCKER_HOST,
 * DOCKER_TLS_VERIFY and contexts play no part). The caller closes it.
 */
export function nodeClient(node: ClusterNode, timeoutMs = 30_000): DockerClient {
    return connectDocker({ host: node.host, env: {}, timeoutMs });
}

/** Stops one node's daemon (SIGTERM by its pid file, bounded wait): the node is lost to the swarm. */
export async function stopNodeDaemon(node: ClusterNode): Promise<void> {
    await clusterScript(['node-stop', node.name.replace('node', '')]);
}

/** Starts one node's daemon again and waits (bounded) until the manager reports all three nodes Ready. */
export async function startNodeDaemon(node: ClusterNode): Promise<void> {
    await clusterScript(['node-start', node.name.replace('node', '')]);
}

async function clusterScript(args: string[]): Promise<void> {
    const result = await run('bash', [CLUSTER_SCRIPT, ...args], { timeoutMs: 90_000 });
    if (result.code !== 0) throw new Error(describeRun(`bash scripts/testbed/cluster.sh ${args.join(' ')}`, result));
}
