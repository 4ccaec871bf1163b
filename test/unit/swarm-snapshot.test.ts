import * as assert from 'node:assert/strict';
import { buildSnapshot, displayImage, formatAge } from '../../src/core/swarm-snapshot';
import { assessService, describeOutcome } from '../../src/core/stack/converge';
import type { Node, Service, Task } from '../../src/core/specs';

const meta = { Version: { Index: 7 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };
const NOW = Date.parse('2026-01-01T01:00:00Z');

function service(id: string, name: string, stack: string | undefined, replicas: number, image = 'app:v1'): Service {
    return {
        ...meta,
        ID: id,
        Spec: {
            Name: name,
            Labels: stack ? { 'com.docker.stack.namespace': stack } : {},
            TaskTemplate: { ContainerSpec: { Image: `${image}@sha256:abc` }, ForceUpdate: 0 },
            Mode: { Replicated: { Replicas: replicas } },
        },
    };
}

function task(id: string, serviceId: string, slot: number, state: string, desired = 'running', extra: Partial<Task> = {}): Task {
    return {
        ...meta,
        ID: id,
        ServiceID: serviceId,
        Slot: slot,
        NodeID: 'n1',
        DesiredState: desired,
        Spec: { ContainerSpec: { Image: 'app:v1@sha256:abc' }, ForceUpdate: 0 },
        Status: { State: state, Timestamp: '2026-01-01T00:59:00Z' },
        ...extra,
    };
}

const nodes: Node[] = [{ ...meta, ID: 'n1', Spec: { Role: 'manager', Availability: 'active' }, Description: { Hostname: 'vm', Engine: { EngineVersion: '20.10.24' } }, Status: { State: 'ready' }, ManagerStatus: { Leader: true } }];

describe('swarm snapshot', () => {
    it('groups services by stack, counts replicas from tasks, and keeps unstacked services apart', () => {
        const services = [service('a', 'prod_web', 'prod', 2), service('b', 'prod_api', 'prod', 1), service('c', 'loner', undefined, 1)];
        const tasks = [task('t1', 'a', 1, 'running'), task('t2', 'a', 2, 'starting'), task('t3', 'b', 1, 'running'), task('t4', 'c', 1, 'running')];
        const snapshot = buildSnapshot(services, tasks, nodes, NOW);
        assert.deepEqual(snapshot.stacks.map((s) => [s.name, s.running, s.desired]), [['prod', 2, 3]]);
        assert.deepEqual(snapshot.stacks[0].services.map((s) => `${s.key}:${s.running}/${s.desired}`), ['api:1/1', 'web:1/2']);
        assert.deepEqual(snapshot.unstacked.map((s) => s.name), ['loner']);
        assert.equal(snapshot.stacks[0].services[1].image, 'app:v1', 'the digest is not shown');
        assert.deepEqual(snapshot.nodes.map((n) => [n.hostname, n.role, n.leader, n.engineVersion]), [['vm', 'manager', true, '20.10.24']]);
    });

    it('shows recent failures with their error, and drops old shut-down tasks', () => {
        const tasks = [
            task('t1', 'a', 1, 'running'),
            task('old', 'a', 1, 'shutdown', 'shutdown'),
            task('bad', 'a', 2, 'rejected', 'shutdown', { Status: { State: 'rejected', Err: 'No such image: app:v1', Timestamp: '2026-01-01T00:58:00Z' } }),
        ];
        const web = buildSnapshot([service('a', 'prod_web', 'prod', 2)], tasks, nodes, NOW).stacks[0].services[0];
        assert.deepEqual(web.tasks.map((t) => [t.name, t.state, t.error]), [['prod_web.1', 'running', undefined], ['prod_web.2', 'rejected', 'No such image: app:v1']]);
    });

    it('formats ages coarsely and images without digests', () => {
        assert.equal(formatAge('2026-01-01T00:59:30Z', NOW), '30s');
        assert.equal(formatAge('2026-01-01T00:00:00Z', NOW), '1h');
        assert.equal(displayImage('a:1@sha256:x'), 'a:1');
    });
});

describe('convergence assessment', () => {
    it('is converged only when every desired task runs the current spec and no update is active', () => {
        const s = service('a', 'prod_web', 'prod', 2);
        assert.equal(assessService(s, [task('1', 'a', 1, 'running'), task('2', 'a', 2, 'running')]).converged, true);
        assert.equal(assessService(s, [task('1', 'a', 1, 'running'), task('2', 'a', 2, 'starting')]).converged, false);
        const updating = { ...s, UpdateStatus: { State: 'updating' } };
        assert.equal(assessService(updating, [task('1', 'a', 1, 'running'), task('2', 'a', 2, 'running')]).converged, false);
        const stale = [task('1', 'a', 1, 'running', 'running', { Spec: { ContainerSpec: { Image: 'app:v0' } } }), task('2', 'a', 2, 'running')];
        assert.equal(assessService(s, stale).converged, false, 'a task of the old image does not count');
        const oldCommand = [task('1', 'a', 1, 'running', 'running', { Spec: { ContainerSpec: { Image: 'app:v1@sha256:abc', Args: ['old'] } } }), task('2', 'a', 2, 'running')];
        assert.equal(assessService(s, oldCommand).converged, false, 'a task of another command does not count');
        const withGrace = { ...s, Spec: { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { ...s.Spec.TaskTemplate.ContainerSpec, StopGracePeriod: 10e9 } } } };
        assert.equal(assessService(withGrace, [task('1', 'a', 1, 'running'), task('2', 'a', 2, 'running')]).converged, true, 'tasks carry no StopGracePeriod');
    });

    it('reports a paused update with the failing tasks\' errors', () => {
        const s = { ...service('a', 'prod_web', 'prod', 1), UpdateStatus: { State: 'paused', Message: 'update paused due to failure or early termination of task x' } };
        const tasks = [task('f', 'a', 1, 'failed', 'shutdown', { Status: { State: 'failed', Err: 'task: non-zero exit (1)', Timestamp: '2026-01-01T00:59:00Z' } })];
        const assessment = assessService(s, tasks);
        assert.equal(assessment.failed, 'paused');
        assert.match(describeOutcome({ kind: 'paused', progress: assessment.progress, taskErrors: assessment.taskErrors }), /service update paused: update paused due to failure.*\n.*non-zero exit \(1\)/s);
    });

    it('sees tasks that cannot start as retried by the engine, counting only failures since the wait began', () => {
        const s = service('a', 'prod_web', 'prod', 1);
        const rejected = (id: string, created: string) => task(id, 'a', 1, 'rejected', 'shutdown', { CreatedAt: created, Status: { State: 'rejected', Err: 'No such image: app:v1', Timestamp: created } });
        const tasks = [rejected('r1', '2026-01-01T00:59:01Z'), rejected('r2', '2026-01-01T00:59:02Z'), rejected('r3', '2026-01-01T00:59:03Z')];
        assert.equal(assessService(s, tasks, Date.parse('2026-01-01T00:59:00Z')).retrying, true);
        assert.equal(assessService(s, tasks, Date.parse('2026-01-01T00:59:00Z')).failed, undefined);
        assert.equal(assessService(s, tasks, Date.parse('2026-01-01T00:59:02Z')).retrying, undefined);
        assert.deepEqual(assessService(s, tasks).taskErrors, ['No such image: app:v1 (3 tasks)']);
    });
});
