/**
 * `rm`: services, then secrets, then configs, then networks, all found by the stack label and removed in one go, as
 * docker/cli `cli/command/stack/swarm/remove.go` does. The networks do not wait for the tasks to stop: once a service
 * is deleted its tasks' desired state is past running, and the swarm manager accepts the network's removal
 * (moby/swarmkit `manager/controlapi/network.go`, removeNetwork). Waiting for the tasks first left the network behind
 * whenever that wait was cut short: the window closing, Cancel, or the wait's time limit.
 *
 * With `wait`, returns only when the stack's tasks and networks are gone (bounded), instead of the CLI's busy loop.
 * The signal stops the listing (nothing removed yet) and the waiting (everything removed), never the removal itself:
 * a stack is not left half-removed because someone pressed Cancel.
 */
import { pause } from '../cancellation';
import { naturalCompare, stackLabelFilter } from './names';
import type { CallOptions, StackEngine } from './engine';
import type { Network, Task } from '../specs';

interface RemoveOptions extends CallOptions {
    wait?: boolean;
    waitTimeoutMs?: number;
    /** How long a network the engine still reports in use by a stopping task is tried again (default 30 s). */
    inUseRetryMs?: number;
    onProgress?(message: string): void;
}

interface RemoveResult {
    removed: string[];
    /** One sentence per object that could not be removed, naming it (and, for a network, what still holds it). */
    failures: string[];
    nothingFound: boolean;
    /** With `wait`: 'gone' once the tasks and networks are gone; 'cancelled' when the signal stopped the waiting. */
    waited?: 'gone' | 'cancelled';
}

/**
 * Long enough for the default stop_grace_period (10 s) and the task's removal after it: engines before swarmkit
 * ignored a task's desired state and refused the network until its tasks were gone.
 */
const IN_USE_RETRY_MS = 30_000;

export async function removeStack(engine: StackEngine, stack: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    const listing: CallOptions = { signal: options.signal };
    const filter = stackLabelFilter(stack);
    const [services, networks, secrets, configs] = await Promise.all([
        engine.listServices(filter, {}, listing),
        engine.listNetworks(filter, listing),
        engine.listSecrets(filter, listing),
        engine.listConfigs(filter, listing),
    ]);
    const result: RemoveResult = { removed: [], failures: [], nothingFound: false };
    if (!services.length && !networks.length && !secrets.length && !configs.length) {
        result.nothingFound = true;
        return result;
    }
    const progress = options.onProgress ?? (() => undefined);
    // No signal from here on: each request is bounded by the client's timeout, and all of them are sent.
    const attempt = async (kind: string, name: string, remove: () => Promise<void>, describeFailure = (error: unknown) => Promise.resolve(messageOf(error))) => {
        progress(`Removing ${kind} ${name}`);
        try {
            await remove();
            result.removed.push(`${kind} ${name}`);
        } catch (error) {
            result.failures.push(`Failed to remove ${kind} ${name}: ${await describeFailure(error)}`);
        }
    };
    const sortedServices = [...services].sort((a, b) => naturalCompare(a.Spec.Name ?? '', b.Spec.Name ?? ''));
    await Promise.all(sortedServices.map((s) => attempt('service', s.Spec.Name ?? s.ID, () => engine.removeService(s.ID))));
    await Promise.all([
        ...secrets.map((s) => attempt('secret', s.Spec.Name, () => engine.removeSecret(s.ID))),
        ...configs.map((c) => attempt('config', c.Spec.Name, () => engine.removeConfig(c.ID))),
    ]);
    const serviceNames = new Map(services.map((s) => [s.ID, s.Spec.Name ?? s.ID]));
    const retryMs = Math.min(options.inUseRetryMs ?? IN_USE_RETRY_MS, options.wait ? options.waitTimeoutMs ?? Infinity : Infinity);
    await Promise.all(
        networks.map((n) =>
            attempt(
                'network',
                n.Name,
                () => retryWhileTasksStop(() => engine.removeNetwork(n.Id), retryMs, options.signal),
                (error) => describeNetworkFailure(engine, n, error, serviceNames, options.signal),
            ),
        ),
    );
    if (options.wait && !result.failures.length) {
        result.waited = await waitUntilGone(engine, filter, options);
    }
    return result;
}

const TERMINAL = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** 'gone' when the stack's tasks have stopped and its networks are gone; 'cancelled' when the signal stopped it. */
async function waitUntilGone(engine: StackEngine, filter: Record<string, string[]>, options: RemoveOptions): Promise<'gone' | 'cancelled'> {
    const call: CallOptions = { signal: options.signal };
    const timeoutMs = options.waitTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    try {
        for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
            if (options.signal?.aborted) return 'cancelled';
            const [tasks, networks] = await Promise.all([engine.listTasks(filter, call), engine.listNetworks(filter, call)]);
            if (!networks.length && tasks.every((t) => TERMINAL.has(t.Status.State ?? ''))) return 'gone';
            if (Date.now() > deadline) {
                throw new Error(`everything was removed, but its tasks had not all stopped after ${+(timeoutMs / 1000).toFixed(1)} s; the engine goes on stopping them`);
            }
            await pause(delay, options.signal);
        }
    } catch (error) {
        if (options.signal?.aborted) return 'cancelled';
        throw error;
    }
}

/**
 * The engine answers "in use by task" (swarm) or "has active endpoints" (local) while a task of the removed services
 * is still on its way out: try again, bounded. Anything else (e.g. "in use by service" of another stack) is final.
 */
async function retryWhileTasksStop(remove: () => Promise<void>, retryMs: number, signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + retryMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 1_000)) {
        try {
            return await remove();
        } catch (error) {
            const remaining = deadline - Date.now();
            if (!STOPPING_TASK.test(messageOf(error)) || remaining <= 0) throw error;
            // Cancelled: the engine's last answer is what the failure reports.
            await pause(Math.min(delay, remaining), signal).catch(() => {
                throw error;
            });
        }
    }
}

const STOPPING_TASK = /in use by task|active endpoints/i;

/** The engine's answer, and what holds the network: the task (by service and slot) or the endpoints attached to it. */
async function describeNetworkFailure(engine: StackEngine, network: Network, error: unknown, serviceNames: Map<string, string>, signal: AbortSignal | undefined): Promise<string> {
    const message = messageOf(error);
    const stopped = signal?.aborted ? '; stopped trying when cancelled' : '';
    const holders = await networkHolders(engine, network, message, serviceNames).catch(() => '');
    return `${message}${holders ? ` (${holders})` : ''}${stopped}`;
}

async function networkHolders(engine: StackEngine, network: Network, message: string, serviceNames: Map<string, string>): Promise<string> {
    const call: CallOptions = { timeoutMs: 5_000 };
    const taskId = /in use by task (\S+)/i.exec(message)?.[1];
    if (taskId) {
        const [task] = await engine.listTasks({ id: [taskId] }, call);
        return task ? `task ${taskName(task, serviceNames)}: ${task.Status.State ?? 'unknown'}, desired ${task.DesiredState}` : '';
    }
    const serviceId = /in use by service (\S+)/i.exec(message)?.[1];
    if (serviceId) return `service ${(await engine.inspectService(serviceId, call)).Spec.Name ?? serviceId}`;
    const attached = Object.values((await engine.inspectNetwork(network.Id, call)).Containers ?? {})
        .map((endpoint) => (endpoint as { Name?: unknown }).Name)
        .filter((name): name is string => typeof name === 'string');
    return attached.length ? `attached: ${attached.sort(naturalCompare).join(', ')}` : '';
}

function taskName(task: Task, serviceNames: Map<string, string>): string {
    const service = serviceNames.get(task.ServiceID) ?? task.ServiceID;
    return `${service}.${task.Slot ?? task.NodeID ?? task.ID}`;
}

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
