/**
 * What changing a node's availability does to the services, computed from one snapshot before
 * anything is sent, so that Drain, Pause and Activate can say it first.
 *
 * The rules are swarmkit's: draining shuts the node's tasks down and the orchestrator places
 * replicated ones again on nodes that are ready, active, satisfy the placement constraints and
 * stay within `max_replicas_per_node` (and host-mode ports, one per node); global tasks do not
 * move. Pausing leaves running tasks alone but places nothing new there. Activating moves nothing
 * back (swarm does not rebalance), but pending and global tasks can now start on the node.
 */
import type { NodeSummary, ServiceSummary, SwarmSnapshot } from '../swarm-snapshot';
import { blockingConstraints, nodeSatisfies } from './constraints';

export type Availability = 'active' | 'pause' | 'drain';


interface ServiceImpact {
    service: string;
    mode: ServiceSummary['mode'];
    desired: number;
    running: number;
    /** Its tasks that run (or are meant to run) on the node. */
    onNode: number;
    /** Of those, how many other nodes can take (drain). */
    movable: number;
    /** Of those, how many find no other node (drain), or global tasks that stop. */
    stranded: number;
    /** Running tasks once the move has settled. */
    runningAfter: number;
    /** Why tasks find no other node, naming the constraint or the limit. */
    reason?: string;
}

interface AvailabilityImpact {
    node: NodeSummary;
    from: string;
    to: Availability;
    /** Nothing changes (the node already has that availability). */
    unchanged: boolean;
    /** Tasks meant to run on the node now. */
    tasksOnNode: number;
    /** Tasks that are shut down on the node and started on another one. */
    tasksMoving: number;
    /** Ready, active nodes other than this one. */
    otherNodes: string[];
    /** Every service with a task on the node (drain, pause) or that gains tasks there (activate). */
    services: ServiceImpact[];
    /** Replicated services left below their desired replicas once the move settles. */
    belowDesired: ServiceImpact[];
    /** Single-replica services whose only task is on the node: down while it moves, or for good. */
    singleReplicaDown: ServiceImpact[];
    /** Global services whose task on the node stops (drain) or starts (activate). */
    global: ServiceImpact[];
    /** Pending tasks that can start on the node once it is active, per service. */
    pendingStarting: { service: string; tasks: number }[];
    /** Services on the node that no other node can run (pause: a failed task would not be replaced). */
    pinned: ServiceImpact[];
}

function allServices(snapshot: SwarmSnapshot): ServiceSummary[] {
    return [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked];
}

/** Tasks the orchestrator means to run (desired running), per node. */
function liveTasks(service: ServiceSummary) {
    return service.tasks.filter((t) => t.desiredState === 'running');
}

function publishesHostPorts(service: ServiceSummary): boolean {
    return service.ports.some((p) => p.endsWith('(host)'));
}

/** How many tasks of the service one node may hold (max_replicas_per_node, host-mode ports). */
function perNodeLimit(service: ServiceSummary): number | undefined {
    const limits = [service.maxReplicasPerNode, publishesHostPorts(service) ? 1 : undefined].filter((n): n is number => n !== undefined && n > 0);
    return limits.length ? Math.min(...limits) : undefined;
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Why no other node can take the service's tasks. */
function strandedReason(service: ServiceSummary, others: readonly NodeSummary[], candidates: readonly NodeSummary[], limit: number | undefined): string {
    if (!others.length) return 'no other node is ready and active';
    if (!candidates.length) {
        const blocking = blockingConstraints(service.constraints, others);
        return blocking.length === 1
            ? `no other available node satisfies ${blocking[0]}`
            : `no other available node satisfies ${blocking.join(' and ')} together`;
    }
    const what = service.maxReplicasPerNode && service.maxReplicasPerNode === limit ? `max_replicas_per_node ${limit}` : 'its host-mode port (one task per node)';
    return `${what}: the ${plural(candidates.length, 'other node')} that can run it ${candidates.length === 1 ? 'is' : 'are'} full`;
}

export function availabilityImpact(snapshot: SwarmSnapshot, nodeId: string, to: Availability): AvailabilityImpact {
    const node = snapshot.nodes.find((n) => n.id === nodeId || n.hostname === nodeId);
    if (!node) throw new Error(`node ${nodeId} is not in the swarm`);
    const others = snapshot.nodes.filter((n) => n.id !== node.id && n.state === 'ready' && n.availability === 'active');
    const services = allServices(snapshot);
    const impact: AvailabilityImpact = {
        node,
        from: node.availability,
        to,
        unchanged: node.availability === to,
        tasksOnNode: services.reduce((sum, s) => sum + liveTasks(s).filter((t) => t.nodeId === node.id).length, 0),
        tasksMoving: 0,
        otherNodes: others.map((n) => n.hostname),
        services: [],
        belowDesired: [],
        singleReplicaDown: [],
        global: [],
        pendingStarting: [],
        pinned: [],
    };
    if (impact.unchanged) return impact;

    for (const service of services) {
        const tasks = liveTasks(service);
        const onNode = tasks.filter((t) => t.nodeId === node.id).length;
        const global = service.mode === 'global' || service.mode === 'global job';
        const limit = perNodeLimit(service);
        const candidates = others.filter((n) => nodeSatisfies(service.constraints, n));
        const base = { service: service.name, mode: service.mode, desired: service.desired, running: service.running, onNode, movable: 0, stranded: 0, runningAfter: service.running };

        if (to === 'drain' && onNode > 0) {
            if (global) {
                const entry = { ...base, stranded: onNode, runningAfter: service.running - onNode, reason: 'global services run one task per node and do not move' };
                impact.services.push(entry);
                impact.global.push(entry);
                continue;
            }
            const room = limit === undefined
                ? candidates.length ? Infinity : 0
                : candidates.reduce((sum, n) => sum + Math.max(0, limit - tasks.filter((t) => t.nodeId === n.id).length), 0);
            const movable = Math.min(onNode, room);
            const stranded = onNode - movable;
            const entry: ServiceImpact = { ...base, movable, stranded, runningAfter: service.running - stranded };
            if (stranded) entry.reason = strandedReason(service, others, candidates, limit);
            impact.tasksMoving += movable;
            impact.services.push(entry);
            if (stranded && entry.runningAfter < service.desired) impact.belowDesired.push(entry);
            if (service.desired === 1) impact.singleReplicaDown.push(entry);
        } else if (to === 'pause' && onNode > 0) {
            const entry: ServiceImpact = { ...base };
            impact.services.push(entry);
            if (!global && candidates.length === 0) {
                entry.reason = strandedReason(service, others, candidates, limit);
                impact.pinned.push(entry);
            }
        } else if (to === 'active') {
            const fits = nodeSatisfies(service.constraints, node);
            if (!fits) continue;
            if (global && node.availability === 'drain' && onNode === 0) {
                const entry = { ...base, runningAfter: service.running + 1 };
                impact.services.push(entry);
                impact.global.push(entry);
                continue;
            }
            const pending = tasks.filter((t) => t.state === 'pending').length;
            if (!global && pending > 0) {
                const starting = limit === undefined ? pending : Math.min(pending, Math.max(0, limit - onNode));
                if (starting > 0) {
                    impact.pendingStarting.push({ service: service.name, tasks: starting });
                    impact.services.push({ ...base, runningAfter: service.running + starting });
                }
            }
        }
    }
    return impact;
}

/** One line of an impact: the sentence (CLI, log), and its head and reason apart (the editor's quick pick). */
export interface ImpactLine {
    severity: 'info' | 'warning' | 'error';
    /** The whole sentence. */
    text: string;
    /** The sentence up to its reason. */
    head: string;
    reason?: string;
}

function line(severity: ImpactLine['severity'], head: string, reason?: string, form: 'colon' | 'parens' = 'colon'): ImpactLine {
    const text = reason === undefined ? `${head}.` : form === 'parens' ? `${head} (${reason}).` : `${head}: ${reason}.`;
    return { severity, text, head, ...(reason === undefined ? {} : { reason }) };
}

/** The impact as a one-line question and the lines that explain it (the editor's preview, the CLI). */
export function describeImpact(impact: AvailabilityImpact): { summary: string; details: string[]; lines: ImpactLine[] } {
    const name = impact.node.hostname;
    const verb = { drain: 'Drain', pause: 'Pause', active: 'Activate' }[impact.to];
    if (impact.unchanged) {
        return { summary: `${name} is already ${impact.to === 'active' ? 'active' : impact.to === 'pause' ? 'paused' : 'drained'}.`, details: [], lines: [] };
    }
    const lines: ImpactLine[] = [];
    const details = { push: (l: ImpactLine) => lines.push(l) };
    if (impact.to === 'drain') {
        if (impact.tasksOnNode === 0) {
            details.push(line('info', `No task runs on ${name}`, 'nothing moves'));
        } else {
            const to = impact.otherNodes.length ? ` to ${impact.otherNodes.join(', ')}` : '';
            const stop = impact.tasksOnNode === 1 ? 'stops' : 'stop';
            const move = impact.tasksOnNode === 1
                ? impact.tasksMoving ? 'it moves' : 'it cannot move'
                : impact.tasksMoving === 0 ? 'none of them can move' : impact.tasksMoving === impact.tasksOnNode ? 'they move' : `${impact.tasksMoving} of them move`;
            details.push(line('info', `${plural(impact.tasksOnNode, 'task')} ${stop} on ${name}; ${move}${impact.tasksMoving ? to : ''}`));
        }
        // Single-replica services have their own line below.
        for (const s of impact.belowDesired.filter((b) => b.desired !== 1)) {
            details.push(line('warning', `${s.service} drops below its desired replicas: ${s.runningAfter}/${s.desired} running`, s.reason, 'parens'));
        }
        for (const s of impact.singleReplicaDown) {
            details.push(s.stranded ? line('error', `${s.service} (1 replica) goes down and stays down`, s.reason) : line('warning', `${s.service} (1 replica) is down until its task starts on another node`));
        }
        for (const s of impact.global) {
            details.push(line('info', `${s.service} (global) stops its task on ${name}`, s.reason));
        }
        if (impact.tasksOnNode > 0 && !impact.belowDesired.length && !impact.singleReplicaDown.length) {
            details.push(line('info', 'Every replicated service keeps its desired replicas once the tasks have moved'));
        }
    } else if (impact.to === 'pause') {
        details.push(
            line('info', impact.tasksOnNode
                ? `The ${plural(impact.tasksOnNode, 'task')} on ${name} ${impact.tasksOnNode === 1 ? 'keeps' : 'keep'} running; no new task is placed on it`
                : `Nothing runs on ${name}; no new task is placed on it`),
        );
        for (const s of impact.pinned) {
            details.push(line('warning', `${s.service} could not replace a failed task on another node`, s.reason));
        }
    } else {
        details.push(line('info', `No running task moves back to ${name}`, 'swarm does not rebalance; a service update does', 'parens'));
        for (const p of impact.pendingStarting) details.push(line('info', `${plural(p.tasks, 'pending task')} of ${p.service} can start on ${name}`));
        for (const s of impact.global) details.push(line('info', `${s.service} (global) starts a task on ${name}`));
    }
    const summary = impact.to === 'drain' && impact.belowDesired.length
        ? `${verb} ${name}? ${plural(impact.belowDesired.length, 'service')} will run below the desired replicas.`
        : `${verb} ${name}?`;
    return { summary, details: lines.map((l) => l.text), lines };
}

/**
 * Services whose tasks on the node stop when its labels become `labels`: swarmkit's constraint
 * enforcer (`manager/orchestrator/constraintenforcer`) shuts down running tasks whose node no
 * longer satisfies their constraints.
 */
export function labelChangeImpact(snapshot: SwarmSnapshot, nodeId: string, labels: Record<string, string>): { service: string; tasks: number; constraints: string[] }[] {
    const node = snapshot.nodes.find((n) => n.id === nodeId || n.hostname === nodeId);
    if (!node) throw new Error(`node ${nodeId} is not in the swarm`);
    const changed = { ...node, labels };
    return allServices(snapshot)
        .map((service) => ({ service, tasks: liveTasks(service).filter((t) => t.nodeId === node.id).length }))
        .filter(({ service, tasks }) => tasks > 0 && nodeSatisfies(service.constraints, node) && !nodeSatisfies(service.constraints, changed))
        .map(({ service, tasks }) => ({ service: service.name, tasks, constraints: service.constraints.filter((c) => !nodeSatisfies([c], changed)) }));
}
