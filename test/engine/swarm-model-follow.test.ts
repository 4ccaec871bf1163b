/**
 * The Swarm view's model (src/vscode/swarmModel.ts, with its DockerSession) following a rolling update on the real
 * engine, in plain Node with the few VS Code API pieces it uses stood in for, reaching the engine through a recording
 * proxy socket: every task state the engine recorded during the update shows in the model within 1 s of the engine's
 * timestamp (read from the engine afterwards), though the update's containers send events more often than every
 * half second; and it reads only the lists events can have changed (tasks for task containers, services with their
 * tasks for service events, never the nodes while no node changed).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { recordingProxy, type EngineProxy } from '../../bench/support/engine-proxy';
import { installVscodeStandIn, silentLog } from '../../bench/support/vscode-stand-in';
import { sightingOf, viewLags, type Sighting } from '../../bench/support/view-lag';
import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { TESTBED_NODE_IMAGE, engineClient } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';

const REPLICAS = 6;
const LAG_LIMIT_MS = 1_000;

describe('Swarm view model following a rolling update', function () {
    this.timeout(4 * 60_000);

    let engine: DockerClient;
    let cleanup: Cleanup;
    let proxy: EngineProxy;
    let dir = '';

    before(async () => {
        engine = engineClient();
        cleanup = new Cleanup(engine);
        assert.ok(engine.endpoint.socketPath && engine.endpoint.protocol === 'unix', `the engine tests run against a unix socket, not ${engine.endpoint.url}`);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-follow-'));
        proxy = await recordingProxy(path.join(dir, 'engine.sock'), engine.endpoint.socketPath);
        // The model's session reads its endpoint from the settings: the stand-in answers with the proxy.
        installVscodeStandIn({ host: proxy.url });
    });

    after(async () => {
        try {
            await cleanup.run();
        } finally {
            await proxy?.close();
            engine?.close();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('shows every task state within 1 s and reads only the lists that changed', async () => {
        const stack = cleanup.stack(uniqueName().replace(/-/g, ''));
        const name = `${stack}_web`;
        const { id } = await engine.createService({
            Name: name,
            Labels: { [STACK_LABEL]: stack },
            TaskTemplate: {
                ContainerSpec: { Image: TESTBED_NODE_IMAGE, Command: ['node', '-e', 'setInterval(() => {}, 1e9)'], Init: true, StopGracePeriod: 2e9 },
                ForceUpdate: 0,
            },
            Mode: { Replicated: { Replicas: REPLICAS } },
            UpdateConfig: { Parallelism: 2, Delay: 0, Monitor: 1e9, FailureAction: 'pause', MaxFailureRatio: 0, Order: 'stop-first' },
        });
        cleanup.track('service', id);
        await waitFor(async () => (await engine.listTasks({ service: [id], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running').length === REPLICAS, {
            timeoutMs: 90_000,
            intervalMs: 500,
            what: `${REPLICAS} running tasks of ${name}`,
        });

        // Loaded after the stand-in is in place.
        const { DockerSession } = require('../../src/vscode/dockerSession') as typeof import('../../src/vscode/dockerSession');
        const { SwarmModel } = require('../../src/vscode/swarmModel') as typeof import('../../src/vscode/swarmModel');
        const session = new DockerSession(silentLog as never);
        const model = new SwarmModel(session, silentLog as never);
        const sightings: Sighting[] = [];
        model.onDidChange((state) => {
            if (state.kind === 'ready') sightings.push(sightingOf(state.snapshot, id));
        });
        const hold = model.hold();
        try {
            await model.refresh();
            await waitFor(() => sightings.at(-1)?.running === REPLICAS, { timeoutMs: 10_000, what: 'the model to show the service running' });
            await waitFor(() => proxy.take().some((r) => /\/events\b/.test(r.path)), { timeoutMs: 10_000, what: 'the model to open its event stream' });
            // The reads the start queued are done once a read that started after them is: what follows is the update's.
            await model.refresh();
            proxy.take();

            const startedAt = Date.now();
            const service = await engine.inspectService(id);
            await engine.updateService(id, service.Version.Index, { ...service.Spec, TaskTemplate: { ...service.Spec.TaskTemplate, ForceUpdate: 1 } });
            const completedAt = await waitFor(async () => {
                const now = await engine.inspectService(id);
                assert.notStrictEqual(now.UpdateStatus?.State, 'paused', `the update paused: ${now.UpdateStatus?.Message}`);
                return now.UpdateStatus?.State === 'completed' && now.UpdateStatus.CompletedAt;
            }, { timeoutMs: 90_000, intervalMs: 500, what: 'the rolling update to complete' });
            await waitFor(() => sightings.at(-1)?.updateState === 'completed', { timeoutMs: 5_000, what: 'the model to show the update completed' });
            // Any read the last events caused is in the count.
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            const requests = proxy.take();

            const engineTasks = await engine.listTasks({ service: [id] });
            const { lags, missed, recorded } = viewLags(engineTasks, sightings, startedAt, completedAt);
            assert.ok(recorded.length >= 2 * REPLICAS, `the engine recorded a new and an old state per slot: ${recorded.length}`);
            assert.deepStrictEqual(missed, [], 'every state the engine recorded shows in the model');
            const late = lags.filter((l) => l.ms >= LAG_LIMIT_MS);
            assert.deepStrictEqual(late, [], `every state shows within ${LAG_LIMIT_MS} ms (lags: ${lags.map((l) => l.ms).join(', ')} ms)`);

            const count = (list: string): number => requests.filter((r) => r.method === 'GET' && new RegExp(`^(/v[\\d.]+)?/${list}\\b`).test(r.path)).length;
            assert.strictEqual(count('nodes'), 0, `no node changed: the nodes are not read again (${requests.map((r) => r.path.split('?')[0]).join(', ')})`);
            assert.ok(count('services') <= 3, `services are read for service events only (the update's start and end): ${count('services')}`);
            assert.ok(count('tasks') > 0, 'the tasks are read as they change');
            assert.strictEqual(requests.length, count('services') + count('tasks'), 'the model sent list calls only');
        } finally {
            hold.dispose();
            model.dispose();
            session.dispose();
        }
    });
});
