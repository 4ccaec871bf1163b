/**
 * `swarm-stacks node …` and the pending reasons of `ps`, against an in-memory engine that records the node
 * updates it is sent: drain prints the impact before the update, usage mistakes send nothing, demote refuses
 * the last manager, and `ps` says why a pending task waits, naming the constraint.
 */
import * as assert from 'assert';
import { PassThrough } from 'stream';

import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import type { StackEngine } from '../../src/core/stack/engine';
import type { Node, NodeSpec, Service, Task } from '../../src/core/specs';

const meta = { Version: { Index: 5 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };

function node(id: string, role: 'manager' | 'worker'): Node {
    return { ...meta, ID: id, Spec: { Role: role, Availability: 'active', Labels: {} }, Description: { Hostname: id, Engine: { EngineVersion: '20.10.24' } }, Status: { State: 'ready' }, ...(role === 'manager' ? { ManagerStatus: { Leader: true } } : {}) };
}

function fakeEngine(nodes: Node[], services: Service[], tasks: Task[]) {
    const updates: { id: string; version: number; spec: NodeSpec }[] = [];
    const find = (ref: string) => {
        const found = nodes.find((n) => n.ID === ref || n.Description?.Hostname === ref);
        if (!found) return Promise.reject(Object.assign(new Error(`node ${ref} not found`), { kind: 'notFound' }));
        return Promise.resolve(found);
    };
    const engine = {
        endpoint: { url: 'unix:///fake.sock' },
        info: async () => ({ swarm: { controlAvailable: true, localNodeState: 'active', nodeId: 'node1' } }),
        listNodes: async (filters?: Record<string, string[]>) => nodes.filter((n) => !filters?.role || filters.role.includes(n.Spec.Role ?? '')),
        inspectNode: find,
        updateNode: async (id: string, version: number, spec: NodeSpec) => {
            updates.push({ id, version, spec });
        },
        listServices: async () => services,
        listTasks: async () => tasks,
    };
    return { engine: engine as unknown as StackEngine, updates };
}

async function cli(args: string[], engine: StackEngine) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const io: CliIo = { stdout, stderr, env: {}, connect: () => engine };
    const code = await runCli(args, io);
    return { code, stdout: out, stderr: err };
}

const web: Service = {
    ...meta,
    ID: 'web',
    Spec: { Name: 'st_web', Labels: { 'com.docker.stack.namespace': 'st' }, TaskTemplate: { ContainerSpec: { Image: 'app:v1' }, Placement: { Constraints: ['node.labels.zone==west'] } }, Mode: { Replicated: { Replicas: 2 } } },
};
const running = (id: string, nodeId: string): Task => ({ ...meta, ID: id, ServiceID: 'web', Slot: 1, NodeID: nodeId, DesiredState: 'running', Spec: { ContainerSpec: { Image: 'app:v1' } }, Status: { State: 'running', Timestamp: '2026-01-01T00:00:00Z' } });
const pending: Task = {
    ...meta,
    ID: 'p1',
    ServiceID: 'web',
    Slot: 2,
    DesiredState: 'running',
    Spec: { ContainerSpec: { Image: 'app:v1' } },
    Status: { State: 'pending', Timestamp: '2026-01-01T00:00:00Z', Message: 'pending task scheduling', Err: 'no suitable node (scheduling constraints not satisfied on 2 nodes)' },
};

describe('swarm-stacks node', () => {
    it('drain prints the impact on stderr, then sends the whole spec with the version read', async () => {
        const nodes = [node('node1', 'manager'), node('node2', 'worker')];
        const { engine, updates } = fakeEngine(nodes, [web], [running('t1', 'node2')]);
        const r = await cli(['node', 'drain', 'node2'], engine);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /^Drain node2: 1 service will run below the desired replicas\.\n/);
        assert.match(r.stderr, /st_web drops below its desired replicas: 0\/2 running \(no other available node satisfies node\.labels\.zone==west\)/);
        assert.deepStrictEqual(updates, [{ id: 'node2', version: 5, spec: { Role: 'worker', Availability: 'drain', Labels: {} } }]);
        assert.strictEqual(r.stdout, 'Node node2: availability active → drain.\n');
    });

    it('--dry-run prints the impact and sends nothing', async () => {
        const { engine, updates } = fakeEngine([node('node1', 'manager'), node('node2', 'worker')], [web], [running('t1', 'node2')]);
        const r = await cli(['node', 'pause', '--dry-run', 'node2'], engine);
        assert.strictEqual(r.code, 0);
        assert.match(r.stderr, /The 1 task on node2 keeps running/);
        assert.deepStrictEqual(updates, []);
    });

    it('refuses to demote the last manager, and malformed labels, before any update', async () => {
        const { engine, updates } = fakeEngine([node('node1', 'manager'), node('node2', 'worker')], [], []);
        const demote = await cli(['node', 'demote', 'node1'], engine);
        assert.strictEqual(demote.code, 1);
        assert.strictEqual(demote.stderr, 'swarm-stacks: node1 is the last manager of the swarm and cannot be demoted: promote another node first, or the swarm would have no manager left.\n');
        const label = await cli(['node', 'label-add', 'node2', 'zone'], engine);
        assert.strictEqual(label.code, 2);
        assert.match(label.stderr, /"zone" is not a label: write it as key=value/);
        const missing = await cli(['node', 'label-rm', 'node2', 'zone'], engine);
        assert.strictEqual(missing.code, 1);
        assert.match(missing.stderr, /node node2 has no label zone/);
        assert.strictEqual(updates.length, 0);
        const promote = await cli(['node', 'promote', 'node2'], engine);
        assert.strictEqual(promote.stdout, 'Node node2 promoted to a manager in the swarm.\n');
        assert.strictEqual(updates[0].spec.Role, 'manager');
    });

    it('adds labels to the labels the node has', async () => {
        const labelled = node('node2', 'worker');
        labelled.Spec.Labels = { tier: 'db' };
        const { engine, updates } = fakeEngine([node('node1', 'manager'), labelled], [], []);
        const r = await cli(['node', 'label-add', 'node2', 'zone=west'], engine);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(updates[0].spec.Labels, { tier: 'db', zone: 'west' });
    });

    it('retries a change whose commit timed out on the managers, and reports it once it has landed', async function () {
        this.timeout(10_000);
        const nodes = [node('node1', 'manager'), node('node2', 'manager')];
        const { engine, updates } = fakeEngine(nodes, [], []);
        const update = engine.updateNode.bind(engine);
        let calls = 0;
        engine.updateNode = async (id, version, spec) => {
            calls++;
            // The first proposal times out but lands anyway, as a raft commit can.
            await update(id, version, spec);
            nodes[1] = { ...nodes[1], Spec: spec, Version: { Index: 6 } };
            if (calls === 1) throw new Error('Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline exceeded');
        };
        const r = await cli(['node', 'demote', 'node2'], engine);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout, 'Manager node2 demoted in the swarm.\n');
        assert.strictEqual(calls, 1, 'the second reading found the change made: nothing sent twice');
        assert.strictEqual(updates.length, 1);
    });

    it('ps says why a pending task waits, naming the constraint', async () => {
        const { engine } = fakeEngine([node('node1', 'manager'), node('node2', 'worker')], [web], [running('t1', 'node2'), pending]);
        const r = await cli(['ps', 'st'], engine);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /"no suitable node \(scheduling …"/, 'the ERROR column keeps the CLI width');
        assert.strictEqual(r.stderr, 'st_web.2: no suitable node (scheduling constraints not satisfied on 2 nodes): no available node satisfies the constraint node.labels.zone==west\n');
    });
});
