/**
 * Waiting for a service to converge, as `docker service update` waits, but driven by the engine's
 * event stream: each event about the service (or one of its containers) triggers one targeted
 * read of the service and its tasks. A slow tick covers nodes whose container events this engine
 * does not see. Always bounded by a timeout.
 */
import { CancelledError, isCancellation } from '../cancellation';
import type { Service, Task } from '../specs';
import type { StackEngine } from './engine';

export interface ConvergenceProgress {
    serviceId: string;
    serviceName: string;
    running: number;
    desired: number;
    /** `updating`, `paused`, `rollback_started`, `completed`… or undefined for a plain create/scale. */
    updateState?: string;
    updateMessage?: string;
}

export type ConvergenceOutcome =
    | { kind: 'converged'; progress: ConvergenceProgress }
    | { kind: 'paused' | 'rolledBack' | 'failing'; progress: ConvergenceProgress; taskErrors: string[] };

export interface WaitOptions {
    timeoutMs: number;
    signal?: AbortSignal;
    onProgress?(progress: ConvergenceProgress): void;
    /** Fallback read interval when no event comes (multi-node: other nodes' containers). */
    tickMs?: number;
    /** Expect the service to end rolled back (the rollback verb) rather than updated. */
    expectRollback?: boolean;
}

export class ConvergenceTimeoutError extends Error {
    constructor(readonly progress: ConvergenceProgress | undefined, timeoutMs: number) {
        super(
            `${progress?.serviceName ?? 'service'} did not converge within ${Math.round(timeoutMs / 1000)} s` +
                (progress ? ` (${progress.running}/${progress.desired} running${progress.updateState ? `, update ${progress.updateState}` : ''}).` : '.') +
                ' The engine goes on with it.',
        );
        this.name = 'ConvergenceTimeoutError';
    }
}

const ACTIVE_UPDATE = new Set(['updating', 'rollback_started']);
// Tasks that failed this many times since the wait began, with none running, will not start by
// themselves (an image no node has, a command that exits): say so instead of waiting out the timeout.
const FAILURES_BEFORE_GIVING_UP = 3;

/** The state of one service, from one inspect and one task list. */
export function assessService(service: Service, tasks: readonly Task[], since = 0): { progress: ConvergenceProgress; converged: boolean; failed?: 'paused' | 'failing'; taskErrors: string[] } {
    const spec = service.Spec;
    const image = spec.TaskTemplate.ContainerSpec?.Image;
    const force = spec.TaskTemplate.ForceUpdate ?? 0;
    const current = tasks.filter((t) => t.DesiredState === 'running');
    const running = current.filter((t) => t.Status.State === 'running');
    const upToDate = running.filter((t) => t.Spec.ContainerSpec?.Image === image && (t.Spec.ForceUpdate ?? 0) === force);
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
    for (const t of [...tasks].sort((a, b) => (b.Status.Timestamp ?? '').localeCompare(a.Status.Timestamp ?? ''))) {
        if (t.Status.Err && (t.Status.State === 'failed' || t.Status.State === 'rejected')) {
            errorCounts.set(t.Status.Err, (errorCounts.get(t.Status.Err) ?? 0) + 1);
        }
    }
    const taskErrors = [...errorCounts].slice(0, 5).map(([error, count]) => `${error}${count > 1 ? ` (${count} tasks)` : ''}`);
    if (state === 'paused' || state === 'rollback_paused') {
        return { progress, converged: false, failed: 'paused', taskErrors };
    }
    const recentFailures = tasks.filter((t) => (t.Status.State === 'failed' || t.Status.State === 'rejected') && Date.parse(t.CreatedAt) >= since).length;
    if (desired > 0 && running.length === 0 && recentFailures >= FAILURES_BEFORE_GIVING_UP && !ACTIVE_UPDATE.has(state ?? '')) {
        return { progress, converged: false, failed: 'failing', taskErrors };
    }
    const settled = !ACTIVE_UPDATE.has(state ?? '') && upToDate.length === desired && current.length === desired;
    return { progress, converged: settled, taskErrors };
}

/** Waits until the service has converged, or its update paused or rolled back, or the time is up. */
export async function waitForService(engine: StackEngine, serviceId: string, options: WaitOptions): Promise<ConvergenceOutcome> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = Date.now() + options.timeoutMs;
    let last: ConvergenceProgress | undefined;
    // Task times come from the manager's clock: allow for a little skew.
    const since = Date.now() - 5_000;
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
            const [service, tasks] = await Promise.all([
                engine.inspectService(serviceId, { signal: controller.signal }),
                engine.listTasks({ service: [serviceId] }, { signal: controller.signal }),
            ]);
            const assessment = assessService(service, tasks, since);
            last = assessment.progress;
            options.onProgress?.(assessment.progress);
            if (assessment.failed) {
                return { kind: assessment.failed, progress: assessment.progress, taskErrors: assessment.taskErrors };
            }
            if (assessment.converged) {
                const rolledBack = assessment.progress.updateState === 'rollback_completed' && !options.expectRollback;
                return rolledBack
                    ? { kind: 'rolledBack', progress: assessment.progress, taskErrors: assessment.taskErrors }
                    : { kind: 'converged', progress: assessment.progress };
            }
            const remaining = deadline - Date.now();
            if (remaining <= 0) throw new ConvergenceTimeoutError(last, options.timeoutMs);
            await new Promise<void>((resolve) => {
                const timer = setTimeout(done, Math.min(options.tickMs ?? 2_000, remaining));
                wake = done;
                controller.signal.addEventListener('abort', done, { once: true });
                function done(): void {
                    clearTimeout(timer);
                    wake = undefined;
                    controller.signal.removeEventListener('abort', done);
                    resolve();
                }
            });
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
    const p = outcome.progress;
    switch (outcome.kind) {
        case 'converged':
            return `${p.serviceName}: ${p.running}/${p.desired} running, converged`;
        case 'paused':
            return `service ${p.updateState === 'rollback_paused' ? 'rollback' : 'update'} paused: ${p.updateMessage ?? ''}` + errorsSuffix(outcome.taskErrors);
        case 'failing':
            return `${p.serviceName}: no task could start (${p.running}/${p.desired} running); the engine keeps trying.` + errorsSuffix(outcome.taskErrors);
        case 'rolledBack':
            return `${p.serviceName}: the update was rolled back: ${p.updateMessage ?? ''}` + errorsSuffix(outcome.taskErrors);
    }
}

function errorsSuffix(errors: string[]): string {
    return errors.length ? `\nFailing tasks:\n  ${errors.join('\n  ')}` : '';
}
