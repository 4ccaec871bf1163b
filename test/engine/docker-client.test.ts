/**
 * DockerClient against the real engine (scripts/testbed/engine.sh: Docker 20.10, single-node swarm).
 * Every object is named `sst-<random>` and removed in afterEach, also when the test fails.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar-fs';

import { CancelledError } from '../../src/core/cancellation';
import type { ServiceSpec } from '../../src/core/specs';
import { DockerClient } from '../../src/docker/client';
import { resolveDockerEndpoint } from '../../src/docker/endpoint';
import { DockerError } from '../../src/docker/errors';
import type { BuildProgress, EngineEvent } from '../../src/docker/types';
import { Cleanup } from './support/cleanup';
import { engineClient, localImage } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';

const fakeFs = { env: {}, readFile: (f: string) => fs.readFileSync(f, 'utf8'), homedir: os.homedir };

describe('DockerClient (real engine)', function () {
    this.timeout(120_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let image: string;

    before(async function () {
        client = engineClient();
        try {
            await client.ping({ timeoutMs: 5000 });
        } catch (error) {
            throw new Error(`No engine for engine tests (run scripts/testbed/engine.sh): ${(error as Error).message}`);
        }
        image = (await localImage(client)) ?? (await buildTinyImage(client, `${uniqueName()}:tiny`, new Cleanup(client)));
    });

    beforeEach(() => {
        cleanup = new Cleanup(client);
    });

    afterEach(async () => {
        await cleanup.run();
    });

    function serviceSpec(stack: string, name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
        return {
            Name: name,
            Labels: { [STACK_LABEL]: stack, 'com.docker.stack.image': image },
            TaskTemplate: {
                ContainerSpec: { Image: image, Command: ['/bin/does-not-run'], Labels: { [STACK_LABEL]: stack } },
            },
            Mode: { Replicated: { Replicas: 0 } },
            ...extra,
        };
    }

    it('ping and info show a swarm manager', async () => {
        const ping = await client.ping();
        assert.ok(ping.apiVersion, 'Api-Version header');
        const info = await client.info();
        assert.ok(info.serverVersion);
        assert.strictEqual(info.apiVersion, ping.apiVersion);
        assert.strictEqual(info.swarm.localNodeState, 'active');
        assert.strictEqual(info.swarm.controlAvailable, true);
        assert.ok(info.swarm.nodeId && info.swarm.clusterId);
        const version = await client.version();
        assert.strictEqual(version.apiVersion, ping.apiVersion);
        const nodes = await client.listNodes();
        assert.ok(nodes.some((n) => n.ID === info.swarm.nodeId));
        assert.strictEqual((await client.inspectNode(info.swarm.nodeId)).ID, info.swarm.nodeId);
    });

    it('creates, inspects, lists by label, updates and removes a service', async () => {
        const stack = cleanup.stack(uniqueName());
        const spec = serviceSpec(stack, `${stack}_web`);
        const created = await client.createService(spec);
        cleanup.track('service', created.id);
        assert.ok(created.id);

        const inspected = await client.inspectService(created.id);
        assert.strictEqual(inspected.Spec.Name, spec.Name);
        assert.deepStrictEqual(inspected.Spec.Labels, spec.Labels);
        assert.deepStrictEqual(inspected.Spec.TaskTemplate.ContainerSpec?.Command, ['/bin/does-not-run']);

        const listed = await client.listServices({ label: [`${STACK_LABEL}=${stack}`] }, { status: true });
        assert.deepStrictEqual(listed.map((s) => s.ID), [created.id]);
        assert.ok(listed[0].ServiceStatus, 'status=true adds ServiceStatus');

        const changed = serviceSpec(stack, `${stack}_web`);
        changed.Labels = { ...changed.Labels, extra: 'yes' };
        await client.updateService(created.id, inspected.Version.Index, changed);
        const after = await client.inspectService(created.id);
        assert.strictEqual(after.Spec.Labels?.extra, 'yes');
        assert.ok(after.Version.Index > inspected.Version.Index);
        assert.strictEqual(after.PreviousSpec?.Labels?.extra, undefined);

        // The version we read first is stale now.
        await assert.rejects(client.updateService(created.id, inspected.Version.Index, changed), (e: DockerError) => {
            assert.strictEqual(e.kind, 'outOfSequence', e.message);
            assert.match(e.message, /^Error response from daemon: .*update out of sequence/);
            return true;
        });

        // rollback=previous: the daemon swaps Spec and PreviousSpec.
        await client.updateService(created.id, after.Version.Index, after.Spec, { rollback: 'previous' });
        const rolledBack = await client.inspectService(created.id);
        assert.strictEqual(rolledBack.Spec.Labels?.extra, undefined);

        await client.removeService(created.id);
        await assert.rejects(client.inspectService(created.id), (e: DockerError) => e.kind === 'notFound');
    });

    it('a duplicate service name is a conflict', async () => {
        const stack = cleanup.stack(uniqueName());
        const first = await client.createService(serviceSpec(stack, `${stack}_dup`));
        cleanup.track('service', first.id);
        await assert.rejects(client.createService(serviceSpec(stack, `${stack}_dup`)), (e: DockerError) => e.kind === 'conflict');
    });

    it('networks, configs and secrets: create, list by label, inspect, update labels, remove', async () => {
        const stack = cleanup.stack(uniqueName());
        const labels = { [STACK_LABEL]: stack };
        const network = await client.createNetwork({
            Name: `${stack}_default`, Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false,
            Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: labels,
        });
        cleanup.track('network', network.id);
        const config = await client.createConfig({ Name: `${stack}_cfg`, Labels: labels, Data: Buffer.from('hello').toString('base64') });
        cleanup.track('config', config.id);
        const secret = await client.createSecret({ Name: `${stack}_pw`, Labels: labels, Data: Buffer.from('s3cret').toString('base64') });
        cleanup.track('secret', secret.id);

        const filter = { label: [`${STACK_LABEL}=${stack}`] };
        assert.deepStrictEqual((await client.listNetworks(filter)).map((n) => n.Id), [network.id]);
        assert.deepStrictEqual((await client.listConfigs(filter)).map((c) => c.ID), [config.id]);
        assert.deepStrictEqual((await client.listSecrets(filter)).map((s) => s.ID), [secret.id]);
        assert.deepStrictEqual((await client.listConfigs({ name: [`${stack}_cfg`] })).map((c) => c.ID), [config.id]);

        assert.strictEqual((await client.inspectNetwork(network.id)).Driver, 'overlay');
        const cfg = await client.inspectConfig(config.id);
        assert.strictEqual(Buffer.from(cfg.Spec.Data ?? '', 'base64').toString(), 'hello');
        const sec = await client.inspectSecret(secret.id);
        assert.strictEqual(sec.Spec.Data, undefined, 'the daemon never returns secret data');

        await client.updateConfig(config.id, cfg.Version.Index, { ...cfg.Spec, Labels: { ...labels, v: '2' } });
        assert.strictEqual((await client.inspectConfig(config.id)).Spec.Labels?.v, '2');
        await client.updateSecret(secret.id, sec.Version.Index, { ...sec.Spec, Labels: { ...labels, v: '2' } });
        assert.strictEqual((await client.inspectSecret(secret.id)).Spec.Labels?.v, '2');

        await assert.rejects(
            client.createConfig({ Name: `${stack}_cfg`, Labels: labels, Data: Buffer.from('again').toString('base64') }),
            (e: DockerError) => e.kind === 'conflict',
        );

        await client.removeConfig(config.id);
        await client.removeSecret(secret.id);
        await client.removeNetwork(network.id);
        assert.deepStrictEqual(await client.listConfigs(filter), []);
        assert.deepStrictEqual(await client.listSecrets(filter), []);
        assert.deepStrictEqual(await client.listNetworks(filter), []);
        await assert.rejects(client.inspectNetwork(network.id), (e: DockerError) => e.kind === 'notFound');
    });

    it('events deliver "service create" and end on abort without leaving a connection open', async () => {
        const stack = cleanup.stack(uniqueName());
        const handlesBefore = socketHandles();
        const controller = new AbortController();
        // Service events carry only the name in Actor.Attributes, so a label filter would not match them.
        const events = await client.events({ filters: { type: ['service'] } }, controller.signal);
        const seen: EngineEvent[] = [];
        const consumer = (async () => {
            for await (const e of events) {
                seen.push(e);
            }
            return 'ended';
        })();
        let event: EngineEvent;
        try {
            const created = await client.createService(serviceSpec(stack, `${stack}_ev`));
            cleanup.track('service', created.id);
            event = await waitFor(() => seen.find((e) => e.Action === 'create' && e.Actor.ID === created.id), {
                timeoutMs: 10_000,
                intervalMs: 20,
                what: 'the service create event',
            });
        } finally {
            controller.abort();
        }
        assert.strictEqual(event.Type, 'service');
        assert.strictEqual(event.Actor.Attributes.name, `${stack}_ev`);
        assert.ok(event.time > 0);

        const abortedAt = Date.now();
        assert.strictEqual(await consumer, 'ended');
        assert.ok(Date.now() - abortedAt < 1000);
        await waitFor(() => socketHandles() <= handlesBefore, { timeoutMs: 2000, intervalMs: 20, what: 'the events connection to close' });
    });

    it('service logs: lines from stdout and stderr, and a followed stream that stops on abort', async function () {
        // A runnable image is part of the test bed: scripts/testbed/images.sh builds it offline.
        assert.ok(image.startsWith('swarm-stacks-testbed/node'), `the test bed's node image is missing (found ${image}): run bash scripts/testbed/setup.sh`);
        const stack = cleanup.stack(uniqueName());
        const spec = serviceSpec(stack, `${stack}_log`);
        spec.TaskTemplate.ContainerSpec = {
            Image: image,
            Command: ['node', '-e', "console.log('out-line'); console.error('err-line'); setInterval(() => {}, 1000)"],
            Init: true,
        };
        spec.Mode = { Replicated: { Replicas: 1 } };
        const created = await client.createService(spec);
        cleanup.track('service', created.id);

        const lines = await waitFor(
            async () => {
                const out: string[] = [];
                for await (const line of await client.serviceLogs(created.id, { tail: 'all' })) out.push(line as string);
                return out.length >= 2 ? out : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 300, what: 'two log lines' },
        );
        assert.ok(lines.some((l) => l.endsWith('out-line')), lines.join('|'));
        assert.ok(lines.some((l) => l.endsWith('err-line')), lines.join('|'));

        const tasks = await client.listTasks({ service: [created.id] });
        assert.ok(tasks.length >= 1);
        const taskLines: string[] = [];
        for await (const line of await client.taskLogs(tasks[0].ID, { tail: 'all', timestamps: true })) taskLines.push(line as string);
        assert.ok(taskLines.some((l) => /^\d{4}-\d\d-\d\dT\S+ out-line$/.test(l)), taskLines.join('|'));

        const controller = new AbortController();
        const followed = await client.serviceLogs(created.id, { follow: true, tail: 0 }, controller.signal);
        const ended = new Promise<void>((resolve, reject) => {
            followed.on('end', resolve);
            followed.on('error', reject);
            followed.resume();
        });
        controller.abort();
        await ended;
    });

    it('builds an image from a tar context and inspects it', async () => {
        const tag = `${uniqueName()}:built`;
        const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-build-'));
        try {
            fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY hello.txt /hello.txt\nCMD ["/nothing"]\n');
            fs.writeFileSync(path.join(ctx, 'hello.txt'), 'hi\n');
            cleanup.track('image', tag);
            const progress: BuildProgress[] = [];
            for await (const p of await client.buildImage(tar.pack(ctx), { t: [tag], buildargs: { GREETING: 'hello' } })) {
                progress.push(p);
            }
            assert.ok(!progress.some((p) => 'error' in p), JSON.stringify(progress));
            assert.ok(progress.some((p) => 'stream' in p && /Successfully tagged/.test(p.stream)), JSON.stringify(progress));
            const inspected = await client.inspectImage(tag);
            assert.ok(inspected.RepoTags?.includes(tag));
            assert.strictEqual(inspected.Config?.Labels?.greeting, 'hello');
            assert.ok((await client.listImages()).some((i) => i.RepoTags.includes(tag)));
        } finally {
            fs.rmSync(ctx, { recursive: true, force: true });
        }
    });

    it('a failing build reports {error} in the progress, not as a thrown error', async () => {
        const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-build-'));
        try {
            fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY missing.txt /x\n');
            const progress: BuildProgress[] = [];
            for await (const p of await client.buildImage(tar.pack(ctx), { t: [`${uniqueName()}:broken`] })) progress.push(p);
            assert.ok(progress.some((p) => 'error' in p), JSON.stringify(progress));
        } finally {
            fs.rmSync(ctx, { recursive: true, force: true });
        }
    });

    it('distributionInspect fails fast without a registry', async () => {
        const started = Date.now();
        await assert.rejects(client.distributionInspect('sst-no-such-image:latest'), (e: DockerError) => {
            assert.ok(e instanceof DockerError);
            assert.match(e.message, /^Error response from daemon: /);
            return true;
        });
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });

    it('a refresh costs a constant number of calls, counted per method', async () => {
        const stack = cleanup.stack(uniqueName());
        client.resetCallCount();
        const filter = { label: [`${STACK_LABEL}=${stack}`] };
        const refresh = async (): Promise<void> => {
            await Promise.all([client.listServices(filter, { status: true }), client.listTasks(filter), client.listNodes()]);
        };
        await refresh();
        await refresh();
        assert.deepStrictEqual(client.callCount, { listServices: 2, listTasks: 2, listNodes: 2 });
    });

    it('a read sent ahead answers the first same read once; other reads, and a read whose answer failed, are sent', async () => {
        const stack = cleanup.stack(uniqueName());
        const filter = { label: [`${STACK_LABEL}=${stack}`] };
        const created = await client.createNetwork({
            Name: `${stack}_net`, Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false,
            Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: { [STACK_LABEL]: stack },
        });
        cleanup.track('network', created.id);
        client.resetCallCount();
        client.readAhead((engine) => [engine.listNetworks(filter), engine.info()]);
        assert.deepStrictEqual(client.callCount, { listNetworks: 1, info: 1 });
        // The same read takes the answer sent ahead; it holds the network (read after it was created).
        const first = await client.listNetworks(filter);
        assert.deepStrictEqual(first.map((n) => n.Id), [created.id]);
        assert.deepStrictEqual(client.callCount, { listNetworks: 1, info: 1 });
        // Used once: the next same read is sent, as is a read with other filters.
        await client.listNetworks(filter);
        await client.listNetworks({ label: [`${STACK_LABEL}=${stack}-other`] });
        assert.deepStrictEqual(client.callCount, { listNetworks: 3, info: 1 });
        await client.info();
        assert.deepStrictEqual(client.callCount, { listNetworks: 3, info: 1 });

        // Sent ahead to nowhere: the read fails, and the call made later fails as it would have, sent again.
        const missing = path.join(os.tmpdir(), `${uniqueName()}.sock`);
        const bad = new DockerClient(resolveDockerEndpoint({ ...fakeFs, host: `unix://${missing}` }), { timeoutMs: 5000 });
        bad.readAhead((engine) => [engine.info()]);
        await assert.rejects(bad.info(), (e: DockerError) => e.kind === 'unreachable');
        // Both tries stopped at the ping that negotiates: the read ahead, then the call made later.
        assert.deepStrictEqual(bad.callCount, { ping: 2 });
    });

    it('an unreachable endpoint gives "Cannot reach Docker at …" quickly', async () => {
        const missing = path.join(os.tmpdir(), `${uniqueName()}.sock`);
        for (const host of [`unix://${missing}`, `tcp://127.0.0.1:${await closedPort()}`]) {
            const bad = new DockerClient(resolveDockerEndpoint({ ...fakeFs, host }), { timeoutMs: 5000 });
            const started = Date.now();
            await assert.rejects(bad.info(), (e: DockerError) => {
                assert.strictEqual(e.kind, 'unreachable');
                assert.strictEqual(e.message, `Cannot reach Docker at ${host}. Is the daemon running?`);
                return true;
            });
            assert.ok(Date.now() - started < 1000, `${host} took ${Date.now() - started} ms`);
        }
    });

    it('a daemon that accepts but never answers times out, and abort cancels', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-silent-'));
        const socket = path.join(dir, 'silent.sock');
        const sockets = new Set<net.Socket>();
        const server = net.createServer((s) => sockets.add(s));
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        try {
            const silent = new DockerClient(resolveDockerEndpoint({ ...fakeFs, host: `unix://${socket}` }), { timeoutMs: 300 });
            let started = Date.now();
            await assert.rejects(silent.listServices(), (e: DockerError) => e.kind === 'timeout' && e.message.includes(`unix://${socket}`));
            const took = Date.now() - started;
            assert.ok(took >= 290 && took < 1500, `timeout after ${took} ms`);

            const controller = new AbortController();
            started = Date.now();
            setTimeout(() => controller.abort(), 50);
            await assert.rejects(silent.info({ signal: controller.signal, timeoutMs: 10_000 }), (e: unknown) => e instanceof CancelledError);
            assert.ok(Date.now() - started < 1000);
        } finally {
            for (const s of sockets) s.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** Builds a tiny image FROM scratch that cannot run (enough for replicas: 0). */
async function buildTinyImage(client: DockerClient, tag: string, cleanup: Cleanup): Promise<string> {
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-tiny-'));
    try {
        fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /Dockerfile\nCMD ["/nothing"]\n');
        for await (const p of await client.buildImage(tar.pack(ctx), { t: [tag] })) {
            if ('error' in p) throw new Error(p.error);
        }
        cleanup.track('image', tag);
        return tag;
    } finally {
        fs.rmSync(ctx, { recursive: true, force: true });
    }
}

async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** Open sockets and pipes of this process (Node's active resources). */
function socketHandles(): number {
    return process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'TCPSocketWrap' || r === 'TCPWrap').length;
}
