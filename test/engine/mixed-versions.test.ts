/**
 * A swarm of mixed engine versions and a rolling engine upgrade (scripts/testbed/engines.sh mixed-up): a 28.5 worker
 * (mix2) joined to a 20.10 manager (mix1), plus a 20.10 worker (mix3). The nodes report their engine versions as the
 * Nodes view and `swarm-stacks node ls` show them. The scaffold's load-balanced project (HAProxy global with
 * host-mode ports) is built on each node and deployed; then mix3 is drained, its daemon restarted on the same data
 * root with Engine 28.5's binaries, and activated, while requests through HAProxy on mix1 and mix2 all succeed.
 * The other way round, a 20.10 worker (mix2) in a 28.5 manager's (mix1) swarm runs its share of a service.
 * Bound: 6 minutes per describe (every wait below is bounded); after() removes the mixed swarm even when a step failed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runBuild } from '../../src/core/build/build';
import { setNodeAvailability } from '../../src/core/nodes/verbs';
import { probeDuring, renderTextTable, summarize } from '../../src/core/probe/probe';
import { completeScaffoldInput, findTemplatesDir } from '../../src/core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../../src/core/scaffold/node-fs';
import { applyScaffold, planScaffold } from '../../src/core/scaffold/plan';
import type { Task } from '../../src/core/specs';
import { waitForService } from '../../src/core/stack/converge';
import { applyDeploy, prepareDeploy, touchedServices, type DeployOptions } from '../../src/core/stack/deploy';
import { stackFromCompose } from '../../src/core/stack/from-compose';
import { readSnapshot } from '../../src/core/swarm-snapshot';
import type { DockerClient } from '../../src/docker/client';
import { describeRun, docker, swarmStacks } from './support/commands';
import { TESTBED_HAPROXY_IMAGE, TESTBED_NODE_IMAGE } from './support/engine';
import { mixedClient, mixedDown, mixedUp, switchEngine, type MixedNode } from './support/mixed';
import { uniqueName } from './support/names';
import { probeUntil } from './support/probe';
import { waitFor } from './support/wait';

const REPLICAS = 4;
const ENGINE_20 = /^20\.10\./;
const ENGINE_28 = /^28\.5\./;

describe('mixed engine versions: a 28.5 worker in a 20.10 manager\'s swarm, and a rolling engine upgrade under probe', function () {
    this.timeout(6 * 60_000);

    let nodes: MixedNode[] = [];
    const clients = new Map<string, DockerClient>();
    let manager: DockerClient;
    let dir = '';
    const stack = uniqueName('mixed');
    const image = `${stack}-app:v1`;
    const appService = `${stack}_app`;
    const proxyService = `${stack}_proxy`;
    // Host-mode ports bind inside the nodes' namespaces, where nothing else listens.
    const port = 20_000 + Math.floor(Math.random() * 9_000) * 2;
    const nodeNames = new Map<string, string>(); // node ID → hostname
    const node = (name: MixedNode['name']): MixedNode => nodes.find((n) => n.name === name)!;
    const urlOf = (n: MixedNode): string => `http://${n.address}:${port}/`;

    async function running(service: string): Promise<Task[]> {
        const tasks = await manager.listTasks({ service: [service], 'desired-state': ['running'] });
        return tasks.filter((t) => t.Status.State === 'running');
    }
    const on = (tasks: Task[], name: string): number => tasks.filter((t) => nodeNames.get(t.NodeID ?? '') === name).length;

    /** hostname → engine version, as the Nodes view's snapshot holds them. */
    async function engineVersions(): Promise<Record<string, string | undefined>> {
        const snapshot = await readSnapshot(manager);
        return Object.fromEntries(snapshot.nodes.map((n) => [n.hostname, n.engineVersion]));
    }

    before(async function () {
        this.timeout(240_000);
        nodes = await mixedUp();
        for (const n of nodes) clients.set(n.name, mixedClient(n));
        manager = clients.get('mix1')!;
        for (const n of await manager.listNodes()) nodeNames.set(n.ID, n.Description?.Hostname ?? n.ID);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${stack}-`));
    });

    after(async function () {
        this.timeout(240_000);
        for (const c of clients.values()) c.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        // The whole swarm goes, with the stack, the images and the namespaces.
        await mixedDown();
    });

    it('a 28.5 worker joins a 20.10 manager: each node reports its engine version, in the Nodes view\'s data and in node ls', async () => {
        const versions = await engineVersions();
        assert.match(versions.mix1 ?? '', ENGINE_20, JSON.stringify(versions));
        assert.match(versions.mix2 ?? '', ENGINE_28, JSON.stringify(versions));
        assert.match(versions.mix3 ?? '', ENGINE_20, JSON.stringify(versions));
        const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: node('mix1').host };
        delete env.DOCKER_CONTEXT;
        const [ours, theirs] = await Promise.all([swarmStacks(['node', 'ls'], { env }), docker(['node', 'ls'], { env })]);
        assert.strictEqual(ours.code, 0, describeRun('swarm-stacks node ls', ours));
        assert.strictEqual(theirs.code, 0, describeRun('docker node ls', theirs));
        // HOSTNAME and ENGINE VERSION columns, as the Docker CLI prints them.
        const columns = (table: string) =>
            table
                .trim()
                .split('\n')
                .slice(1)
                .map((line) => {
                    const cells = line.split(/\s{2,}/).map((c) => c.trim());
                    return `${cells[1]} ${cells[cells.length - 1]}`;
                })
                .sort();
        assert.deepStrictEqual(columns(ours.stdout), columns(theirs.stdout), `${ours.stdout}\n${theirs.stdout}`);
        assert.deepStrictEqual(columns(ours.stdout).map((c) => c.replace(/ (\d+\.\d+)\..*/, ' $1')), ['mix1 20.10', 'mix2 28.5', 'mix3 20.10']);
    });

    it('deploys the scaffold\'s HAProxy project, built on every node: replicas and a proxy on each engine version', async () => {
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
        await applyScaffold(planScaffold(input, templateReader(templates), existingFileReader(dir)), new Map(), fileWriter(dir));
        // No registry: each node builds the image (the product build), as on a swarm whose nodes build locally.
        for (const n of nodes) await runBuild(clients.get(n.name)!, { dir, tags: [image] });

        const loaded = stackFromCompose([path.join(dir, 'docker-compose.yaml')], { stackName: stack, env: process.env, dotEnv: false });
        assert.ok(loaded.specs, loaded.diagnostics.map((d) => d.message).join('\n'));
        const options: DeployOptions = { resolveImage: 'never', prune: false };
        const plan = await prepareDeploy(manager, loaded.specs, stack, options);
        assert.deepStrictEqual(plan.problems, []);
        const ids = touchedServices(await applyDeploy(manager, plan, options));
        for (const id of ids) {
            const outcome = await waitForService(manager, id, { timeoutMs: 120_000 });
            assert.strictEqual(outcome.kind, 'converged', `service ${id}: ${outcome.kind}`);
        }
        const proxies = await running(proxyService);
        assert.deepStrictEqual(['mix1', 'mix2', 'mix3'].map((n) => on(proxies, n)), [1, 1, 1], 'one HAProxy per node (global)');
        for (const n of nodes) {
            await probeUntil(urlOf(n), `${REPLICAS} hostnames through ${urlOf(n)}`, (s) => s.failed === 0 && s.hostnames.length === REPLICAS, { count: 30, timeoutMs: 60_000 });
        }
    });

    it('drains mix3, switches it from Engine 20.10 to 28.5, activates it: 0 failed requests through mix1 and mix2', async () => {
        const upgraded = node('mix3');
        const probed = [node('mix1'), node('mix2')];
        const controller = new AbortController();
        const probes = probed.map((n) => probeDuring(urlOf(n), { intervalMs: 50, maxRequests: 20_000, maxDurationMs: 240_000, timeoutMs: 3000, signal: controller.signal }));
        try {
            // Requests flow before the drain starts.
            await new Promise((resolve) => setTimeout(resolve, 2000));
            const drained = await setNodeAvailability(manager, upgraded.name, 'drain');
            assert.ok(drained.changed, drained.message);
            await waitFor(
                async () => {
                    const [app, proxies] = await Promise.all([running(appService), running(proxyService)]);
                    return app.length === REPLICAS && on(app, upgraded.name) === 0 && proxies.length === 2 && on(proxies, upgraded.name) === 0;
                },
                { timeoutMs: 90_000, intervalMs: 250, what: `mix3's tasks to move (${REPLICAS} app replicas elsewhere, HAProxy on mix1 and mix2 only)` },
            );
            await switchEngine(upgraded, 'sid');
            await waitFor(async () => ENGINE_28.test((await engineVersions()).mix3 ?? ''), { timeoutMs: 60_000, intervalMs: 500, what: 'mix3 to report Engine 28.5' });
            const activated = await setNodeAvailability(manager, upgraded.name, 'active');
            assert.ok(activated.changed, activated.message);
            // The global HAProxy comes back on mix3, on its new engine.
            await waitFor(async () => on(await running(proxyService), upgraded.name) === 1, { timeoutMs: 90_000, intervalMs: 250, what: 'HAProxy to run on mix3 again' });
            // Keep probing a little after, while HAProxy's DNS and health checks settle.
            await new Promise((resolve) => setTimeout(resolve, 3000));
        } finally {
            controller.abort();
        }
        const reports = await Promise.all(probes);
        for (const [i, report] of reports.entries()) {
            const summary = summarize(report.results);
            console.log(`      during the drain and engine switch, through ${urlOf(probed[i])}:`);
            console.log(renderTextTable(summary));
            assert.ok(summary.total > 100, `enough requests through ${probed[i].address}: ${summary.total}`);
            assert.strictEqual(summary.failed, 0, `failed requests through ${probed[i].address}: ${JSON.stringify(summary.failures)}`);
        }
        // The upgraded node serves again, with every replica behind its HAProxy.
        await probeUntil(urlOf(upgraded), `${urlOf(upgraded)} to answer again`, (s) => s.failed === 0 && s.hostnames.length === REPLICAS, { count: 30, timeoutMs: 60_000 });
        const versions = await engineVersions();
        assert.match(versions.mix1 ?? '', ENGINE_20, JSON.stringify(versions));
        assert.match(versions.mix2 ?? '', ENGINE_28, JSON.stringify(versions));
        assert.match(versions.mix3 ?? '', ENGINE_28, JSON.stringify(versions));
    });
});

describe('mixed engine versions the other way round: a 20.10 worker in a 28.5 manager\'s swarm', function () {
    this.timeout(6 * 60_000);

    let nodes: MixedNode[] = [];
    let manager: DockerClient | undefined;
    const stack = uniqueName('mixed');

    before(async function () {
        this.timeout(240_000);
        nodes = await mixedUp(['sid', 'main', 'sid']);
        manager = mixedClient(nodes.find((n) => n.name === 'mix1')!);
    });

    after(async function () {
        this.timeout(240_000);
        manager?.close();
        await mixedDown();
    });

    it('the nodes report 28.5, 20.10, 28.5, and a service deployed by the 28.5 manager runs replicas on the 20.10 worker too', async () => {
        const snapshot = await readSnapshot(manager!);
        const versions = Object.fromEntries(snapshot.nodes.map((n) => [n.hostname, n.engineVersion]));
        assert.match(versions.mix1 ?? '', ENGINE_28, JSON.stringify(versions));
        assert.match(versions.mix2 ?? '', ENGINE_20, JSON.stringify(versions));
        assert.match(versions.mix3 ?? '', ENGINE_28, JSON.stringify(versions));
        assert.ok(snapshot.nodes.find((n) => n.hostname === 'mix1')?.leader, 'mix1 (28.5) leads the swarm');

        const compose = `version: "3.8"
services:
  app:
    image: ${TESTBED_NODE_IMAGE}
    command: ["node", "-e", "setInterval(()=>{},1e9)"]
    init: true
    stop_grace_period: 1s
    networks: [back]
    deploy:
      replicas: 3
      placement:
        max_replicas_per_node: 1
networks:
  back: {}
`;
        const loaded = stackFromCompose([{ path: path.join(os.tmpdir(), 'docker-compose.yaml'), text: compose }], { stackName: stack, env: process.env, dotEnv: false });
        assert.ok(loaded.specs, loaded.diagnostics.map((d) => d.message).join('\n'));
        const options: DeployOptions = { resolveImage: 'never', prune: false };
        const plan = await prepareDeploy(manager!, loaded.specs, stack, options);
        const [id] = touchedServices(await applyDeploy(manager!, plan, options));
        const outcome = await waitForService(manager!, id, { timeoutMs: 120_000 });
        assert.strictEqual(outcome.kind, 'converged', `${outcome.kind}`);
        const names = new Map((await manager!.listNodes()).map((n) => [n.ID, n.Description?.Hostname]));
        const tasks = (await manager!.listTasks({ service: [id], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running');
        assert.deepStrictEqual(tasks.map((t) => names.get(t.NodeID ?? '')).sort(), ['mix1', 'mix2', 'mix3'], 'one replica per node (max_replicas_per_node: 1), the 20.10 worker among them');
    });
});
