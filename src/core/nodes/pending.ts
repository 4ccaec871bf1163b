/**
 * Why a task is pending, in words that name what the user wrote. The scheduler only counts nodes
 * per failed filter (swarmkit `manager/scheduler/filter.go` Explain, joined by `; ` in
 * `pipeline.go`, wrapped as `no suitable node (…)` by `scheduler.go`); this adds the constraint,
 * the limit or the nodes behind each count, from the service spec and the node list.
 */
import type { Service, Task } from '../specs';
import { blockingConstraints, type ConstraintNode } from './constraints';

interface SchedulingNode extends ConstraintNode {
    availability: string;
    state: string;
}

const NO_SUITABLE_NODE = 'no suitable node';

/** The explanation for a task the scheduler could not place, or undefined for any other task. */
export function explainPendingTask(task: Task, service: Service | undefined, nodes: readonly SchedulingNode[]): string | undefined {
    const err = task.Status.Err ?? '';
    if (task.Status.State !== 'pending' || !err.startsWith(NO_SUITABLE_NODE)) return undefined;
    const details = schedulingDetails(err, service, nodes);
    return details.length ? `${err}: ${details.join('; ')}` : err;
}

function schedulingDetails(err: string, service: Service | undefined, nodes: readonly SchedulingNode[]): string[] {
    const details: string[] = [];
    const placement = service?.Spec.TaskTemplate.Placement;
    const available = nodes.filter((n) => n.state === 'ready' && n.availability === 'active');
    if (/not available for new tasks/.test(err)) {
        const unavailable = nodes.filter((n) => !available.includes(n)).map((n) => `${n.hostname} is ${n.state !== 'ready' ? n.state : n.availability === 'pause' ? 'paused' : 'drained'}`);
        if (unavailable.length) details.push(unavailable.join(', '));
    }
    if (/scheduling constraints not satisfied/.test(err)) {
        const constraints = placement?.Constraints ?? [];
        const blocking = blockingConstraints(constraints, available);
        if (blocking.length === 1) {
            details.push(`no available node satisfies the constraint ${blocking[0]}`);
        } else if (blocking.length > 1) {
            details.push(`no available node satisfies the constraints ${blocking.join(' and ')} together`);
        } else if (constraints.length) {
            details.push(`the constraints are ${constraints.join(', ')}`);
        }
    }
    if (/max replicas per node/.test(err) && placement?.MaxReplicas) {
        details.push(`max_replicas_per_node is ${placement.MaxReplicas} and each of the ${available.length} available node${available.length === 1 ? '' : 's'} already runs that many`);
    }
    if (/unsupported platform/.test(err) && placement?.Platforms?.length) {
        details.push(`the image is built for ${placement.Platforms.map((p) => `${p.OS ?? '?'}/${p.Architecture ?? '?'}`).join(', ')}`);
    }
    if (/insufficient resources/.test(err)) {
        const reservations = service?.Spec.TaskTemplate.Resources?.Reservations;
        const parts = [
            reservations?.NanoCPUs ? `${reservations.NanoCPUs / 1e9} CPU` : '',
            reservations?.MemoryBytes ? `${Math.round(reservations.MemoryBytes / 1024 / 1024)} MiB of memory` : '',
        ].filter(Boolean);
        if (parts.length) details.push(`the service reserves ${parts.join(' and ')} per task`);
    }
    if (/host-mode port already in use/.test(err)) {
        const ports = (service?.Spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishMode === 'host').map((p) => `${p.PublishedPort}/${p.Protocol ?? 'tcp'}`);
        if (ports.length) details.push(`the host-mode port ${ports.join(', ')} is published once per node`);
    }
    return details;
}
