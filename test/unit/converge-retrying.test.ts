/**
 * Waiting while the engine retries failing tasks: rejections are reported while waiting and end the wait only after
 * the retry window (docker stack deploy --detach=false never ends on them), a service whose tasks start in the end
 * is converged, and a restart policy that replaces no task ends the wait at once.
 */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { waitAll } from '../../src/cli/output';
import { assessService, describeOutcome, waitForService, type ConvergenceProgress } from '../../src/core/stack/converge';
import type { StackEngine } from '../../src/core/stack/engine';
import type { RestartPolicy, Service, Task } from '../../src/core/specs';

const POOL_OVERLAP = 'invalid pool request: Pool overlaps with other one on this address space';

function service(restart?: RestartPolicy): Service {
    const now = new Date().toISOString();
    return {
        Version: { Index: 3 },
        CreatedAt: now,
        UpdatedAt: now,
        ID: 'svc',
        Spec: { Name: 'st_app', TaskTemplate: { ContainerSpec: { Image: 'app:v1' }, ...(restart ? { RestartPolicy: restart } : {}) }, Mode: { Replicated: { Replicas: 2 } } },
    };
}

let taskCount = 0;
/** A task created now, as the engine creates each retry. */
function task(slot: number, state: 'rejected' | 'failed' | 'running' | 'preparing', err?: string): Task {
    const now = new Date().toISOString();
    const finished = state === 'rejected' || state === 'failed';
    return {
        Version: { Index: 5 },
        CreatedAt: now,
        UpdatedAt: now,
        ID: `t${++taskCount}`,
        ServiceID: 'svc',
        Slot: slot,
        NodeID: 'node1',
        DesiredState: finished ? 'shutdown' : 'running',
        Spec: { ContainerSpec: { Image: 'app:v1' } },
        Status: { State: state, Timestamp: now, ...(err ? { Err: err } : {}) },
    };
}

/** An engine whose task list grows by one round of tasks per read, from `rounds`, the last round repeated. */
function engineOf(svc: Service, rounds: (() => Task[])[]): { engine: StackEngine; reads: () => number } {
    let reads = 0;
    const seen: Task[] = [];
    const engine = {
        endpoint: { url: 'unix:///fake.sock' },
        inspectService: async () => svc,
        listTasks: async () => {
            const round = rounds[Math.min(reads, rounds.length - 1)]();
            reads++;
            // Earlier rounds stay as history (shut down), as the engine keeps a service's old tasks.
            const history = seen.map((t) => ({ ...t, DesiredState: 'shutdown' }));
            seen.push(...round.filter((t) => t.Status.State === 'rejected' || t.Status.State === 'failed'));
            return [...history.filter((t) => !round.some((r) => r.ID === t.ID)), ...round];
        },
        listNodes: async () => [],
        events: async () => (async function* () {})(),
    } as unknown as StackEngine;
    return { engine, reads: () => reads };
}

describe('waiting while the engine retries failing tasks', () => {
    it('reports rejections while waiting and ends converged once the tasks start by themselves', async () => {
        const rejected = () => [task(1, 'rejected', POOL_OVERLAP), task(2, 'rejected', POOL_OVERLAP)];
        const running = () => [task(1, 'running'), task(2, 'running')];
        const { engine } = engineOf(service(), [rejected, rejected, rejected, rejected, running]);
        const progress: ConvergenceProgress[] = [];
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 10_000, tickMs: 10, settleMs: 50, retryWindowMs: 5_000, onProgress: (p) => progress.push(p) });
        assert.equal(outcome.kind, 'converged', describeOutcome(outcome));
        assert.equal(describeOutcome(outcome), 'st_app: 2/2 running, converged');
        const reported = progress.find((p) => p.retrying?.length);
        assert.ok(reported, 'the rejections were reported while waiting');
        assert.match(reported.retrying?.[0] ?? '', /^invalid pool request: Pool overlaps with other one on this address space \(\d+ tasks\)$/);
        assert.equal(progress[progress.length - 1].retrying, undefined, 'nothing is reported as retrying once the tasks run');
    });

    it('ends failing once the tasks kept failing, none running, for the retry window', async () => {
        const failing = () => [task(1, 'failed', 'task: non-zero exit (1)'), task(2, 'failed', 'task: non-zero exit (1)')];
        const { engine, reads } = engineOf(service(), [failing]);
        const started = Date.now();
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 20_000, tickMs: 20, retryWindowMs: 300 });
        const took = Date.now() - started;
        assert.equal(outcome.kind, 'failing');
        assert.ok(took >= 300, `waited out the retry window (${took} ms)`);
        assert.ok(took < 10_000, `well before the timeout (${took} ms)`);
        assert.ok(reads() > 3, 'kept reading while the engine retried');
        assert.match(describeOutcome(outcome), /^st_app: no task could start in 0 s of retries \(0\/2 running\); the engine keeps trying\.\nFailing tasks:\n {2}task: non-zero exit \(1\) \(\d+ tasks\)$/);
    });

    it('ends at once when the restart policy replaces no failed task (condition: none)', async () => {
        const failing = () => [task(1, 'failed', 'task: non-zero exit (1)'), task(2, 'failed', 'task: non-zero exit (1)'), task(1, 'failed', 'task: non-zero exit (1)')];
        const { engine, reads } = engineOf(service({ Condition: 'none' }), [failing]);
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 20_000, tickMs: 20, retryWindowMs: 60_000 });
        assert.equal(outcome.kind, 'failing');
        assert.equal(reads(), 1);
        assert.match(describeOutcome(outcome), /no task could start \(0\/2 running\) and its restart policy \(condition: none\) replaces none\./);
    });

    it('a timeout before the retry window ends names the errors the engine retries', async () => {
        const rejected = () => [task(1, 'rejected', 'No such image: app:v1'), task(2, 'rejected', 'No such image: app:v1'), task(1, 'rejected', 'No such image: app:v1')];
        const { engine } = engineOf(service(), [rejected]);
        await assert.rejects(
            waitForService(engine, 'svc', { timeoutMs: 300, tickMs: 20, retryWindowMs: 60_000 }),
            /^ConvergenceTimeoutError: st_app did not converge within 0 s \(0\/2 running\)\. The engine goes on with it\.\nFailing tasks:\n {2}No such image: app:v1 \(\d+ tasks\)$/,
        );
    });

    it('the command line outside a terminal says once per service and error what the engine retries, then that it converged', async function () {
        this.timeout(15_000);
        const rejected = () => [task(1, 'rejected', POOL_OVERLAP), task(2, 'rejected', POOL_OVERLAP)];
        const running = () => [task(1, 'running'), task(2, 'running')];
        const { engine: base } = engineOf(service(), [rejected, rejected, rejected, rejected, rejected, running]);
        // The verb waits with its default pace: an event about the service every 50 ms wakes it for the next read.
        const events = async (_options: unknown, signal: AbortSignal) =>
            (async function* () {
                while (!signal.aborted) {
                    await new Promise((resolve) => setTimeout(resolve, 50));
                    yield { Type: 'service', Action: 'update', Actor: { ID: 'svc', Attributes: {} } };
                }
            })();
        const engine = { ...base, events } as unknown as StackEngine;
        const stderr = new PassThrough();
        let text = '';
        stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        const args = { positionals: [], values: { 'wait-timeout': '20' } } as unknown as Parameters<typeof waitAll>[2];
        await waitAll(engine, ['svc'], args, { stdout: new PassThrough(), stderr, env: {} });
        assert.equal(text, `st_app: 0/2 running; the engine retries: ${POOL_OVERLAP}\nst_app: 2/2 running, converged\n`);
    });

    it('the assessment counts only failures since the wait began, and no failure while a task runs', () => {
        const old = { ...task(1, 'rejected', POOL_OVERLAP), CreatedAt: '2020-01-01T00:00:00Z' };
        const since = Date.now() - 1000;
        assert.equal(assessService(service(), [old, old, old], since).retrying, undefined, 'failures from before the wait do not count');
        const three = [task(1, 'rejected', POOL_OVERLAP), task(2, 'rejected', POOL_OVERLAP), task(1, 'rejected', POOL_OVERLAP)];
        const assessment = assessService(service(), three, since);
        assert.equal(assessment.retrying, true);
        assert.equal(assessment.failed, undefined, 'retried failures are not yet a failure');
        assert.equal(assessService(service(), [...three, task(2, 'running')], since).retrying, undefined, 'one task runs: the service is starting');
    });
});
