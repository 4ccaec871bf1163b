import * as assert from 'node:assert/strict';
import { SwarmFollower, isSettling, staleListsOf, type FollowTimers, type SwarmEvent } from '../../src/core/swarm-follow';
import { readSnapshotLists, withTaskCounts, type SnapshotLists } from '../../src/core/swarm-snapshot';
import type { Node, Service, Task } from '../../src/core/specs';

const meta = { Version: { Index: 7 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };

function task(id: string, state: string, desired = 'running', nodeId: string | undefined = 'local', serviceId = 's1'): Task {
    return { ...meta, ID: id, ServiceID: serviceId, NodeID: nodeId, DesiredState: desired, Spec: { ForceUpdate: 0 }, Status: { State: state } };
}

function containerEvent(action: string, taskId: string, nodeId = 'local'): SwarmEvent {
    return { Type: 'container', Action: action, Actor: { ID: `c-${taskId}`, Attributes: { 'com.docker.swarm.task.id': taskId, 'com.docker.swarm.node.id': nodeId } } };
}

/** Timers the test advances by hand. */
function fakeTimers(): FollowTimers & { now: number; advance(ms: number): void; pending(): number[] } {
    let now = 0;
    let next = 0;
    const timers = new Map<number, { at: number; callback: () => void }>();
    return {
        get now() {
            return now;
        },
        setTimeout(callback, ms) {
            const handle = ++next;
            timers.set(handle, { at: now + ms, callback });
            return handle;
        },
        clearTimeout(handle) {
            timers.delete(handle as number);
        },
        advance(ms) {
            const until = now + ms;
            for (;;) {
                const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
                if (!due) break;
                timers.delete(due[0]);
                now = due[1].at;
                due[1].callback();
            }
            now = until;
        },
        pending: () => [...timers.values()].map((t) => t.at - now),
    };
}

const timing = { windowMs: 100, confirmMs: 150, confirmReads: 3, settleMinMs: 250, settleMaxMs: 2_000 };

describe('following the swarm from its events', () => {
    it('marks stale only the lists an event can change', () => {
        assert.deepEqual(staleListsOf({ Type: 'service', Action: 'update' }), ['services', 'tasks']);
        assert.deepEqual(staleListsOf({ Type: 'node', Action: 'update' }), ['services', 'tasks', 'nodes']);
        assert.deepEqual(staleListsOf(containerEvent('start', 't1')), ['tasks']);
        assert.deepEqual(staleListsOf(containerEvent('health_status: healthy', 't1')), ['tasks']);
        assert.deepEqual(staleListsOf(containerEvent('kill', 't1')), [], 'a kill changes no task state: its die does');
        assert.deepEqual(staleListsOf(containerEvent('exec_start: sh', 't1')), []);
        assert.deepEqual(staleListsOf({ Type: 'container', Action: 'start', Actor: { ID: 'c', Attributes: { name: 'not-a-task' } } }), [], 'a container that is no task');
        assert.deepEqual(staleListsOf({ Type: 'network', Action: 'connect' }), []);
    });

    it('tells a task on its way to its desired state from one that has arrived', () => {
        assert.equal(isSettling(task('a', 'starting')), true);
        assert.equal(isSettling(task('a', 'pending', 'running', undefined)), true);
        assert.equal(isSettling(task('a', 'running')), false);
        assert.equal(isSettling(task('a', 'ready', 'ready')), false, 'prepared and waiting for the orchestrator');
        assert.equal(isSettling(task('a', 'running', 'shutdown')), true, 'being stopped');
        assert.equal(isSettling(task('a', 'shutdown', 'shutdown')), false);
        assert.equal(isSettling(task('a', 'failed', 'running')), false);
    });

    it('shares one read among the events of a burst, and a steady stream of events cannot put the read off', () => {
        const timers = fakeTimers();
        const reads: number[] = [];
        const follower = new SwarmFollower(() => reads.push(timers.now), timing, timers);
        follower.onEvent(containerEvent('die', 't1'));
        timers.advance(60);
        follower.onEvent(containerEvent('stop', 't1'));
        timers.advance(39);
        assert.deepEqual(reads, []);
        follower.onEvent(containerEvent('die', 't2'));
        timers.advance(1);
        assert.deepEqual(reads, [100], 'the window starts at the first event and is not pushed back');
        assert.deepEqual(follower.takeStale(), ['tasks']);
        assert.deepEqual(follower.takeStale(), [], 'taken lists count as fresh');
        follower.onEvent({ Type: 'service', Action: 'update' });
        timers.advance(100);
        assert.deepEqual(reads, [100, 200]);
        assert.deepEqual(follower.takeStale(), ['services', 'tasks']);
        follower.onEvent({ Type: 'network', Action: 'connect' });
        timers.advance(1_000);
        assert.deepEqual(reads, [100, 200], 'events that change nothing shown cost nothing');
    });

    it('reads again shortly while a task has not reached the state its container announced, a bounded number of times', () => {
        const timers = fakeTimers();
        const reads: number[] = [];
        const follower = new SwarmFollower(() => reads.push(timers.now), timing, timers);
        follower.onEvent(containerEvent('start', 't1'));
        timers.advance(100);
        follower.takeStale();
        // The manager has not heard from the node yet.
        follower.readDone([task('t1', 'starting')], undefined);
        timers.advance(150);
        assert.deepEqual(reads, [100, 250]);
        assert.deepEqual(follower.takeStale(), ['tasks']);
        follower.readDone([task('t1', 'running')], [task('t1', 'starting')]);
        timers.advance(10_000);
        assert.deepEqual(reads, [100, 250], 'running: nothing more to wait for, and events cover this node');

        // A task held in starting (a long health check): given up after the bounded reads.
        follower.onEvent(containerEvent('start', 't2'));
        timers.advance(100);
        for (let i = 0; i < 10; i++) {
            follower.takeStale();
            follower.readDone([task('t1', 'running'), task('t2', 'starting')], [task('t1', 'running'), task('t2', 'starting')]);
            timers.advance(150);
        }
        assert.equal(reads.length, 2 + timing.confirmReads, `${reads.join(', ')}`);
    });

    it('polls tasks settling where no events come from, less often while they do not change', () => {
        const timers = fakeTimers();
        const reads: number[] = [];
        const follower = new SwarmFollower(() => reads.push(timers.now), timing, timers);
        follower.onEvent(containerEvent('start', 'seen', 'local'));
        timers.advance(100);
        follower.takeStale();
        const settlingOnLocal = task('seen', 'starting', 'running', 'local');
        follower.readDone([task('seen', 'running', 'running', 'local')], undefined);
        timers.advance(5_000);
        assert.equal(reads.length, 1);

        const elsewhere = [settlingOnLocal, task('w1', 'preparing', 'running', 'worker'), task('p1', 'pending', 'running', undefined)];
        reads.length = 0;
        follower.readDone(elsewhere, undefined);
        let before: Task[] | undefined = elsewhere;
        for (let i = 0; i < 6; i++) {
            const pause = Math.min(...timers.pending());
            timers.advance(pause);
            follower.takeStale();
            follower.readDone(elsewhere, before);
            before = elsewhere;
        }
        const gaps = reads.map((at, i) => at - (i === 0 ? 5_100 : reads[i - 1]));
        assert.deepEqual(gaps, [250, 500, 1_000, 2_000, 2_000, 2_000], 'doubling while nothing changes, up to the longest pause');
        const moved = [task('seen', 'starting'), task('w1', 'starting', 'running', 'worker'), task('p1', 'pending', 'running', undefined)];
        follower.readDone(moved, elsewhere);
        assert.deepEqual(timers.pending(), [250], 'a change brings the next look close again');
        follower.readDone([task('w1', 'running', 'running', 'worker')], moved);
        assert.deepEqual(timers.pending(), [], 'nothing settling: no polling');
        const lost: Node = { ...meta, ID: 'worker', Spec: {}, Status: { State: 'down' } };
        follower.readDone([task('w1', 'running', 'shutdown', 'worker')], undefined, [lost]);
        assert.deepEqual(timers.pending(), [], 'a task on a node that is down changes when the node is back: a node event');
        follower.readDone([task('w1', 'running', 'shutdown', 'worker')], undefined, [{ ...lost, Status: { State: 'ready' } }]);
        assert.deepEqual(timers.pending(), [250]);
        follower.dispose();
    });

    it('a failed read leaves its lists stale for the next one', () => {
        const follower = new SwarmFollower(() => undefined, timing, fakeTimers());
        follower.markAllStale();
        const lists = follower.takeStale();
        follower.readFailed(lists);
        assert.deepEqual(follower.takeStale(), ['services', 'tasks', 'nodes']);
    });
});

describe('reading only the stale lists', () => {
    const replicated: Service = {
        ...meta,
        ID: 's1',
        Spec: { Name: 'web', TaskTemplate: { ForceUpdate: 0 }, Mode: { Replicated: { Replicas: 3 } } },
        ServiceStatus: { RunningTasks: 3, DesiredTasks: 3 },
    };
    const global: Service = { ...meta, ID: 's2', Spec: { Name: 'agent', TaskTemplate: { ForceUpdate: 0 }, Mode: { Global: {} } }, ServiceStatus: { RunningTasks: 1, DesiredTasks: 1 } };
    const job: Service = {
        ...meta,
        ID: 's3',
        Spec: { Name: 'migrate', TaskTemplate: { ForceUpdate: 0 }, Mode: { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 4 } } },
        JobStatus: { JobIteration: { Index: 9 } },
        ServiceStatus: { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 0 },
    };

    it('counts running and desired tasks as the engine does when it lists services', () => {
        const tasks = [
            task('a', 'running', 'running'),
            task('b', 'running', 'shutdown'),
            task('c', 'starting'),
            task('g1', 'running', 'running', 'n1', 's2'),
            task('g2', 'pending', 'running', 'n2', 's2'),
            task('g3', 'shutdown', 'shutdown', 'n3', 's2'),
            { ...task('j1', 'complete', 'complete', 'n1', 's3'), JobIteration: { Index: 9 } },
            { ...task('j2', 'running', 'complete', 'n1', 's3'), JobIteration: { Index: 9 } },
            { ...task('j0', 'complete', 'complete', 'n1', 's3'), JobIteration: { Index: 8 } },
        ];
        const counted = withTaskCounts([replicated, global, job, { ...replicated, ID: 'nostatus', ServiceStatus: undefined }], tasks);
        // A task still running while it is being stopped counts as running, as in swarmkit's ListServiceStatuses.
        assert.deepEqual(counted[0].ServiceStatus, { RunningTasks: 2, DesiredTasks: 3 });
        assert.deepEqual(counted[1].ServiceStatus, { RunningTasks: 1, DesiredTasks: 2 });
        assert.deepEqual(counted[2].ServiceStatus, { RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 1 }, 'only the current iteration counts');
        assert.equal(counted[3].ServiceStatus, undefined, 'read without status: none made up');
    });

    it('sends one call per stale list and keeps the others', async () => {
        const calls: string[] = [];
        const nodes: Node[] = [{ ...meta, ID: 'n1', Spec: {}, Status: { State: 'ready' } }];
        const source = {
            listServices: async () => (calls.push('services'), [replicated]),
            listTasks: async () => (calls.push('tasks'), [task('a', 'running'), task('c', 'running')]),
            listNodes: async () => (calls.push('nodes'), nodes),
        };
        const all = await readSnapshotLists(source, ['tasks'], undefined);
        assert.deepEqual(calls.sort(), ['nodes', 'services', 'tasks'], 'nothing to keep: everything is read');
        calls.length = 0;
        const previous: SnapshotLists = { ...all, services: [{ ...replicated, ServiceStatus: { RunningTasks: 0, DesiredTasks: 3 } }] };
        const next = await readSnapshotLists(source, ['tasks'], previous);
        assert.deepEqual(calls, ['tasks']);
        assert.equal(next.nodes, previous.nodes);
        assert.deepEqual(next.services[0].ServiceStatus, { RunningTasks: 2, DesiredTasks: 3 }, 'counts follow the newer tasks');
    });
});
