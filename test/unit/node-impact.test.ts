import * as assert from 'node:assert/strict';
import { buildSnapshot, type SwarmSnapshot } from '../../src/core/swarm-snapshot';
import { availabilityImpact, describeImpact } from '../../src/core/nodes/impact';
import { blockingConstraints, nodeSatisfies, parseConstraint } from '../../src/core/nodes/constraints';
import { explainPendingTask } from '../../src/core/nodes/pending';
import { parseNodeLabel } from '../../src/core/nodes/verbs';
import { describeUnpulledImage, unpulledImages } from '../../src/core/nodes/image-placement';
import type { Node, Service, ServiceSpec, Task } from '../../src/core/specs';

const meta = { Version: { Index: 3 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };
const NOW = Date.parse('2026-01-01T01:00:00Z');

function node(id: string, role: 'manager' | 'worker', labels: Record<string, string> = {}, availability = 'active', state = 'ready'): Node {
    return {
        ...meta,
        ID: id,
        Spec: { Role: role, Availability: availability, Labels: labels },
        Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' }, Engine: { EngineVersion: '20.10.24', Labels: { disk: 'ssd' } } },
        Status: { State: state, Addr: `10.210.0.${id.slice(-1)}` },
        ...(role === 'manager' ? { ManagerStatus: { Leader: true, Reachability: 'reachable' } } : {}),
    };
}

function service(id: string, replicas: number | 'global', placement: ServiceSpec['TaskTemplate']['Placement'] = {}, hostPort?: number): Service {
    return {
        ...meta,
        ID: id,
        Spec: {
            Name: `st_${id}`,
            Labels: { 'com.docker.stack.namespace': 'st' },
            TaskTemplate: { ContainerSpec: { Image: 'app:v1' }, Placement: placement },
            Mode: replicas === 'global' ? { Global: {} } : { Replicated: { Replicas: replicas } },
            ...(hostPort ? { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: hostPort, PublishMode: 'host' as const }] } } : {}),
        },
        ...(hostPort ? { Endpoint: { Ports: [{ TargetPort: 80, PublishedPort: hostPort, PublishMode: 'host' as const, Protocol: 'tcp' as const }] } } : {}),
    };
}

let taskCounter = 0;
function task(serviceId: string, nodeId: string | undefined, state = 'running', err?: string): Task {
    taskCounter++;
    return {
        ...meta,
        ID: `t${taskCounter}`,
        ServiceID: serviceId,
        Slot: taskCounter,
        NodeID: nodeId,
        DesiredState: 'running',
        Spec: { ContainerSpec: { Image: 'app:v1' } },
        Status: { State: state, Timestamp: '2026-01-01T00:59:00Z', ...(err ? { Err: err, Message: 'pending task scheduling' } : {}) },
    };
}

const NODES = [node('node1', 'manager'), node('node2', 'worker', { zone: 'a' }), node('node3', 'worker', { zone: 'b' })];

function snapshot(services: Service[], tasks: Task[], nodes: Node[] = NODES): SwarmSnapshot {
    return buildSnapshot(services, tasks, nodes, NOW);
}

describe('node availability impact', () => {
    it('drain: replicated tasks move to the nodes that satisfy the constraints; nothing drops', () => {
        const snap = snapshot([service('web', 3)], [task('web', 'node1'), task('web', 'node2'), task('web', 'node3')]);
        const impact = availabilityImpact(snap, 'node2', 'drain');
        assert.equal(impact.tasksOnNode, 1);
        assert.equal(impact.tasksMoving, 1);
        assert.deepEqual(impact.otherNodes, ['node1', 'node3']);
        assert.deepEqual(impact.belowDesired, []);
        const text = describeImpact(impact);
        assert.equal(text.summary, 'Drain node2?');
        assert.deepEqual(text.details, ['1 task stops on node2; it moves to node1, node3.', 'Every replicated service keeps its desired replicas once the tasks have moved.']);
    });

    it('drain: max_replicas_per_node and a label constraint leave services below their replicas, naming why', () => {
        const services = [
            service('web', 3, { MaxReplicas: 1 }),
            service('db', 1, { Constraints: ['node.labels.zone==a'] }),
            service('api', 2, { Constraints: ['node.role==worker'] }),
            service('proxy', 'global'),
        ];
        const tasks = [
            task('web', 'node1'), task('web', 'node2'), task('web', 'node3'),
            task('db', 'node2'),
            task('api', 'node2'), task('api', 'node3'),
            task('proxy', 'node1'), task('proxy', 'node2'), task('proxy', 'node3'),
        ];
        const impact = availabilityImpact(snapshot(services, tasks), 'node2', 'drain');
        assert.equal(impact.tasksOnNode, 4);
        // api moves to node3 (the other worker); web has nowhere (each other node has its one), db has no zone=a node.
        assert.equal(impact.tasksMoving, 1);
        assert.deepEqual(impact.belowDesired.map((s) => [s.service, s.runningAfter, s.desired]), [['st_db', 0, 1], ['st_web', 2, 3]].sort());
        assert.deepEqual(impact.singleReplicaDown.map((s) => s.service), ['st_db']);
        assert.deepEqual(impact.global.map((s) => s.service), ['st_proxy']);
        const text = describeImpact(impact);
        assert.equal(text.summary, 'Drain node2? 2 services will run below the desired replicas.');
        assert.ok(text.details.includes('st_web drops below its desired replicas: 2/3 running (max_replicas_per_node 1: the 2 other nodes that can run it are full).'), text.details.join('\n'));
        assert.ok(text.details.includes('st_db (1 replica) goes down and stays down: no other available node satisfies node.labels.zone==a.'), text.details.join('\n'));
        assert.ok(text.details.includes('st_proxy (global) stops its task on node2: global services run one task per node and do not move.'), text.details.join('\n'));
    });

    it('drain: host-mode ports allow one task per node; down and drained nodes take nothing', () => {
        const nodes = [node('node1', 'manager'), node('node2', 'worker'), node('node3', 'worker', {}, 'active', 'down')];
        const services = [service('lb', 2, {}, 8080), service('one', 1)];
        const tasks = [task('lb', 'node1'), task('lb', 'node2'), task('one', 'node2')];
        const impact = availabilityImpact(snapshot(services, tasks, nodes), 'node2', 'drain');
        assert.deepEqual(impact.otherNodes, ['node1']);
        const lb = impact.belowDesired.find((s) => s.service === 'st_lb');
        assert.equal(lb?.runningAfter, 1);
        assert.match(lb?.reason ?? '', /host-mode port/);
        assert.deepEqual(impact.singleReplicaDown.map((s) => [s.service, s.stranded]), [['st_one', 0]]);
        assert.ok(describeImpact(impact).details.includes('st_one (1 replica) is down until its task starts on another node.'));
    });

    it('drain of the only active node strands everything', () => {
        const nodes = [node('node1', 'manager'), node('node2', 'worker', {}, 'drain')];
        const impact = availabilityImpact(snapshot([service('web', 2)], [task('web', 'node1'), task('web', 'node1')], nodes), 'node1', 'drain');
        assert.equal(impact.tasksMoving, 0);
        assert.equal(impact.belowDesired[0].reason, 'no other node is ready and active');
        assert.equal(impact.belowDesired[0].runningAfter, 0);
    });

    it('pause: nothing moves, and services only this node can run are named', () => {
        const services = [service('db', 1, { Constraints: ['node.hostname==node2'] }), service('web', 2)];
        const impact = availabilityImpact(snapshot(services, [task('db', 'node2'), task('web', 'node2'), task('web', 'node3')]), 'node2', 'pause');
        assert.equal(impact.tasksMoving, 0);
        assert.deepEqual(impact.pinned.map((s) => s.service), ['st_db']);
        assert.deepEqual(describeImpact(impact).details, [
            'The 2 tasks on node2 keep running; no new task is placed on it.',
            'st_db could not replace a failed task on another node: no other available node satisfies node.hostname==node2.',
        ]);
    });

    it('activate: nothing moves back; pending tasks that fit and global services start there', () => {
        const nodes = [node('node1', 'manager'), node('node2', 'worker', { zone: 'a' }, 'drain'), node('node3', 'worker')];
        const services = [service('db', 1, { Constraints: ['node.labels.zone==a'] }), service('proxy', 'global'), service('web', 2)];
        const tasks = [
            task('db', undefined, 'pending', 'no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 2 nodes)'),
            task('proxy', 'node1'), task('proxy', 'node3'),
            task('web', 'node1'), task('web', 'node3'),
        ];
        const impact = availabilityImpact(snapshot(services, tasks, nodes), 'node2', 'active');
        assert.deepEqual(impact.pendingStarting, [{ service: 'st_db', tasks: 1 }]);
        assert.deepEqual(impact.global.map((s) => s.service), ['st_proxy']);
        assert.deepEqual(describeImpact(impact).details, [
            'No running task moves back to node2 (swarm does not rebalance; a service update does).',
            '1 pending task of st_db can start on node2.',
            'st_proxy (global) starts a task on node2.',
        ]);
    });

    it('says when the node already has that availability, and refuses an unknown node', () => {
        const snap = snapshot([], []);
        assert.equal(describeImpact(availabilityImpact(snap, 'node1', 'active')).summary, 'node1 is already active.');
        assert.throws(() => availabilityImpact(snap, 'node9', 'drain'), /node node9 is not in the swarm/);
    });
});

describe('placement constraints', () => {
    const [n1, n2] = snapshot([], []).nodes;

    it('evaluates node and engine keys as swarmkit does (keys and values case-insensitive, missing labels empty)', () => {
        assert.ok(nodeSatisfies(['node.role==manager'], n1));
        assert.ok(nodeSatisfies(['NODE.ROLE == Manager'], n1));
        assert.ok(nodeSatisfies(['node.role!=manager'], n2));
        assert.ok(nodeSatisfies(['node.labels.zone==a', 'node.hostname==node2', 'node.platform.os==linux', 'node.platform.arch==x86_64'], n2));
        assert.ok(nodeSatisfies(['engine.labels.disk==ssd'], n1));
        assert.ok(nodeSatisfies(['node.labels.zone!=a'], n1), 'a label the node lacks is the empty string');
        assert.ok(!nodeSatisfies(['node.labels.Zone==a'], n2), 'label names are case-sensitive');
        assert.ok(!nodeSatisfies(['node.unknown==x'], n1));
        assert.ok(!nodeSatisfies(['nonsense'], n1));
        assert.equal(parseConstraint('node.role=manager'), undefined);
    });

    it('names the constraints that rule out every node', () => {
        const nodes = snapshot([], []).nodes;
        assert.deepEqual(blockingConstraints(['node.role==worker', 'node.labels.zone==c'], nodes), ['node.labels.zone==c']);
        assert.deepEqual(blockingConstraints(['node.role==manager', 'node.labels.zone==a'], nodes), ['node.role==manager', 'node.labels.zone==a']);
        assert.deepEqual(blockingConstraints(['node.role==worker'], nodes), []);
    });
});

describe('pending task reasons', () => {
    const nodes = snapshot([], []).nodes;

    it('names the constraint when the engine says the constraints were not satisfied', () => {
        const svc = service('db', 1, { Constraints: ['node.role==worker', 'node.labels.zone==west'] });
        const t = task('db', undefined, 'pending', 'no suitable node (scheduling constraints not satisfied on 3 nodes)');
        assert.equal(
            explainPendingTask(t, svc, nodes),
            'no suitable node (scheduling constraints not satisfied on 3 nodes): no available node satisfies the constraint node.labels.zone==west',
        );
        // The same reason reaches the tree through the snapshot.
        const summary = buildSnapshot([svc], [t], [node('node1', 'manager'), node('node2', 'worker'), node('node3', 'worker')], NOW).stacks[0].services[0];
        assert.match(summary.tasks[0].pendingReason ?? '', /node\.labels\.zone==west$/);
    });

    it('names unavailable nodes and the per-node limit', () => {
        const withDrained = [node('node1', 'manager'), node('node2', 'worker', {}, 'drain'), node('node3', 'worker', {}, 'active', 'down')];
        const summaries = snapshot([], [], withDrained).nodes;
        const svc = service('web', 3, { MaxReplicas: 1 });
        const t = task('web', undefined, 'pending', 'no suitable node (max replicas per node limit exceed; 2 nodes not available for new tasks)');
        assert.equal(
            explainPendingTask(t, svc, summaries),
            'no suitable node (max replicas per node limit exceed; 2 nodes not available for new tasks): node2 is drained, node3 is down; max_replicas_per_node is 1 and each of the 1 available node already runs that many',
        );
    });

    it('leaves other tasks alone', () => {
        assert.equal(explainPendingTask(task('web', 'node1'), service('web', 1), nodes), undefined);
        assert.equal(explainPendingTask(task('web', undefined, 'pending'), service('web', 1), nodes), undefined);
    });
});

describe('node labels', () => {
    it('accepts key=value (the value may be empty) and refuses anything else with a reason', () => {
        assert.deepEqual(parseNodeLabel('zone=west'), { key: 'zone', value: 'west' });
        assert.deepEqual(parseNodeLabel('com.example.tier='), { key: 'com.example.tier', value: '' });
        assert.deepEqual(parseNodeLabel('a=b=c'), { key: 'a', value: 'b=c' });
        assert.throws(() => parseNodeLabel('zone'), /write it as key=value/);
        assert.throws(() => parseNodeLabel('=west'), /no valid key/);
        assert.throws(() => parseNodeLabel('my zone=west'), /no valid key/);
        assert.throws(() => parseNodeLabel('zone=a\nb'), /line breaks/);
    });
});

describe('images in no registry on several nodes', () => {
    const input = (askedHas: boolean, constraints: string[] = []) => ({
        services: [
            { name: 'st_web', image: 'app:v1', constraints },
            { name: 'st_db', image: 'postgres:16@sha256:abc', constraints: [] },
        ],
        nodes: NODES,
        askedNodeId: 'node1',
        askedEndpoint: 'unix:///run/n1/docker.sock',
        askedHas: new Map([['app:v1', askedHas]]),
        lookedUp: true,
    });

    it('names the nodes each service cannot start on, and says that only the engine at hand was asked', () => {
        const [u] = unpulledImages(input(true));
        assert.deepEqual(u.services, [{ name: 'st_web', canStartOn: ['node1'], cannotStartOn: ['node2', 'node3'] }]);
        assert.equal(
            describeUnpulledImage(u),
            'image app:v1 is in no registry the nodes can pull from: service st_web cannot start on node2, node3 (it can on node1). ' +
                'Only node1 (the engine at unix:///run/n1/docker.sock) is known to hold it; the other nodes cannot be asked and pull it only from a registry. ' +
                'Push it to a registry the nodes can reach.',
        );
    });

    it('follows the constraints, and says when even the engine at hand lacks the image', () => {
        assert.deepEqual(unpulledImages(input(true, ['node.role==manager'])), [], 'a service pinned to the node that has the image is fine');
        const [u] = unpulledImages(input(false, ['node.role==worker']));
        assert.deepEqual(u.services, [{ name: 'st_web', canStartOn: [], cannotStartOn: ['node2', 'node3'] }]);
        assert.match(describeUnpulledImage(u), /No node is known to hold it: node1 \(the engine at unix:\/\/\/run\/n1\/docker\.sock\) does not; the other nodes cannot be asked/);
    });
});
