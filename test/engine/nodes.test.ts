/**
 * The node verbs and a lost node on the test bed's 3-node swarm (node1 manager, node2/node3 workers, each dockerd in
 * its own network namespace; scripts/testbed/cluster.sh), through the bundled CLI pointed at node1's socket:
 * drain prints its impact and the tasks move, activate brings the node back; labels steer placement and a pending
 * task names the constraint it waits for; promote and demote, and the last manager is refused; and a worker whose
 * dockerd stops during `deploy --wait` ends the wait within its bound with one sentence naming the node and its
 * address, saying the service is deployed and what is pending. Every wait is bounded; after() puts every node back
 * (active, worker, no test label, daemon running) and removes the stacks, even when a step failed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Node, Task } from '../../src/core/specs';
import type { DockerClient } from '../../src/docker/client';
import { assertFreshBundle, describeRun, run, swarmStacks, type RunResult } from './support/commands';
import { clusterNode, loadCluster, nodeClient, startNodeDaemon, stopNodeDaemon, type Cluster, type ClusterNode } from './support/cluster';
import { TESTBED_NODE_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';

// The test image has node but no sleep: an idle process that stops at once on SIGTERM.
const IDLE = `["node", "-e", "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9)"]`;

describe('3-node swarm: node verbs from the CLI, and a node lost during deploy --wait', function () {
    this.timeout(8 * 60_000);

    let cluster: Cluster;
    let manager: DockerClient;
    let node2: ClusterNode;
    let node3: ClusterNode;
    let dir = '';
    const name = uniqueName();
    const label = 'swarm-stacks.test';
    const stacks: string[] = [];
    const ids = new Map<string, string>(); // hostname → node ID
    let node3Stopped = false;

    const cli = (args: string[], timeoutMs = 120_000): Promise<RunResult> => {
        const [verb, ...rest] = args;
        return swarmStacks([verb, '-H', clusterNode(cluster, 'node1').host, ...rest], { timeoutMs, env: { ...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: '' } });
    };
    const ok = (what: string, r: RunResult): RunResult => {
        assert.strictEqual(r.code, 0, describeRun(what, r));
        return r;
    };
    const inspect = (node: ClusterNode): Promise<Node> => manager.inspectNode(ids.get(node.name)!);

    function compose(file: string, services: Record<string, string[]>): string {
        const lines = ['version: "3.8"', 'services:'];
        for (const [key, deploy] of Object.entries(services)) {
            lines.push(`  ${key}:`, `    image: ${TESTBED_NODE_IMAGE}`, `    command: ${IDLE}`, '    stop_grace_period: 1s', '    deploy:', ...deploy.map((l) => `      ${l}`));
        }
        const full = path.join(dir, file);
        fs.writeFileSync(full, `${lines.join('\n')}\n`);
        return full;
    }

    async function running(service: string): Promise<Task[]> {
        return (await manager.listTasks({ service: [service], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running');
    }

    before(async () => {
        assertFreshBundle();
        cluster = loadCluster();
        node2 = clusterNode(cluster, 'node2');
        node3 = clusterNode(cluster, 'node3');
        manager = nodeClient(clusterNode(cluster, 'node1'));
        for (const n of await manager.listNodes()) ids.set(n.Description?.Hostname ?? '', n.ID);
        assert.deepStrictEqual([...ids.keys()].sort(), ['node1', 'node2', 'node3'], 'the test bed swarm has node1..node3');
        for (const n of await manager.listNodes()) {
            assert.strictEqual(n.Status.State, 'ready', `${n.Description?.Hostname} is ready before the test`);
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-nodes-'));
    });

    after(async function () {
        this.timeout(4 * 60_000);
        const problems: string[] = [];
        const attempt = async (what: string, work: () => Promise<unknown>) => {
            try {
                await work();
            } catch (error) {
                problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
            }
        };
        if (node3Stopped) await attempt('restart node3', () => startNodeDaemon(node3));
        for (const node of cluster?.nodes ?? []) {
            await attempt(`reset ${node.name}`, async () => {
                const n = await inspect(node);
                const labels = { ...(n.Spec.Labels ?? {}) };
                delete labels[label];
                const wanted = { ...n.Spec, Availability: 'active', Role: node.role, Labels: labels };
                if (JSON.stringify(wanted) !== JSON.stringify(n.Spec)) await manager.updateNode(n.ID, n.Version.Index, wanted);
            });
        }
        for (const stack of stacks) await attempt(`rm ${stack}`, async () => ok(`rm ${stack}`, await cli(['rm', '--wait', '--wait-timeout', '90', stack])));
        fs.rmSync(dir, { recursive: true, force: true });
        manager?.close();
        if (problems.length) throw new Error(`clean-up: ${problems.join('\n')}`);
    });

    it('drain prints the impact first and the tasks move; activate brings the node back', async () => {
        const stack = `${name}a`;
        stacks.push(stack);
        const file = compose('drain.yml', { web: ['replicas: 3'] });
        ok('deploy', await cli(['deploy', '--wait', '--wait-timeout', '120', '--resolve-image', 'never', '-c', file, stack]));
        const service = `${stack}_web`;
        const onNode2 = (await manager.listTasks({ node: [ids.get('node2')!], 'desired-state': ['running'] })).length;

        const drain = ok('node drain node2', await cli(['node', 'drain', 'node2']));
        const first = drain.stderr.split('\n')[0];
        assert.strictEqual(first, 'Drain node2:', drain.stderr);
        if (onNode2 === 0) {
            assert.match(drain.stderr, /No task runs on node2: nothing moves\./);
        } else {
            assert.match(drain.stderr, new RegExp(`${onNode2} tasks? stops? on node2; (it moves|they move) to node1, node3\\.`), drain.stderr);
            assert.match(drain.stderr, /Every replicated service keeps its desired replicas once the tasks have moved\./);
        }
        assert.strictEqual(drain.stdout, 'Node node2: availability active → drain.\n');
        assert.strictEqual((await inspect(node2)).Spec.Availability, 'drain');
        const moved = await waitFor(
            async () => {
                const tasks = await running(service);
                return tasks.length === 3 && tasks.every((t) => t.NodeID !== ids.get('node2')) ? tasks : undefined;
            },
            { timeoutMs: 90_000, intervalMs: 500, what: `${service}: 3 running tasks, none on node2` },
        );
        assert.strictEqual(moved.length, 3);

        const dry = ok('node pause --dry-run', await cli(['node', 'pause', '--dry-run', 'node3']));
        assert.match(dry.stderr, /^Pause node3:\n {2}The \d+ tasks? on node3 keeps? running; no new task is placed on it\.\n/);
        assert.strictEqual(dry.stdout, '');
        assert.strictEqual((await inspect(node3)).Spec.Availability, 'active', 'a dry run changes nothing');

        const activate = ok('node activate node2', await cli(['node', 'activate', 'node2']));
        assert.match(activate.stderr, /No running task moves back to node2/);
        assert.strictEqual(activate.stdout, 'Node node2: availability drain → active.\n');
        assert.strictEqual((await inspect(node2)).Spec.Availability, 'active');
        const ls = ok('node ls', await cli(['node', 'ls']));
        assert.match(ls.stdout, /^ID +HOSTNAME +STATUS +AVAILABILITY +MANAGER STATUS +ENGINE VERSION\n/);
        assert.match(ls.stdout, new RegExp(`${ids.get('node1')} \\* +node1 +Ready +Active +Leader `));
        assert.match(ls.stdout, new RegExp(`${ids.get('node2')} +node2 +Ready +Active +`));
    });

    it('labels steer placement; a pending task names the constraint it waits for; removing the label stops the task', async () => {
        const stack = `${name}b`;
        stacks.push(stack);
        const bad = await cli(['node', 'label-add', 'node3', 'no-value']);
        assert.strictEqual(bad.code, 2, describeRun('label-add without =', bad));
        assert.match(bad.stderr, /"no-value" is not a label: write it as key=value/);

        ok('label-add', await cli(['node', 'label-add', 'node3', `${label}=${name}`]));
        assert.strictEqual((await inspect(node3)).Spec.Labels?.[label], name);

        const file = compose('labels.yml', {
            pinned: ['placement:', `  constraints: [node.labels.${label}==${name}]`],
            stuck: ['placement:', `  constraints: [node.role==worker, node.labels.${label}==nowhere]`],
        });
        ok('deploy', await cli(['deploy', '--resolve-image', 'never', '-c', file, stack]));
        const pinned = await waitFor(async () => (await running(`${stack}_pinned`))[0], { timeoutMs: 60_000, intervalMs: 500, what: 'the pinned task to run' });
        assert.strictEqual(pinned.NodeID, ids.get('node3'), 'the label placed the task on node3');
        await waitFor(
            async () => (await manager.listTasks({ service: [`${stack}_stuck`] })).some((t) => t.Status.State === 'pending' && /no suitable node/.test(t.Status.Err ?? '')),
            { timeoutMs: 30_000, intervalMs: 300, what: 'the stuck task to be pending with "no suitable node"' },
        );
        const ps = ok('ps', await cli(['ps', stack]));
        assert.match(ps.stdout, /"no suitable node \(schedul…"|"no suitable node \(scheduling …"/, ps.stdout);
        assert.match(
            ps.stderr,
            new RegExp(`^${stack}_stuck\\.1: no suitable node \\(scheduling constraints not satisfied on 3 nodes\\): no available node satisfies the constraint node\\.labels\\.${label.replace('.', '\\.')}==nowhere\\n$`),
            ps.stderr,
        );

        const removed = ok('label-rm', await cli(['node', 'label-rm', 'node3', label]));
        assert.strictEqual(removed.stdout, `Node node3: label ${label} removed.\n`);
        assert.strictEqual((await inspect(node3)).Spec.Labels?.[label], undefined);
        // swarmkit's constraint enforcer stops the task whose node no longer satisfies it; its replacement waits.
        await waitFor(async () => ((await running(`${stack}_pinned`)).length === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: 'the pinned task to stop' });
        const missing = await cli(['node', 'label-rm', 'node3', label]);
        assert.strictEqual(missing.code, 1);
        assert.match(missing.stderr, new RegExp(`node node3 has no label ${label.replace('.', '\\.')}`));
    });

    it('promote and demote a worker; the last manager is refused before anything is sent', async () => {
        const refused = await cli(['node', 'demote', 'node1']);
        assert.strictEqual(refused.code, 1, describeRun('demote node1', refused));
        assert.strictEqual(refused.stderr, 'swarm-stacks: node1 is the last manager of the swarm and cannot be demoted: promote another node first, or the swarm would have no manager left.\n');
        assert.strictEqual((await inspect(clusterNode(cluster, 'node1'))).Spec.Role, 'manager');

        assert.strictEqual(ok('promote', await cli(['node', 'promote', 'node2'])).stdout, 'Node node2 promoted to a manager in the swarm.\n');
        await waitFor(async () => ((await inspect(node2)).ManagerStatus?.Reachability === 'reachable' ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: 'node2 to be a reachable manager' });
        assert.strictEqual(ok('promote again', await cli(['node', 'promote', 'node2'])).stdout, 'Node node2 is already a manager.\n');

        assert.strictEqual(ok('demote', await cli(['node', 'demote', 'node2'])).stdout, 'Manager node2 demoted in the swarm.\n');
        await waitFor(
            async () => {
                const n = await inspect(node2);
                return n.Spec.Role === 'worker' && n.ManagerStatus === undefined ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 500, what: 'node2 to be a worker again' },
        );
    });

    it('an image only node1 holds: the plan names the services that cannot start on node2 and node3, and says what is known', async () => {
        const stack = `${name}d`;
        const image = `${name}-local:v1`;
        // Tagged on node1's engine only: no registry has it, and the workers cannot pull it.
        const node1 = clusterNode(cluster, 'node1').host;
        ok('docker tag on node1', await run('docker', ['-H', node1, 'tag', TESTBED_NODE_IMAGE, image], { timeoutMs: 30_000 }));
        try {
            const file = path.join(dir, 'local.yml');
            fs.writeFileSync(file, ['version: "3.8"', 'services:', '  web:', `    image: ${image}`, '    deploy:', '      replicas: 3', ''].join('\n'));
            const plan = ok('deploy --dry-run', await cli(['deploy', '--dry-run', '-c', file, stack]));
            assert.strictEqual(plan.stdout, `network ${stack}_default: create\nservice ${stack}_web: create\n`);
            const endpoint = clusterNode(cluster, 'node1').host;
            assert.ok(
                plan.stderr.includes(
                    // The image names Docker Hub, which the test bed cannot reach: the plan says the lookup failed, not that no registry has it.
                    `image ${image} could not be looked up in its registry, so whether the nodes can pull it is not known: ` +
                        `service ${stack}_web cannot start on node2, node3 unless they pull it (it can on node1). ` +
                        `Only node1 (the engine at ${endpoint}) is known to hold it; the other nodes cannot be asked and pull it only from a registry. ` +
                        'If the registry does not have it, push it there.',
                ),
                plan.stderr,
            );
        } finally {
            await manager.removeImage(image).catch(() => undefined);
        }
    });

    it('a worker lost during deploy --wait: a bounded wait, one sentence naming the node and its address, nothing left unsaid', async () => {
        const stack = `${name}c`;
        stacks.push(stack);
        // One task per node: once node3 is gone the third replica has nowhere to go.
        const file = compose('lost.yml', { web: ['replicas: 3', 'placement:', '  max_replicas_per_node: 1'] });
        const started = Date.now();
        const deploy = cli(['deploy', '--wait', '--wait-timeout', '150', '--resolve-image', 'never', '-c', file, stack], 200_000);
        // The deploy's requests go to node1; node3 is lost while the wait follows the tasks.
        await waitFor(async () => ((await manager.listServices({ label: [`${STACK_LABEL}=${stack}`] })).length ? true : undefined), {
            timeoutMs: 60_000,
            intervalMs: 100,
            what: 'the service to be created',
        });
        node3Stopped = true;
        await stopNodeDaemon(node3);
        const result = await deploy;
        const seconds = (Date.now() - started) / 1000;
        console.log(`      deploy --wait with node3 lost ended after ${seconds.toFixed(1)} s (exit ${result.code})`);
        assert.strictEqual(result.code, 1, describeRun('deploy --wait', result));
        assert.ok(seconds < 120, `the wait ended by itself, well within its bound (${seconds.toFixed(1)} s)`);
        assert.match(result.stdout, new RegExp(`^Creating network ${stack}_default\\nCreating service ${stack}_web\\n$`), 'everything was applied');
        const message = result.stderr.trim().split('\n').pop() ?? '';
        assert.match(message, new RegExp(`^swarm-stacks: ${stack}_web: 2/3 running; the rest cannot be placed\\. `), result.stderr);
        assert.match(message, new RegExp(`Lost during the wait: node node3 \\(${node3.address.replace(/\./g, '\\.')}\\) is down`), result.stderr);
        assert.match(message, /Pending: no suitable node \(.*\): .*node3 is down.*max_replicas_per_node is 1/, result.stderr);
        assert.match(message, /The service is deployed; the engine places its tasks once a node can take them\.$/);

        await startNodeDaemon(node3);
        node3Stopped = false;
        // Back in the swarm, node3 takes the third replica without any further command.
        await waitFor(async () => ((await running(`${stack}_web`)).length === 3 ? true : undefined), { timeoutMs: 90_000, intervalMs: 500, what: 'the third replica once node3 is back' });
    });
});
