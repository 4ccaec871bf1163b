/**
 * The tables of `docker stack ls|services|ps`, with the CLI's columns, sorting and padding
 * (Go tabwriter: minimum width 10, padding 3; the last column is not padded).
 */
import type { Node, PortConfig, Service, Task } from '../specs';
import { NAMESPACE_LABEL, naturalCompare } from './names';
import { textCompare } from '../collation';
import { explainPendingTask } from '../nodes/pending';
import { summarizeNode } from '../swarm-snapshot';

export function renderTable(header: string[], rows: string[][]): string {
    const all = [header, ...rows];
    const widths = header.map((_, column) => Math.max(10, ...all.map((row) => [...(row[column] ?? '')].length + 3)));
    return all
        .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join(''))
        .map((line) => `${line}\n`)
        .join('');
}

export function stackRows(services: readonly Service[]): string[][] {
    const counts = new Map<string, number>();
    for (const s of services) {
        const stack = s.Spec.Labels?.[NAMESPACE_LABEL];
        if (stack !== undefined) counts.set(stack, (counts.get(stack) ?? 0) + 1);
    }
    return [...counts.entries()].sort(([a], [b]) => naturalCompare(a, b)).map(([name, n]) => [name, String(n)]);
}

export const STACK_HEADER = ['NAME', 'SERVICES'];
export const SERVICES_HEADER = ['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'];
export const PS_HEADER = ['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR', 'PORTS'];

export function serviceRows(services: readonly Service[]): string[][] {
    return [...services]
        .sort((a, b) => naturalCompare(a.Spec.Name ?? '', b.Spec.Name ?? ''))
        .map((s) => {
            const mode = s.Spec.Mode;
            const status = s.ServiceStatus;
            const modeName = mode?.Global ? 'global' : mode?.ReplicatedJob ? 'replicated job' : mode?.GlobalJob ? 'global job' : 'replicated';
            let replicas = status ? `${status.RunningTasks}/${status.DesiredTasks}` : '';
            if (modeName === 'replicated' && mode?.Replicated && (s.Spec.TaskTemplate.Placement?.MaxReplicas ?? 0) > 0) {
                replicas += ` (max ${s.Spec.TaskTemplate.Placement?.MaxReplicas} per node)`;
            }
            return [s.ID.slice(0, 12), s.Spec.Name ?? '', modeName, replicas, familiarImage(s.Spec.TaskTemplate.ContainerSpec?.Image ?? ''), ingressPorts(s.Endpoint?.Ports ?? [])];
        });
}

/** `name:tag` without the digest, as the CLI shows images. */
function familiarImage(image: string): string {
    const at = image.indexOf('@');
    return at === -1 ? image : image.slice(0, at);
}

function ingressPorts(ports: readonly PortConfig[]): string {
    const ingress = ports
        .filter((p) => p.PublishMode === 'ingress' || p.PublishMode === undefined)
        .sort((a, b) => textCompare(a.Protocol ?? '', b.Protocol ?? '') || (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0));
    const groups: string[] = [];
    let i = 0;
    while (i < ingress.length) {
        let j = i;
        while (
            j + 1 < ingress.length &&
            ingress[j + 1].Protocol === ingress[i].Protocol &&
            ingress[j + 1].PublishedPort === (ingress[j].PublishedPort ?? 0) + 1 &&
            ingress[j + 1].TargetPort === (ingress[j].TargetPort ?? 0) + 1
        ) {
            j++;
        }
        const first = ingress[i];
        const last = ingress[j];
        const published = i === j ? `${first.PublishedPort}` : `${first.PublishedPort}-${last.PublishedPort}`;
        const target = i === j ? `${first.TargetPort}` : `${first.TargetPort}-${last.TargetPort}`;
        groups.push(`*:${published}->${target}/${first.Protocol ?? 'tcp'}`);
        i = j + 1;
    }
    return groups.join(', ');
}

export function taskRows(tasks: readonly Task[], services: readonly Service[], nodes: readonly Node[], now = Date.now()): string[][] {
    const serviceNames = new Map(services.map((s) => [s.ID, s.Spec.Name ?? s.ID]));
    const nodeNames = new Map(nodes.map((n) => [n.ID, n.Spec.Name || n.Description?.Hostname || n.ID]));
    const named = tasks.map((t) => ({ task: t, name: taskName(t, serviceNames) }));
    named.sort((a, b) => naturalCompare(a.name, b.name) || textCompare(b.task.CreatedAt ?? '', a.task.CreatedAt ?? ''));
    let previous = '';
    return named.map(({ task, name }) => {
        const shownName = name === previous ? ` \\_ ${name}` : name;
        previous = name;
        const error = task.Status.Err ? `"${truncate(task.Status.Err, 30)}"` : '';
        const ports = (task.Status.PortStatus?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`).join(',');
        return [
            task.ID.slice(0, 12),
            shownName,
            familiarImage(task.Spec.ContainerSpec?.Image ?? ''),
            task.NodeID ? nodeNames.get(task.NodeID) ?? task.NodeID : '',
            capitalize(task.DesiredState),
            `${capitalize(task.Status.State ?? '')} ${humanDuration(now - Date.parse(task.Status.Timestamp ?? task.UpdatedAt))} ago`,
            error,
            ports,
        ];
    });
}

/** `<service>.<slot>`, or `<service>.<node id>` for global tasks, as `docker stack ps` names tasks. */
function taskName(task: Task, serviceNames: Map<string, string>): string {
    const service = serviceNames.get(task.ServiceID) ?? task.ServiceID;
    return task.Slot ? `${service}.${task.Slot}` : `${service}.${task.NodeID ?? ''}`;
}

/**
 * One line per pending task the scheduler could not place, saying why in full (the ERROR column
 * keeps the CLI's 30 characters): `prod_db.1: no suitable node (…): no available node satisfies
 * the constraint node.labels.zone==west`.
 */
export function pendingTaskNotes(tasks: readonly Task[], services: readonly Service[], nodes: readonly Node[]): string[] {
    const byId = new Map(services.map((s) => [s.ID, s]));
    const serviceNames = new Map(services.map((s) => [s.ID, s.Spec.Name ?? s.ID]));
    const summaries = nodes.map(summarizeNode);
    return tasks
        .filter((t) => t.DesiredState === 'running')
        .map((t) => ({ name: taskName(t, serviceNames), reason: explainPendingTask(t, byId.get(t.ServiceID), summaries) }))
        .filter((n): n is { name: string; reason: string } => n.reason !== undefined)
        .sort((a, b) => naturalCompare(a.name, b.name))
        .map((n) => `${n.name}: ${n.reason}`);
}

function capitalize(s: string): string {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
}

function truncate(s: string, width: number): string {
    const chars = [...s];
    return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}

/** go-units HumanDuration, lower-cased as `docker stack ps` shows it. */
export function humanDuration(ms: number): string {
    const seconds = Math.floor(ms / 1000);
    if (seconds < 1) return 'less than a second';
    if (seconds === 1) return '1 second';
    if (seconds < 60) return `${seconds} seconds`;
    const minutes = Math.floor(seconds / 60);
    if (minutes === 1) return 'about a minute';
    if (minutes < 60) return `${minutes} minutes`;
    const hours = Math.round(minutes / 60);
    if (hours === 1) return 'about an hour';
    if (hours < 48) return `${hours} hours`;
    if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
    if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
    if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
    return `${Math.floor(hours / 24 / 365)} years`;
}
