// removeStack against a scripted swarm that refuses a network the way the swarm manager does (moby/swarmkit
// `manager/controlapi/network.go`): while a service uses it, or while a task that is not yet past running uses it.
import * as assert from 'assert';
import { removeStack } from '../../src/core/stack/remove';
import type { StackEngine } from '../../src/core/stack/engine';
import type { Network, Service, Task } from '../../src/core/specs';
import { scriptedEmptySwarm } from './support/cli';

const STACK = 's';
const LABELS = { 'com.docker.stack.namespace': STACK };

interface SwarmScript {
    /** Milliseconds from a service's removal until its tasks' containers have stopped (Infinity: never). */
    stopMs?: number;
    /** Milliseconds from a service's removal until the orchestrator marks its tasks for removal. */
    orchestratorLagMs?: number;
    /** An engine before swarmkit looked at the desired state: any task on the network keeps it. */
    anyTaskHoldsNetwork?: boolean;
    /** A service of another stack that uses the stack's network. */
    otherStackService?: boolean;
}

/** A stack `s` (services s_app with 2 tasks and s_proxy with 1, network s_web, config s_cfg) and what happened to it. */
function scriptedStack(script: SwarmScript = {}) {
    const calls: string[] = [];
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, work: () => void) => {
        if (ms === Infinity) return;
        if (ms <= 0) return work();
        timers.push(setTimeout(work, ms));
    };
    const service = (id: string, name: string, labels: Record<string, string> = LABELS): Service =>
        ({ ID: id, Version: { Index: 1 }, Spec: { Name: name, Labels: labels, TaskTemplate: { Networks: [{ Target: 'n1' }] } } }) as unknown as Service;
    const services = [service('svc-app', 's_app'), service('svc-proxy', 's_proxy')];
    const others = script.otherStackService ? [service('svc-other', 'other_app', { 'com.docker.stack.namespace': 'other' })] : [];
    const task = (id: string, serviceId: string, slot: number): Task =>
        ({ ID: id, ServiceID: serviceId, Slot: slot, Status: { State: 'running' }, DesiredState: 'running', Spec: {} }) as unknown as Task;
    const tasks = [task('t1', 'svc-app', 1), task('t2', 'svc-app', 2), task('t3', 'svc-proxy', 1)];
    let networks: Network[] = [{ Name: 's_web', Id: 'n1', Scope: 'swarm', Driver: 'overlay', Labels: LABELS }];
    let configs = [{ ID: 'cfg1', Version: { Index: 1 }, Spec: { Name: 's_cfg', Labels: LABELS } }];
    const engine: StackEngine = scriptedEmptySwarm({
        listServices: async () => [...services],
        listNetworks: async () => networks,
        listConfigs: async () => configs,
        listTasks: async (filters?: Record<string, string[]>) => (filters?.id ? tasks.filter((t) => filters.id.includes(t.ID)) : tasks),
        inspectService: async (id: string) => [...services, ...others].find((s) => s.ID === id),
        removeService: async (id: string) => {
            calls.push(`service ${id}`);
            services.splice(services.findIndex((s) => s.ID === id), 1);
            for (const t of tasks.filter((t) => t.ServiceID === id)) {
                later(script.orchestratorLagMs ?? 0, () => (t.DesiredState = 'remove'));
                later(script.stopMs ?? 0, () => (t.Status.State = 'shutdown'));
            }
        },
        removeConfig: async (id: string) => {
            calls.push(`config ${id}`);
            configs = configs.filter((c) => c.ID !== id);
        },
        removeNetwork: async (id: string) => {
            calls.push(`network ${id}`);
            const user = [...services, ...others][0];
            if (user) throw new Error(`rpc error: code = FailedPrecondition desc = network ${id} is in use by service ${user.ID}`);
            const holder = tasks.find((t) => script.anyTaskHoldsNetwork ? t.Status.State === 'running' : t.DesiredState === 'running' && t.Status.State === 'running');
            if (holder) throw new Error(`rpc error: code = FailedPrecondition desc = network ${id} is in use by task ${holder.ID}`);
            networks = networks.filter((n) => n.Id !== id);
        },
    });
    return { engine, calls, tasks, networks: () => networks, dispose: () => timers.forEach(clearTimeout) };
}

describe('removeStack', () => {
    let dispose: (() => void) | undefined;
    afterEach(() => dispose?.());

    it('removes services, then configs, then the network, without waiting for the tasks to stop', async () => {
        const swarm = scriptedStack({ stopMs: Infinity });
        dispose = swarm.dispose;
        const result = await removeStack(swarm.engine, STACK);
        assert.deepStrictEqual(swarm.calls, ['service svc-app', 'service svc-proxy', 'config cfg1', 'network n1']);
        assert.deepStrictEqual(result.failures, []);
        assert.deepStrictEqual(swarm.networks(), []);
        assert.ok(swarm.tasks.every((t) => t.Status.State === 'running'), 'the network went while every task was still running');
    });

    it('cut short while it waits (Cancel, the window closing), it has already removed the network and says it stopped waiting', async () => {
        const swarm = scriptedStack({ stopMs: Infinity });
        dispose = swarm.dispose;
        const controller = new AbortController();
        const cut = setTimeout(() => controller.abort(), 150);
        try {
            const result = await removeStack(swarm.engine, STACK, { wait: true, waitTimeoutMs: 5_000, signal: controller.signal });
            assert.deepStrictEqual(result.failures, []);
            assert.strictEqual(result.waited, 'cancelled');
            assert.deepStrictEqual(result.removed, ['service s_app', 'service s_proxy', 'config s_cfg', 'network s_web']);
            assert.deepStrictEqual(swarm.networks(), []);
        } finally {
            clearTimeout(cut);
        }
    });

    it('with wait, returns once the tasks have stopped and the network is gone', async () => {
        const swarm = scriptedStack({ stopMs: 200 });
        dispose = swarm.dispose;
        const result = await removeStack(swarm.engine, STACK, { wait: true, waitTimeoutMs: 5_000 });
        assert.strictEqual(result.waited, 'gone');
        assert.ok(swarm.tasks.every((t) => t.Status.State === 'shutdown'));
    });

    it('tries the network again while the orchestrator has not yet marked the tasks for removal', async () => {
        const swarm = scriptedStack({ orchestratorLagMs: 300, stopMs: Infinity });
        dispose = swarm.dispose;
        const result = await removeStack(swarm.engine, STACK);
        assert.deepStrictEqual(result.failures, []);
        assert.ok(swarm.calls.filter((c) => c === 'network n1').length > 1, 'retried');
        assert.deepStrictEqual(swarm.networks(), []);
    });

    it('gives up on a network a task keeps after the retry time, naming the network and the task, once', async () => {
        const swarm = scriptedStack({ anyTaskHoldsNetwork: true, stopMs: Infinity });
        dispose = swarm.dispose;
        const started = Date.now();
        const result = await removeStack(swarm.engine, STACK, { wait: true, waitTimeoutMs: 60_000, inUseRetryMs: 600 });
        assert.ok(Date.now() - started < 3_000, 'bounded by the retry time');
        assert.deepStrictEqual(result.failures, ['Failed to remove network s_web: rpc error: code = FailedPrecondition desc = network n1 is in use by task t1 (task s_app.1: running, desired remove)']);
        assert.deepStrictEqual(result.removed, ['service s_app', 'service s_proxy', 'config s_cfg']);
        assert.strictEqual(result.waited, undefined, 'no waiting once something could not be removed');
    });

    it('does not retry a network another stack\'s service uses, and names that service', async () => {
        const swarm = scriptedStack({ otherStackService: true });
        dispose = swarm.dispose;
        const result = await removeStack(swarm.engine, STACK, { inUseRetryMs: 10_000 });
        assert.deepStrictEqual(swarm.calls.filter((c) => c === 'network n1'), ['network n1']);
        assert.deepStrictEqual(result.failures, ['Failed to remove network s_web: rpc error: code = FailedPrecondition desc = network n1 is in use by service svc-other (service other_app)']);
    });

    it('cancelled while retrying the network, reports the network as not removed instead of throwing', async () => {
        const swarm = scriptedStack({ anyTaskHoldsNetwork: true, stopMs: Infinity });
        dispose = swarm.dispose;
        const controller = new AbortController();
        const cut = setTimeout(() => controller.abort(), 400);
        try {
            const result = await removeStack(swarm.engine, STACK, { wait: true, signal: controller.signal });
            assert.strictEqual(result.failures.length, 1);
            assert.match(result.failures[0], /^Failed to remove network s_web: .*in use by task t1 \(task s_app\.1: running, desired remove\); stopped trying when cancelled$/);
        } finally {
            clearTimeout(cut);
        }
    });

    it('says what was removed when the wait for the tasks runs out of time', async () => {
        const swarm = scriptedStack({ stopMs: Infinity });
        dispose = swarm.dispose;
        await assert.rejects(removeStack(swarm.engine, STACK, { wait: true, waitTimeoutMs: 300 }), /everything was removed, but its tasks had not all stopped after 0.3 s; the engine goes on stopping them/);
        assert.deepStrictEqual(swarm.networks(), []);
    });
});
