/**
 * The load-balanced project on the test bed's 3-node swarm (node1 manager, node2/node3 workers, each dockerd in its
 * own network namespace; scripts/testbed/cluster.sh), with the product's own pieces only:
 * scaffold (haproxy-dns) → build on node1 → push to the cluster registry (X-Registry-Auth from a DOCKER_CONFIG)
 * → deploy with registry auth (digest pinned, credentials stored for the nodes) → replicas on all three nodes, the
 * workers pulled the image → HAProxy (global, host-mode ports) answers on every node's address with every replica
 * behind it → drain node2 while probing through node1 and node3: 0 failed requests → activate node2.
 * Every wait is for a condition and bounded; after() removes the stack, the images on every node and the manifest
 * in the registry, and sets every node active again, even when a step failed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runBuild } from '../../src/core/build/build';
import { setNodeAvailability } from '../../src/core/nodes/verbs';
import { probeDuring, renderTextTable, summarize } from '../../src/core/probe/probe';
import { nodeRegistryAuthSource } from '../../src/core/registry/node-io';
import { pushImage, type PushResult } from '../../src/core/registry/push';
import { completeScaffoldInput, findTemplatesDir } from '../../src/core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../../src/core/scaffold/node-fs';
import { applyScaffold, planScaffold } from '../../src/core/scaffold/plan';
import type { Task } from '../../src/core/specs';
import { waitForService } from '../../src/core/stack/converge';
import { applyDeploy, prepareDeploy, touchedServices, type DeployOptions } from '../../src/core/stack/deploy';
import { stackFromCompose } from '../../src/core/stack/from-compose';
import { removeStack } from '../../src/core/stack/remove';
import type { DockerClient } from '../../src/docker/client';
import { isDockerError } from '../../src/docker/errors';
import { Cleanup } from './support/cleanup';
import { loadCluster, nodeClient, type Cluster, type ClusterNode } from './support/cluster';
import { TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE } from './support/engine';
import { uniqueName } from './support/names';
import { probeUntil } from './support/probe';
import { waitFor } from './support/wait';

const REPLICAS = 6;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('3-node swarm: scaffold → build on node1 → push → deploy with registry auth → HAProxy on every node → drain under probe', function () {
    this.timeout(15 * 60_000);

    let cluster: Cluster;
    const clients = new Map<string, DockerClient>();
    let manager: DockerClient;
    let cleanup: Cleanup;
    let dir = '';
    const name = uniqueName();
    const stack = name;
    const appService = `${stack}_app`;
    const proxyService = `${stack}_proxy`;
    let repository = '';
    let image = '';
    let pushed: PushResult | undefined;
    let port = 0;
    let deployOptions: DeployOptions;
    const nodeIds = new Map<string, string>(); // node ID → node name
    const figures: Record<string, string> = {};

    const client = (node: ClusterNode): DockerClient => clients.get(node.name)!;
    const workers = (): ClusterNode[] => cluster.nodes.filter((n) => n.role === 'worker');
    const urlOf = (node: ClusterNode): string => `http://${node.address}:${port}/`;

    async function runningTasks(service: string): Promise<Task[]> {
        return manager.listTasks({ service: [service], 'desired-state': ['running'] }).then((tasks) => tasks.filter((t) => t.Status.State === 'running'));
    }

    /** `node1: 2, node2: 2, node3: 2` for the running tasks of a service. */
    function spread(tasks: Task[]): Map<string, number> {
        const counts = new Map<string, number>(cluster.nodes.map((n) => [n.name, 0]));
        for (const t of tasks) {
            const node = nodeIds.get(t.NodeID ?? '') ?? `unknown node ${t.NodeID}`;
            counts.set(node, (counts.get(node) ?? 0) + 1);
        }
        return counts;
    }
    const showSpread = (counts: Map<string, number>): string => [...counts].map(([n, c]) => `${n}: ${c}`).join(', ');

    async function hasImage(c: DockerClient, ref: string): Promise<boolean> {
        try {
            await c.inspectImage(ref);
            return true;
        } catch (error) {
            if (isDockerError(error, 'notFound')) return false;
            throw error;
        }
    }

    before(async function () {
        cluster = loadCluster();
        for (const node of cluster.nodes) clients.set(node.name, nodeClient(node, 60_000));
        manager = client(cluster.nodes.find((n) => n.role === 'manager')!);
        for (const node of cluster.nodes) {
            await client(node).ping({ timeoutMs: 5000 }).catch((error: unknown) => {
                throw new Error(`${node.name} (${node.host}) does not answer: run bash scripts/testbed/setup.sh (${String(error)})`);
            });
        }
        // A node restarted by an earlier test reports "unknown" until its first heartbeat: wait for it, bounded.
        let states: string[] = [];
        const wanted = ['node1 ready active', 'node2 ready active', 'node3 ready active'];
        await waitFor(
            async () => {
                states = (await manager.listNodes()).map((n) => `${n.Description?.Hostname} ${n.Status?.State} ${n.Spec.Availability}`).sort();
                return states.join() === wanted.join();
            },
            { timeoutMs: 30_000, intervalMs: 250, what: 'the 3 nodes to be Ready and active' },
        ).catch(() => {
            throw new Error(`the bed needs 3 Ready, active nodes, not: ${states.join('; ')} (bash scripts/testbed/cluster.sh up repairs it)`);
        });
        for (const n of await manager.listNodes()) nodeIds.set(n.ID, n.Description?.Hostname ?? n.ID);
        for (const node of cluster.nodes) {
            for (const base of [TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE]) {
                assert.ok(await hasImage(client(node), base), `${base} is missing on ${node.name}: run bash scripts/testbed/setup.sh`);
            }
        }
        repository = `${cluster.registry.cluster}/${name}/app`;
        image = `${repository}:v1`;
        // Credentials exactly as a user's Docker CLI configuration holds them (`docker login` wrote both registries).
        deployOptions = {
            resolveImage: 'always',
            prune: false,
            registryAuth: nodeRegistryAuthSource({ ...process.env, DOCKER_CONFIG: cluster.registry.dockerConfig, DOCKER_AUTH_CONFIG: undefined }),
            withRegistryAuth: true,
        };
        cleanup = new Cleanup(manager);
        cleanup.stack(stack);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
        // Host-mode ports bind inside the nodes' namespaces, where nothing else listens above 20000.
        port = 20_000 + Math.floor(Math.random() * 9_000) * 2;
    });

    after(async function () {
        this.timeout(240_000);
        const problems: string[] = [];
        const attempt = async (what: string, f: () => Promise<unknown>): Promise<void> => {
            try {
                await f();
            } catch (error) {
                problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
            }
        };
        try {
            if (!manager) return;
            for (const node of cluster.nodes) await attempt(`activate ${node.name}`, () => setNodeAvailability(manager, node.name, 'active'));
            await attempt('remove the stack', () => removeStack(manager, stack, { wait: true, waitTimeoutMs: 120_000 }));
            if (cleanup) await attempt('cleanup', () => cleanup.run(120_000));
            // The workers hold the image by digest only (tasks pull `repo:tag@digest`): remove by ID everywhere.
            for (const node of cluster.nodes) {
                for (const ref of [image, ...(pushed ? [pushed.pinned] : [])]) {
                    await attempt(`remove ${ref} on ${node.name}`, async () => {
                        const id = await client(node).inspectImage(ref).then((i) => i.Id, () => undefined);
                        if (!id) return;
                        // Containers of removed tasks may still be going away on the workers: bounded retries.
                        await waitFor(() => client(node).removeImage(id, { force: true }).then(() => true, (e: unknown) => (isDockerError(e, 'notFound') ? true : false)), {
                            timeoutMs: 60_000,
                            intervalMs: 500,
                            what: `${ref} removed from ${node.name}`,
                        });
                    });
                }
            }
            if (pushed) await attempt('delete the manifest from the registry', () => deleteManifest(cluster, `${name}/app`, pushed!.digest));
        } finally {
            for (const c of clients.values()) c.close();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
            console.log(`      figures: ${JSON.stringify(figures)}`);
        }
        assert.deepStrictEqual(problems, [], `cleanup: ${problems.join('; ')}`);
    });

    it('scaffolds the haproxy-dns project: HAProxy global with host-mode ports, as the scaffold writes it', async () => {
        const input = completeScaffoldInput({
            variant: 'haproxy-dns',
            targetDir: dir,
            appName: 'app',
            replicas: REPLICAS,
            publishedPort: port,
            statsPort: port + 1,
            image,
            baseImage: TESTBED_NODE_IMAGE,
            haproxyImage: TESTBED_HAPROXY_IMAGE,
            stackName: stack,
        });
        const templates = findTemplatesDir(__dirname, (d) => fs.existsSync(d));
        assert.ok(templates, 'media/templates not found');
        const plan = planScaffold(input, templateReader(templates), existingFileReader(dir));
        await applyScaffold(plan, new Map(), fileWriter(dir));
        const compose = fs.readFileSync(path.join(dir, 'docker-compose.yaml'), 'utf8');
        // The scaffold's own choices; the test relies on them unchanged.
        assert.match(compose, new RegExp(`image: ${image.replace(/[.]/g, '\\.')}\\n`));
        assert.match(compose, /mode: global/);
        assert.match(compose, new RegExp(`published: ${port}\\n\\s+protocol: tcp\\n\\s+mode: host`));
    });

    it('builds the image on node1 with the product build', async () => {
        const result = await runBuild(manager, { dir, tags: [image] });
        figures.buildOnNode1 = seconds(result.durationMs);
        assert.ok(await hasImage(manager, image));
        for (const worker of workers()) assert.strictEqual(await hasImage(client(worker), image), false, `${worker.name} must not have ${image} before the deploy`);
    });

    it('pushes it to the cluster registry with the credentials of the DOCKER_CONFIG', async () => {
        const authHeader = await deployOptions.registryAuth!.authHeaderFor(image);
        pushed = await pushImage(manager, image, { authHeader });
        figures.push = seconds(pushed.durationMs);
        figures.pushedLayers = String(pushed.layers.length);
        figures.digest = pushed.digest;
        assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
        assert.strictEqual(pushed.pinned, `${image}@${pushed.digest}`);
        assert.ok(pushed.layers.every((l) => ['pushed', 'exists', 'mounted'].includes(l.state)), JSON.stringify(pushed.layers));
        // The registry has it now, for the same credentials (what a node will ask).
        const distribution = await manager.distributionInspect(image, { authHeader });
        assert.strictEqual(distribution.Descriptor.digest, pushed.digest);
    });

    it('deploys with registry auth: the app pinned by digest, replicas on all three nodes, the workers pulled it', async () => {
        const t0 = performance.now();
        const loaded = stackFromCompose([path.join(dir, 'docker-compose.yaml')], { stackName: stack, env: process.env, dotEnv: false });
        assert.ok(loaded.specs, loaded.diagnostics.map((d) => d.message).join('\n'));
        const plan = await prepareDeploy(manager, loaded.specs, stack, deployOptions);
        assert.deepStrictEqual(plan.problems, []);
        for (const warning of plan.warnings) console.log(`      plan warning: ${warning.trim()}`);
        const appPlan = plan.services.find((s) => s.name === appService);
        assert.strictEqual(appPlan?.spec.TaskTemplate.ContainerSpec?.Image, pushed!.pinned, 'the app image is pinned to the pushed digest');
        const result = await applyDeploy(manager, plan, deployOptions);
        const ids = touchedServices(result);
        assert.strictEqual(ids.length, 2);
        for (const id of ids) {
            const outcome = await waitForService(manager, id, { timeoutMs: 180_000 });
            assert.strictEqual(outcome.kind, 'converged', `service ${id}: ${outcome.kind}`);
        }
        figures.deployConverged = seconds(performance.now() - t0);

        const app = await runningTasks(appService);
        assert.strictEqual(app.length, REPLICAS);
        const counts = spread(app);
        figures.appSpread = showSpread(counts);
        assert.ok([...counts.values()].every((c) => c >= 1), `replicas on every node: ${showSpread(counts)}`);
        for (const t of app) assert.strictEqual(t.Spec.ContainerSpec?.Image, pushed!.pinned);
        // The stored spec carries the credentials' presence only as the engine reports it: the workers pulling is the proof.
        for (const worker of workers()) {
            const pulled = await client(worker).inspectImage(pushed!.pinned);
            assert.ok(pulled.RepoDigests?.includes(`${repository}@${pushed!.digest}`), `${worker.name} pulled ${pushed!.pinned}: ${JSON.stringify(pulled.RepoDigests)}`);
        }
        const proxies = await runningTasks(proxyService);
        figures.proxySpread = showSpread(spread(proxies));
        assert.deepStrictEqual([...spread(proxies).values()], [1, 1, 1], 'one HAProxy per node (global)');
    });

    it('HAProxy answers on every node address (host-mode port) with every replica behind it', async () => {
        const t0 = performance.now();
        for (const node of cluster.nodes) {
            const summary = await probeUntil(urlOf(node), `${REPLICAS} hostnames through ${urlOf(node)}`, (s) => s.failed === 0 && s.hostnames.length === REPLICAS, { count: 30 });
            figures[`hostnames@${node.address}`] = String(summary.hostnames.length);
            console.log(`      ${urlOf(node)}: ${summary.ok}/${summary.total} ok, ${summary.hostnames.length} distinct hostnames`);
        }
        figures.allAddressesAnswer = seconds(performance.now() - t0);
    });

    it('drains node2 while probing through node1 and node3: 0 failed requests; then activates it', async () => {
        const drained = cluster.nodes.find((n) => n.name === 'node2')!;
        const probed = cluster.nodes.filter((n) => n !== drained);
        const before = spread(await runningTasks(appService)).get(drained.name) ?? 0;
        assert.ok(before > 0, 'node2 runs app replicas before the drain');

        const controller = new AbortController();
        const probes = probed.map((node) =>
            probeDuring(urlOf(node), { intervalMs: 50, maxRequests: 20_000, maxDurationMs: 300_000, timeoutMs: 3000, signal: controller.signal }),
        );
        const t0 = performance.now();
        try {
            // Requests flow before the drain starts.
            await new Promise((resolve) => setTimeout(resolve, 2000));
            const result = await setNodeAvailability(manager, drained.name, 'drain');
            assert.ok(result.changed, result.message);
            await waitFor(
                async () => {
                    const app = await runningTasks(appService);
                    const proxies = await runningTasks(proxyService);
                    return app.length === REPLICAS && (spread(app).get(drained.name) ?? 0) === 0 && proxies.length === 2 && (spread(proxies).get(drained.name) ?? 0) === 0;
                },
                { timeoutMs: 120_000, intervalMs: 250, what: `node2's tasks to move (app ${REPLICAS} running elsewhere, HAProxy on node1 and node3 only)` },
            );
            figures.drainMoved = seconds(performance.now() - t0 - 2000);
            figures.appSpreadAfterDrain = showSpread(spread(await runningTasks(appService)));
            // Keep probing a little after the move, while HAProxy's DNS and health checks settle.
            await new Promise((resolve) => setTimeout(resolve, 5000));
        } finally {
            controller.abort();
        }
        const reports = await Promise.all(probes);
        probed.forEach((node, i) => {
            const summary = summarize(reports[i].results);
            figures[`drainRequests@${node.address}`] = `${summary.total} (${summary.failed} failed, ${summary.hostnames.length} hostnames)`;
            console.log(`      during the drain through ${urlOf(node)}:`);
            console.log(renderTextTable(summary));
        });
        for (const [i, report] of reports.entries()) {
            const summary = summarize(report.results);
            assert.ok(summary.total > 100, `enough requests through ${probed[i].address}: ${summary.total}`);
            assert.strictEqual(summary.failed, 0, `failed requests through ${probed[i].address}: ${JSON.stringify(summary.failures)}`);
        }

        const t1 = performance.now();
        const activated = await setNodeAvailability(manager, drained.name, 'active');
        assert.ok(activated.changed, activated.message);
        const node = (await manager.listNodes()).find((n) => n.Description?.Hostname === drained.name);
        assert.strictEqual(node?.Spec.Availability, 'active');
        // The global HAProxy comes back on node2 and answers there again (app replicas stay where they are).
        await waitFor(async () => (spread(await runningTasks(proxyService)).get(drained.name) ?? 0) === 1, {
            timeoutMs: 60_000,
            intervalMs: 250,
            what: 'HAProxy to run on node2 again',
        });
        const summary = await probeUntil(urlOf(drained), `${urlOf(drained)} to answer again`, (s) => s.failed === 0 && s.hostnames.length === REPLICAS, { count: 30 });
        figures.activatedAnswering = seconds(performance.now() - t1);
        assert.strictEqual(summary.hostnames.length, REPLICAS);
    });
});

/** Deletes a manifest from the test bed's registry (storage delete is enabled; blobs wait for a garbage collection). */
async function deleteManifest(cluster: Cluster, repository: string, digest: string): Promise<void> {
    const auth = Buffer.from(`${cluster.registry.username}:${cluster.registry.password}`).toString('base64');
    const response = await fetch(`http://${cluster.registry.local}/v2/${repository}/manifests/${digest}`, {
        method: 'DELETE',
        headers: { Authorization: `Basic ${auth}` },
        signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 202 && response.status !== 404) throw new Error(`DELETE manifest ${repository}@${digest}: HTTP ${response.status}`);
}
