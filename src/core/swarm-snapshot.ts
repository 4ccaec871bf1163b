/**
 * One picture of the swarm, built from exactly three list calls (services with status, tasks,
 * nodes) whatever the number of stacks: the views and the CodeLens render it, nothing else reads
 * the engine for them.
 */
import type { Node, Service, Task } from './specs';
import type { ConstraintNode } from './nodes/constraints';
import { explainPendingTask } from './nodes/pending';
import { textCompare } from './collation';
import { NAMESPACE_LABEL, descopedName, naturalCompare } from './stack/names';

type UpdateState = 'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

export interface TaskSummary {
    id: string;
    /** `<service>.<slot>` for replicated services, `<service>.<node id>` otherwise, as `docker stack ps`. */
    name: string;
    serviceId: string;
    slot?: number;
    nodeId?: string;
    nodeName?: string;
    state: string;
    desiredState: string;
    /** When the current state was entered (ISO time). */
    since?: string;
    message?: string;
    error?: string;
    /** Why a pending task waits, in words that name the constraint or limit (./nodes/pending.ts). */
    pendingReason?: string;
    image?: string;
    containerId?: string;
}

export interface ServiceSummary {
    id: string;
    name: string;
    /** Stack the service belongs to, from its namespace label. */
    stack?: string;
    /** Service key inside its stack (`test` for `prod_test`). */
    key: string;
    image: string;
    mode: 'replicated' | 'global' | 'replicated job' | 'global job';
    running: number;
    desired: number;
    /** Published ports as `published:target/proto (mode)`. */
    ports: string[];
    updateState?: UpdateState;
    updateMessage?: string;
    hasPreviousSpec: boolean;
    /** Placement constraints of the spec (`node.role==worker`), as written. */
    constraints: string[];
    /** `max_replicas_per_node`; undefined when unlimited. */
    maxReplicasPerNode?: number;
    tasks: TaskSummary[];
    version: number;
}

export interface StackSummary {
    name: string;
    services: ServiceSummary[];
    running: number;
    desired: number;
}

export interface NodeSummary extends ConstraintNode {
    availability: string;
    state: string;
    /** The engine's message for a node that is not ready (`heartbeat failure`). */
    stateMessage?: string;
    address?: string;
    engineVersion?: string;
    leader: boolean;
    managerReachability?: string;
}

export interface SwarmSnapshot {
    stacks: StackSummary[];
    /** Services with no stack label. */
    unstacked: ServiceSummary[];
    nodes: NodeSummary[];
    /** When the snapshot was taken (ms since epoch). */
    takenAt: number;
}

// Tasks the views show: the ones meant to run, plus failures that explain why a service is short.
const TERMINAL_FAILURES = new Set(['failed', 'rejected']);
const RECENT_FAILURE_MS = 10 * 60 * 1000;

export function buildSnapshot(services: readonly Service[], tasks: readonly Task[], nodes: readonly Node[], now = Date.now()): SwarmSnapshot {
    const nodeNames = new Map(nodes.map((n) => [n.ID, n.Spec.Name || n.Description?.Hostname || n.ID]));
    const tasksByService = new Map<string, Task[]>();
    for (const task of tasks) {
        const list = tasksByService.get(task.ServiceID) ?? [];
        list.push(task);
        tasksByService.set(task.ServiceID, list);
    }

    const nodeSummaries = nodes.map(summarizeNode).sort((a, b) => naturalCompare(a.hostname, b.hostname));
    const summaries = services.map((service) => summarizeService(service, tasksByService.get(service.ID) ?? [], nodeNames, nodeSummaries, now));
    const byStack = new Map<string, ServiceSummary[]>();
    const unstacked: ServiceSummary[] = [];
    for (const summary of summaries) {
        if (summary.stack === undefined) {
            unstacked.push(summary);
        } else {
            const list = byStack.get(summary.stack) ?? [];
            list.push(summary);
            byStack.set(summary.stack, list);
        }
    }
    const stacks = [...byStack.entries()]
        .map(([name, list]) => {
            list.sort((a, b) => naturalCompare(a.name, b.name));
            return {
                name,
                services: list,
                running: list.reduce((sum, s) => sum + s.running, 0),
                desired: list.reduce((sum, s) => sum + s.desired, 0),
            };
        })
        .sort((a, b) => naturalCompare(a.name, b.name));
    unstacked.sort((a, b) => naturalCompare(a.name, b.name));

    return { stacks, unstacked, nodes: nodeSummaries, takenAt: now };
}

function summarizeService(service: Service, tasks: Task[], nodeNames: Map<string, string>, nodes: readonly NodeSummary[], now: number): ServiceSummary {
    const spec = service.Spec;
    const name = spec.Name ?? service.ID;
    const stack = spec.Labels?.[NAMESPACE_LABEL];
    const mode = spec.Mode?.Global ? 'global' : spec.Mode?.ReplicatedJob ? 'replicated job' : spec.Mode?.GlobalJob ? 'global job' : 'replicated';
    const shown = tasks
        .filter((t) => t.DesiredState !== 'shutdown' || (TERMINAL_FAILURES.has(t.Status.State ?? '') && now - Date.parse(t.Status.Timestamp ?? t.UpdatedAt) < RECENT_FAILURE_MS))
        .map((t) => summarizeTask(t, name, mode, nodeNames, service, nodes))
        .sort((a, b) => naturalCompare(a.name, b.name) || textCompare(b.since ?? '', a.since ?? ''));
    const runningFromTasks = tasks.filter((t) => t.Status.State === 'running' && t.DesiredState === 'running').length;
    const desiredFromSpec = mode === 'replicated' ? spec.Mode?.Replicated?.Replicas ?? 1 : tasks.filter((t) => t.DesiredState === 'running').length;
    const state = service.UpdateStatus?.State as UpdateState | undefined;
    return {
        id: service.ID,
        name,
        stack,
        key: stack === undefined ? name : descopedName(stack, name) ?? name,
        image: displayImage(spec.TaskTemplate.ContainerSpec?.Image ?? ''),
        mode,
        running: service.ServiceStatus?.RunningTasks ?? runningFromTasks,
        desired: service.ServiceStatus?.DesiredTasks ?? desiredFromSpec,
        ports: (service.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? []).map(
            (p) => `${p.PublishedPort ?? ''}:${p.TargetPort ?? ''}/${p.Protocol ?? 'tcp'}${p.PublishMode === 'host' ? ' (host)' : ''}`,
        ),
        updateState: state,
        updateMessage: service.UpdateStatus?.Message,
        hasPreviousSpec: service.PreviousSpec !== undefined,
        constraints: spec.TaskTemplate.Placement?.Constraints ?? [],
        maxReplicasPerNode: spec.TaskTemplate.Placement?.MaxReplicas || undefined,
        tasks: shown,
        version: service.Version.Index,
    };
}

function summarizeTask(task: Task, serviceName: string, mode: ServiceSummary['mode'], nodeNames: Map<string, string>, service: Service, nodes: readonly NodeSummary[]): TaskSummary {
    const replicated = mode === 'replicated' || mode === 'replicated job';
    const pendingReason = explainPendingTask(task, service, nodes);
    return {
        id: task.ID,
        name: replicated && task.Slot !== undefined ? `${serviceName}.${task.Slot}` : `${serviceName}.${task.NodeID ?? ''}`,
        serviceId: task.ServiceID,
        slot: task.Slot,
        nodeId: task.NodeID,
        nodeName: task.NodeID ? nodeNames.get(task.NodeID) ?? task.NodeID : undefined,
        state: task.Status.State ?? 'unknown',
        desiredState: task.DesiredState,
        since: task.Status.Timestamp,
        message: task.Status.Message,
        error: task.Status.Err || undefined,
        ...(pendingReason ? { pendingReason } : {}),
        image: task.Spec.ContainerSpec?.Image ? displayImage(task.Spec.ContainerSpec.Image) : undefined,
        containerId: task.Status.ContainerStatus?.ContainerID,
    };
}

export function summarizeNode(node: Node): NodeSummary {
    return {
        id: node.ID,
        hostname: node.Description?.Hostname ?? node.Spec.Name ?? node.ID,
        role: node.Spec.Role ?? 'worker',
        labels: node.Spec.Labels ?? {},
        engineLabels: node.Description?.Engine?.Labels ?? {},
        os: node.Description?.Platform?.OS,
        arch: node.Description?.Platform?.Architecture,
        availability: node.Spec.Availability ?? 'active',
        state: node.Status.State,
        stateMessage: node.Status.Message || undefined,
        address: node.Status.Addr,
        engineVersion: node.Description?.Engine?.EngineVersion,
        leader: node.ManagerStatus?.Leader === true,
        managerReachability: node.ManagerStatus?.Reachability,
    };
}

/** The image as `docker service ls` shows it: the digest is dropped. */
export function displayImage(image: string): string {
    const at = image.indexOf('@');
    return at === -1 ? image : image.slice(0, at);
}

/** "2 minutes ago"-style age used in the tree (coarse; the tooltip has the exact time). */
export function formatAge(iso: string | undefined, now = Date.now()): string {
    if (!iso) return '';
    const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (seconds < 60) return `${seconds}s`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes}m`;
    const hours = Math.round(minutes / 60);
    if (hours < 48) return `${hours}h`;
    return `${Math.round(hours / 24)}d`;
}

/** What a snapshot is read with: three list calls, whatever the number of stacks. */
interface SnapshotSource {
    listServices(filters?: Record<string, string[]>, params?: { status?: boolean }, options?: { signal?: AbortSignal }): Promise<Service[]>;
    listTasks(filters?: Record<string, string[]>, options?: { signal?: AbortSignal }): Promise<Task[]>;
    listNodes(filters?: Record<string, string[]>, options?: { signal?: AbortSignal }): Promise<Node[]>;
}

export async function readSnapshot(source: SnapshotSource, signal?: AbortSignal): Promise<SwarmSnapshot> {
    const lists = await readSnapshotLists(source, SNAPSHOT_LISTS, undefined, signal);
    return buildSnapshot(lists.services, lists.tasks, lists.nodes);
}

/** The three lists a snapshot is built from, each one call. */
export type SnapshotList = 'services' | 'tasks' | 'nodes';
export const SNAPSHOT_LISTS: readonly SnapshotList[] = ['services', 'tasks', 'nodes'];

export interface SnapshotLists {
    services: Service[];
    tasks: Task[];
    nodes: Node[];
}

/**
 * Reads the lists named (one call each, at once) and keeps the others from `previous`; with no `previous`, reads all
 * three. When the tasks are newer than the services, the services' task counts (`ServiceStatus`, which the engine
 * computes from the tasks when it lists services) are counted again from the new tasks, so the view's counts agree
 * with the tasks it shows.
 */
export async function readSnapshotLists(source: SnapshotSource, lists: Iterable<SnapshotList>, previous?: SnapshotLists, signal?: AbortSignal): Promise<SnapshotLists> {
    const wanted = new Set<SnapshotList>(previous ? lists : SNAPSHOT_LISTS);
    const [services, tasks, nodes] = await Promise.all([
        wanted.has('services') ? source.listServices(undefined, { status: true }, { signal }) : undefined,
        wanted.has('tasks') ? source.listTasks(undefined, { signal }) : undefined,
        wanted.has('nodes') ? source.listNodes(undefined, { signal }) : undefined,
    ]);
    const freshTasks = tasks ?? previous!.tasks;
    return {
        services: services ?? (tasks ? withTaskCounts(previous!.services, freshTasks) : previous!.services),
        tasks: freshTasks,
        nodes: nodes ?? previous!.nodes,
    };
}

/**
 * `ServiceStatus` counted from `tasks` as the engine counts it for `GET /services?status=true` (swarmkit
 * `manager/controlapi/service.go` ListServiceStatuses): running = tasks in state running (of the job's current
 * iteration for jobs); desired = the replicas (replicated), MaxConcurrent (replicated job), or the tasks meant to run
 * or to complete (global, global job); completed = the current iteration's completed tasks (jobs).
 * Services read without a status keep none.
 */
export function withTaskCounts(services: readonly Service[], tasks: readonly Task[]): Service[] {
    const byService = new Map<string, Task[]>();
    for (const task of tasks) {
        const list = byService.get(task.ServiceID) ?? [];
        list.push(task);
        byService.set(task.ServiceID, list);
    }
    return services.map((service) => {
        if (!service.ServiceStatus) return service;
        const mode = service.Spec.Mode;
        const global = !mode?.Replicated && !mode?.ReplicatedJob;
        const iteration = service.JobStatus?.JobIteration.Index;
        let running = 0;
        let desired = mode?.Replicated ? mode.Replicated.Replicas ?? 1 : mode?.ReplicatedJob ? mode.ReplicatedJob.MaxConcurrent ?? 1 : 0;
        let completed = 0;
        for (const task of byService.get(service.ID) ?? []) {
            if (iteration !== undefined) {
                if (task.JobIteration?.Index !== iteration) continue;
                if (task.Status.State === 'complete') completed++;
            }
            if (task.Status.State === 'running') running++;
            if (global && task.DesiredState === 'running') desired++;
            if (global && task.Status.State !== 'complete' && task.DesiredState === 'complete') desired++;
        }
        const status = { ...service.ServiceStatus, RunningTasks: running, DesiredTasks: desired };
        if (iteration !== undefined) status.CompletedTasks = completed;
        return { ...service, ServiceStatus: status };
    });
}
