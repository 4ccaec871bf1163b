/**
 * A wait whose remaining tasks the scheduler cannot place (a node lost, max_replicas_per_node) ends by itself
 * and says why: the lost node with its address, and the pending reason naming the limit. So does a wait whose service
 * is removed meanwhile.
 */
import * as assert from 'node:assert/strict';
import { describeOutcome, waitForService } from '../../src/core/stack/converge';
import type { StackEngine } from '../../src/core/stack/engine';
import type { Node, Service, Task } from '../../src/core/specs';

const meta = { Version: { Index: 2 }, CreatedAt: new Date().toISOString(), UpdatedAt: new Date().toISOString() };

function node(id: string, state: string, message?: string): Node {
    return { ...meta, ID: id, Spec: { Role: id === 'node1' ? 'manager' : 'worker', Availability: 'active' }, Description: { Hostname: id }, Status: { State: state, Addr: `10.210.0.${id.slice(-1)}`, ...(message ? { Message: message } : {}) } };
}

const service: Service = {
    ...meta,
    ID: 'svc',
    Spec: { Name: 'st_web', TaskTemplate: { ContainerSpec: { Image: 'app:v1' }, Placement: { MaxReplicas: 1 } }, Mode: { Replicated: { Replicas: 3 } } },
};

function task(id: string, nodeId: string | undefined, state: string, desired = 'running', err?: string): Task {
    return { ...meta, ID: id, ServiceID: 'svc', Slot: Number(id.slice(1)), NodeID: nodeId, DesiredState: desired, Spec: { ContainerSpec: { Image: 'app:v1' } }, Status: { State: state, Timestamp: meta.CreatedAt, ...(err ? { Err: err } : {}) } };
}

describe('waiting when tasks cannot be placed', () => {
    it('ends after the unplaceable period, naming the lost node and the pending reason', async () => {
        let reads = 0;
        const engine = {
            endpoint: { url: 'unix:///fake.sock' },
            inspectService: async () => service,
            listTasks: async () => {
                reads++;
                // First all three run; then node3 is lost: its task is shut down and its replacement waits.
                return reads === 1
                    ? [task('t1', 'node1', 'running'), task('t2', 'node2', 'running'), task('t3', 'node3', 'running')]
                    : [
                          task('t1', 'node1', 'running'),
                          task('t2', 'node2', 'running'),
                          task('t3', 'node3', 'running', 'shutdown'),
                          task('t4', undefined, 'pending', 'running', 'no suitable node (max replicas per node limit exceed; 1 node not available for new tasks)'),
                      ];
            },
            listNodes: async () => (reads <= 1 ? [node('node1', 'ready'), node('node2', 'ready'), node('node3', 'ready')] : [node('node1', 'ready'), node('node2', 'ready'), node('node3', 'down', 'heartbeat failure')]),
            events: async () => (async function* () {})(),
        } as unknown as StackEngine;
        // The first read sees 3/3 running but not yet settled; the next ones see node3 lost.
        const started = Date.now();
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 10_000, tickMs: 20, settleMs: 1_000, unplaceableMs: 200 });
        assert.ok(Date.now() - started < 5_000, 'ended well before the timeout');
        assert.equal(outcome.kind, 'unplaceable');
        assert.equal(
            describeOutcome(outcome),
            'st_web: 2/3 running; the rest cannot be placed. Lost during the wait: node node3 (10.210.0.3) is down (heartbeat failure). ' +
                'Pending: no suitable node (max replicas per node limit exceed; 1 node not available for new tasks): node3 is down; ' +
                'max_replicas_per_node is 1 and each of the 2 available nodes already runs that many. ' +
                'The service is deployed; the engine places its tasks once a node can take them.',
        );
    });

    it('a service removed during the wait (its stack removed meanwhile) ends the wait, named, instead of an engine error', async () => {
        let reads = 0;
        const engine = {
            endpoint: { url: 'unix:///fake.sock' },
            inspectService: async () => {
                reads++;
                if (reads === 1) return service;
                throw Object.assign(new Error('Error response from daemon: service svc not found'), { kind: 'notFound' });
            },
            // The engine resolves the filter's service too: a removed one is not found here either.
            listTasks: async () => {
                if (reads <= 1) return [task('t1', 'node1', 'starting')];
                throw Object.assign(new Error('Error response from daemon: service svc not found'), { kind: 'notFound' });
            },
            listNodes: async () => [node('node1', 'ready')],
            events: async () => (async function* () {})(),
        } as unknown as StackEngine;
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 10_000, tickMs: 20 });
        assert.deepEqual(outcome, { kind: 'removed', serviceName: 'st_web' });
        assert.equal(describeOutcome(outcome), 'st_web was removed during the wait; nothing is left to wait for');
    });

    it('other engine errors during the wait still fail it', async () => {
        const engine = {
            endpoint: { url: 'unix:///fake.sock' },
            inspectService: async () => {
                throw Object.assign(new Error('Cannot reach Docker'), { kind: 'unreachable' });
            },
            listTasks: async () => [],
            events: async () => (async function* () {})(),
        } as unknown as StackEngine;
        await assert.rejects(waitForService(engine, 'svc', { timeoutMs: 10_000, tickMs: 20 }), /Cannot reach Docker/);
    });
});
