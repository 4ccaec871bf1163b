/**
 * Waiting for a service to converge, as `docker service update` waits, but driven by the engine's
 * event stream: each event about the service (or one of its containers) triggers one targeted
 * read of the service and its tasks. A slow tick covers nodes whose container events this engine
 * does not see. Always bounded by a timeout.
 */
import { textCompare } from '../collation';
import { CancelledError, isCancellation } from '../cancellation';
import type { ContainerSpec, Node, Service, Task } from '../specs';
import { explainPendingTask } from '../nodes/pending';
import { summarizeNode } from '../swarm-snapshot';
import { canonicalSpec } from './spec-diff';
import { errorKind, type StackEngine } from './engine';

export interface ConvergenceProgress {
    serviceId: string;
    serviceName: string;
    running: number;
    desired: number;
    /** `updating`, `paused`, `rollback_started`, `completed`… or undefined for a plain create/scale. */
    updateState?: string;
    updateMessage?: string;
    /** Nodes that hold (or held, since the wait began) tasks of the service and are not ready: `node3 (10.210.0.3): down`. */
    nodesLost?: string[];
    /** Why the tasks the scheduler cannot place wait, naming the constraint, limit or nodes (one line per distinct reason). */
    unplaced?: string[];
    /** Nodes that rejected tasks since the wait began because they could not get the image: `node2, node3: No such image: …`. */
    pullRejected?: string[];
    /**
     * The errors of tasks that failed or were rejected since the wait began while none runs, newest first: the engine
     * retries them (a pool overlap after a network removal, an image pull), so they are reported, not yet a failure.
     */
    retrying?: string[];
}

export type ConvergenceOutcome =
    | { kind: 'converged'; progress: ConvergenceProgress }
    /** The service was removed during the wait (its stack removed meanwhile): nothing is left to wait for. */
    | { kind: 'removed'; serviceName: string }
    | { kind: 'paused' | 'rolledBack' | 'failing' | 'unplaceable'; progress: ConvergenceProgress; taskErrors: string[]; /** failing: how long the engine retried in vain during the wait. */ failingForMs?: number };

export interface WaitOptions {
    timeoutMs: number;
    signal?: AbortSignal;
    onProgress?(progress: ConvergenceProgress): void;
    /** Fallback read interval when no event comes (multi-node: other nodes' containers). */
    tickMs?: number;
    /** How long convergence must hold when the engine reports no completed update (default 2 s). */
    settleMs?: number;
    /** Expect the service to end rolled back (the rollback verb) rather than updated. */
    expectRollback?: boolean;
    /** How long tasks the scheduler cannot place may wait before the wait ends saying why (default 20 s). */
    unplaceableMs?: number;
    /** How long tasks may keep failing, none running, while the engine retries them before the wait fails (default 2 min). */
    retryWindowMs?: number;
}

export class ConvergenceTimeoutError extends Error {
    constructor(readonly progress: ConvergenceProgress | undefined, timeoutMs: number) {
        super(
            `${progress?.serviceName ?? 'service'} did not converge within ${Math.round(timeoutMs / 1000)} s` +
                (progress ? ` (${progress.running}/${progress.desired} running${progress.updateState ? `, update ${progress.updateState}` : ''}).` : '.') +
                (progress ? placementSuffix(progress) : '') +
                ' The engine goes on with it.' +
                (progress?.retrying?.length ? errorsSuffix(progress.retrying) : ''),
        );
        this.name = 'ConvergenceTimeoutError';
    }
}

const ACTIVE_UPDATE = new Set(['updating', 'rollback_started']);
// Tasks the scheduler cannot place (a lost node, constraints, max_replicas_per_node) stay pending until the
// swarm changes: once that has held this long, say why instead of waiting out the timeout.
const UNPLACEABLE_MS = 20_000;
const NODE_READY = 'ready';
const SETTLE_MS = 2_000;
// Tasks that failed this many times since the wait began, with none running, are failing rather than starting.
const FAILURES_BEFORE_RETRYING = 3;
// The engine retries failing tasks by itself, and some of them start in the end: on Engine 28.5 a network created
// right after a removal has its first tasks rejected ("invalid pool request: Pool overlaps with other one on this
// address space") until the freed pool is released; an image pull may succeed on a later try. The Docker CLI
// (docker/cli cli/command/service/progress/progress.go) never ends its wait on task errors: it shows the newest
// error of each slot and waits for every slot to run, failing only on a paused update or rollback. So failures are
// reported while the engine retries them, and end the wait only after this window without a running task (an
// image no node has, a command that exits) or at once when the restart policy says the engine will not retry.
const RETRY_WINDOW_MS = 120_000;

/** The state of one service, from one inspect and one task list. */
export function assessService(
    service: Service,
    tasks: readonly Task[],
    since = 0,
): { progress: ConvergenceProgress; converged: boolean; failed?: 'paused' | 'failing'; retrying?: boolean; taskErrors: string[] } {
    const spec = service.Spec;
    const wanted = containerSpecKey(spec.TaskTemplate.ContainerSpec);
    const force = spec.TaskTemplate.ForceUpdate ?? 0;
    const current = tasks.filter((t) => t.DesiredState === 'running');
    const running = current.filter((t) => t.Status.State === 'running');
    const upToDate = running.filter((t) => containerSpecKey(t.Spec.ContainerSpec) === wanted && (t.Spec.ForceUpdate ?? 0) === force);
    const replicated = spec.Mode?.Replicated !== undefined || spec.Mode === undefined;
    const desired = replicated ? spec.Mode?.Replicated?.Replicas ?? 1 : current.length;
    const state = service.UpdateStatus?.State;
    const progress: ConvergenceProgress = {
        serviceId: service.ID,
        serviceName: spec.Name ?? service.ID,
        running: running.length,
        desired,
        updateState: state,
        updateMessage: service.UpdateStatus?.Message,
    };
    // The newest failures first, one line per distinct error with how often it happened.
    const errorCounts = new Map<string, number>();
    for (const t of [...tasks].sort((a, b) => textCompare(b.Status.Timestamp ?? '', a.Status.Timestamp ?? ''))) {
        if (t.Status.Err && (t.Status.State === 'failed' || t.Status.State === 'rejected')) {
            errorCounts.set(t.Status.Err, (errorCounts.get(t.Status.Err) ?? 0) + 1);
        }
    }
    const taskErrors = [...errorCounts].slice(0, 5).map(([error, count]) => `${error}${count > 1 ? ` (${count} tasks)` : ''}`);
    if (state === 'paused' || state === 'rollback_paused') {
        return { progress, converged: false, failed: 'paused', taskErrors };
    }
    const recentFailures = tasks.filter((t) => (t.Status.State === 'failed' || t.Status.State === 'rejected') && Date.parse(t.CreatedAt) >= since).length;
    if (desired > 0 && running.length === 0 && recentFailures >= FAILURES_BEFORE_RETRYING && !ACTIVE_UPDATE.has(state ?? '')) {
        // Restart condition "none": the engine replaces no failed task, so nothing changes by waiting.
        if (spec.TaskTemplate.RestartPolicy?.Condition === 'none') return { progress, converged: false, failed: 'failing', taskErrors };
        return { progress: { ...progress, retrying: taskErrors }, converged: false, retrying: true, taskErrors };
    }
    const settled = !ACTIVE_UPDATE.has(state ?? '') && upToDate.length === desired && current.length === desired;
    return { progress, converged: settled, taskErrors };
}

/**
 * What a task must share with its service's spec to count as up to date: the container spec as the
 * engine stores it on tasks (which carry no StopGracePeriod), compared without zero values.
 */
function containerSpecKey(containerSpec: ContainerSpec | undefined): string {
    const { StopGracePeriod: _ignored, ...rest } = containerSpec ?? {};
    return JSON.stringify(sortKeys(canonicalSpec(rest)));
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
    }
    return value;
}

/** Waits until the service has converged, or its update paused or rolled back, or the time is up. */
export async function waitForService(engine: StackEngine, serviceId: string, options: WaitOptions): Promise<ConvergenceOutcome> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = Date.now() + options.timeoutMs;
    let last: ConvergenceProgress | undefined;
    let convergedSince: number | undefined;
    // Sleeps until the time is up, an event about the service pokes, or the wait is cancelled.
    const pause = (ms: number) =>
        new Promise<void>((resolve) => {
            const timer = setTimeout(done, ms);
            wake = done;
            controller.signal.addEventListener('abort', done, { once: true });
            function done(): void {
                clearTimeout(timer);
                wake = undefined;
                controller.signal.removeEventListener('abort', done);
                resolve();
            }
        });
    // Task times come from the manager's clock: allow for a little skew.
    const since = Date.now() - 5_000;
    // Nodes that ran tasks of the service during the wait, and since when tasks have been unplaceable.
    const nodesUsed = new Set<string>();
    let unplaceableSince: number | undefined;
    // Read once, when a node first rejects a task for its image: to name the nodes.
    let nodes: Node[] | undefined;
    let retryingSince: number | undefined;
    let wake: (() => void) | undefined;
    const poke = () => wake?.();

    // Events only wake the loop; the loop does the reads, so a burst of events costs one read.
    const follow = (async () => {
        try {
            const events = await engine.events({ filters: { type: ['service', 'container'] } }, controller.signal);
            for await (const event of events) {
                const attributes = event.Actor.Attributes ?? {};
                if (event.Actor.ID === serviceId || attributes['com.docker.swarm.service.id'] === serviceId) poke();
            }
        } catch {
            // Without events the tick still reads; nothing is lost but speed.
        }
    })();

    try {
        for (;;) {
            if (options.signal?.aborted) throw new CancelledError();
            // A service removed meanwhile is not found by either read (the engine resolves the task filter's service too).
            const gone = (error: unknown): undefined => {
                if (errorKind(error) === 'notFound') return undefined;
                throw error;
            };
            const [service, tasks] = await Promise.all([
                engine.inspectService(serviceId, { signal: controller.signal }).catch(gone),
                engine.listTasks({ service: [serviceId] }, { signal: controller.signal }).catch(gone),
            ]);
            if (!service || !tasks) return { kind: 'removed', serviceName: last?.serviceName ?? serviceId };
            const assessment = assessService(service, tasks, since);
            for (const t of tasks) if (t.NodeID && t.DesiredState === 'running') nodesUsed.add(t.NodeID);
            if (!assessment.converged && needsNodes(tasks)) {
                Object.assign(assessment.progress, placementOf(service, tasks, await engine.listNodes(undefined, { signal: controller.signal }), nodesUsed));
            }
            if (tasks.some((t) => isPullRejection(t, since))) {
                nodes ??= await engine.listNodes(undefined, { signal: controller.signal });
                const rejected = pullRejections(tasks, nodes, since);
                if (rejected.length) assessment.progress.pullRejected = rejected;
            }
            last = assessment.progress;
            options.onProgress?.(assessment.progress);
            const stuck = !assessment.converged && !assessment.failed && assessment.progress.unplaced?.length && !ACTIVE_UPDATE.has(assessment.progress.updateState ?? '');
            unplaceableSince = stuck ? unplaceableSince ?? Date.now() : undefined;
            if (unplaceableSince !== undefined && Date.now() - unplaceableSince >= (options.unplaceableMs ?? UNPLACEABLE_MS)) {
                return { kind: 'unplaceable', progress: assessment.progress, taskErrors: assessment.taskErrors };
            }
            if (assessment.failed) {
                return { kind: assessment.failed, progress: assessment.progress, taskErrors: assessment.taskErrors };
            }
            retryingSince = assessment.retrying ? retryingSince ?? Date.now() : undefined;
            const retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
            if (retryingSince !== undefined && Date.now() - retryingSince >= retryWindowMs) {
                return { kind: 'failing', progress: assessment.progress, taskErrors: assessment.taskErrors, failingForMs: Date.now() - retryingSince };
            }
            // Right after an update request the engine may not have started replacing tasks yet, and
            // a change outside the container spec (resources, placement) leaves them looking current:
            // convergence counts once it has held for a moment, or once the engine says the update it
            // started since the wait began is complete (as the CLI waits out the monitor period).
            const completedNow = Date.parse(service.UpdateStatus?.CompletedAt ?? '') >= since && Date.parse(service.UpdateStatus?.StartedAt ?? '') >= since;
            if (assessment.converged && convergedSince === undefined) convergedSince = Date.now();
            if (!assessment.converged) convergedSince = undefined;
            if (assessment.converged && !completedNow && Date.now() - (convergedSince ?? Date.now()) < (options.settleMs ?? SETTLE_MS)) {
                await pause(Math.min(options.settleMs ?? SETTLE_MS, Math.max(0, deadline - Date.now())));
                continue;
            }
            if (assessment.converged) {
                const rolledBack = assessment.progress.updateState === 'rollback_completed' && !options.expectRollback;
                return rolledBack
                    ? { kind: 'rolledBack', progress: assessment.progress, taskErrors: assessment.taskErrors }
                    : { kind: 'converged', progress: assessment.progress };
            }
            const remaining = deadline - Date.now();
            if (remaining <= 0) throw new ConvergenceTimeoutError(last, options.timeoutMs);
            await pause(Math.min(options.tickMs ?? 2_000, remaining));
        }
    } catch (error) {
        if (options.signal?.aborted && !isCancellation(error)) throw new CancelledError();
        throw error;
    } finally {
        controller.abort();
        options.signal?.removeEventListener('abort', onAbort);
        await follow;
    }
}

/** A sentence for an outcome that is not plain convergence. */
export function describeOutcome(outcome: ConvergenceOutcome): string {
    if (outcome.kind === 'removed') return `${outcome.serviceName} was removed during the wait; nothing is left to wait for`;
    const p = outcome.progress;
    switch (outcome.kind) {
        case 'converged':
            // Running everywhere it could is not success when some nodes could not get the image: the tasks piled onto the others.
            return p.pullRejected?.length
                ? `${p.serviceName}: ${p.running}/${p.desired} running, but only on the nodes that hold its image: ${p.pullRejected.join('; ')}.`
                : `${p.serviceName}: ${p.running}/${p.desired} running, converged`;
        case 'paused':
            return `service ${p.updateState === 'rollback_paused' ? 'rollback' : 'update'} paused: ${p.updateMessage ?? ''}` + errorsSuffix(outcome.taskErrors);
        case 'failing':
            return outcome.failingForMs !== undefined
                ? `${p.serviceName}: no task could start in ${Math.round(outcome.failingForMs / 1000)} s of retries (${p.running}/${p.desired} running); the engine keeps trying.` + errorsSuffix(outcome.taskErrors)
                : `${p.serviceName}: no task could start (${p.running}/${p.desired} running) and its restart policy (condition: none) replaces none.` + errorsSuffix(outcome.taskErrors);
        case 'rolledBack':
            return `${p.serviceName}: the update was rolled back: ${p.updateMessage ?? ''}` + errorsSuffix(outcome.taskErrors);
        case 'unplaceable':
            return `${p.serviceName}: ${p.running}/${p.desired} running; the rest cannot be placed.${placementSuffix(p)} The service is deployed; the engine places its tasks once a node can take them.`;
    }
}

/** ` Node node3 (10.210.0.3) is down. Pending: no suitable node (…): …` */
function placementSuffix(p: ConvergenceProgress): string {
    const lost = p.nodesLost?.length ? ` Lost during the wait: node ${p.nodesLost.join(', node ')}.` : '';
    const unplaced = p.unplaced?.length ? ` Pending: ${p.unplaced.join('; ')}.` : '';
    return lost + unplaced;
}

/** Nodes are read only when they can explain something: a pending task, or a task whose node may be gone. */
function needsNodes(tasks: readonly Task[]): boolean {
    return tasks.some((t) => t.DesiredState === 'running' && t.Status.State !== 'running');
}

/** The nodes lost during the wait and the reasons of the tasks that cannot be placed. */
function placementOf(service: Service, tasks: readonly Task[], nodes: readonly Node[], nodesUsed: ReadonlySet<string>): Pick<ConvergenceProgress, 'nodesLost' | 'unplaced'> {
    const summaries = nodes.map(summarizeNode);
    const nodesLost = nodes
        .filter((n) => nodesUsed.has(n.ID) && n.Status.State !== NODE_READY)
        .map((n) => `${summarizeNode(n).hostname}${n.Status.Addr ? ` (${n.Status.Addr})` : ''} is ${n.Status.State}${n.Status.Message ? ` (${n.Status.Message})` : ''}`);
    const unplaced = [
        ...new Set(tasks.filter((t) => t.DesiredState === 'running').map((t) => explainPendingTask(t, service, summaries)).filter((r): r is string => r !== undefined)),
    ];
    return { ...(nodesLost.length ? { nodesLost } : {}), ...(unplaced.length ? { unplaced } : {}) };
}

// The errors a node gives when it cannot get a task's image (moby `daemon/cluster/executor/container/adapter.go`
// pullImage and the registry's own words): no such image locally, a refused or missing login, an unknown manifest.
const PULL_ERROR = /no such image|pull access denied|manifest unknown|no basic auth credentials|unauthorized|authentication required|repository does not exist|failed to resolve reference|error pulling image/i;

function isPullRejection(task: Task, since: number): boolean {
    return (task.Status.State === 'rejected' || task.Status.State === 'failed') && PULL_ERROR.test(task.Status.Err ?? '') && Date.parse(task.CreatedAt) >= since;
}

/** The nodes that rejected tasks for their image since `since`, grouped by error: `node2, node3: No such image: …`. */
export function pullRejections(tasks: readonly Task[], nodes: readonly Node[], since: number): string[] {
    const names = new Map(nodes.map((n) => [n.ID, summarizeNode(n).hostname]));
    const byError = new Map<string, Set<string>>();
    for (const t of tasks) {
        if (!isPullRejection(t, since)) continue;
        const error = t.Status.Err ?? '';
        const set = byError.get(error) ?? new Set<string>();
        set.add(names.get(t.NodeID ?? '') ?? t.NodeID ?? 'a node');
        byError.set(error, set);
    }
    return [...byError].map(([error, set]) => `${[...set].sort(textCompare).join(', ')} could not get the image (${error})`);
}

function errorsSuffix(errors: string[]): string {
    return errors.length ? `\nFailing tasks:\n  ${errors.join('\n  ')}` : '';
}
