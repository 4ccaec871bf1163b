/**
 * A deploy whose image some nodes cannot get (a private image sent without credentials, an image built on one node):
 * the wait says which nodes rejected tasks and why, and its end does not call it converged when the tasks piled onto
 * the nodes that hold the image.
 */
import * as assert from 'node:assert/strict';
import { describeOutcome, waitForService, type ConvergenceProgress } from '../../src/core/stack/converge';
import type { StackEngine } from '../../src/core/stack/engine';
import type { Node, Service, Task } from '../../src/core/specs';

// Made when each object is, so that the tasks count as created during the wait (the wait looks at recent ones only).
const meta = () => ({ Version: { Index: 2 }, CreatedAt: new Date().toISOString(), UpdatedAt: new Date().toISOString() });
const IMAGE = '10.210.0.254:5000/edge:latest@sha256:' + 'a'.repeat(64);

function node(id: string): Node {
    return { ...meta(), ID: `id-${id}`, Spec: { Role: id === 'node1' ? 'manager' : 'worker', Availability: 'active' }, Description: { Hostname: id }, Status: { State: 'ready', Addr: `10.210.0.${id.slice(-1)}` } };
}

const service = (): Service => ({ ...meta(), ID: 'svc', Spec: { Name: 'edge_edge', TaskTemplate: { ContainerSpec: { Image: IMAGE } }, Mode: { Replicated: { Replicas: 6 } } } });

function task(id: string, nodeName: string, state: string, desired: string, err?: string): Task {
    const made = meta();
    return { ...made, ID: id, ServiceID: 'svc', Slot: 1, NodeID: `id-${nodeName}`, DesiredState: desired, Spec: { ContainerSpec: { Image: IMAGE } }, Status: { State: state, Timestamp: made.CreatedAt, ...(err ? { Err: err } : {}) } };
}

describe('waiting when nodes cannot get the image', () => {
    it('names the nodes that rejected tasks for their image, during the wait and at its end, which is not "converged"', async () => {
        const noSuchImage = `No such image: ${IMAGE}`;
        const tasks = [
            ...Array.from({ length: 6 }, (_, i) => task(`r${i}`, 'node1', 'running', 'running')),
            task('x1', 'node2', 'rejected', 'shutdown', noSuchImage),
            task('x2', 'node3', 'rejected', 'shutdown', noSuchImage),
            task('x3', 'node2', 'rejected', 'shutdown', noSuchImage),
        ];
        const engine = {
            endpoint: { url: 'unix:///fake.sock' },
            inspectService: async () => service(),
            listTasks: async () => tasks,
            listNodes: async () => [node('node1'), node('node2'), node('node3')],
            events: async () => (async function* () {})(),
        } as unknown as StackEngine;
        const seen: ConvergenceProgress[] = [];
        const outcome = await waitForService(engine, 'svc', { timeoutMs: 10_000, tickMs: 20, settleMs: 50, onProgress: (p) => seen.push(p) });
        assert.equal(outcome.kind, 'converged');
        const expected = [`node2, node3 could not get the image (${noSuchImage})`];
        assert.deepEqual(seen[0]?.pullRejected, expected, 'said during the wait');
        assert.deepEqual((outcome as { progress: ConvergenceProgress }).progress.pullRejected, expected);
        const text = describeOutcome(outcome);
        assert.doesNotMatch(text, /converged/);
        assert.equal(text, `edge_edge: 6/6 running, but only on the nodes that hold its image: node2, node3 could not get the image (${noSuchImage}).`);
    });
});
