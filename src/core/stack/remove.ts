/**
 * `rm`: services, then secrets, then configs, then networks, all found by the stack label (docker/cli `cli/command/stack/remove.go`).
 * With `wait`, returns only when the stack's tasks and networks are gone (bounded), instead of the
 * CLI's busy loop.
 */
import { CancelledError } from '../cancellation';
import { naturalCompare, stackLabelFilter } from './names';
import type { CallOptions, StackEngine } from './engine';

interface RemoveOptions extends CallOptions {
    wait?: boolean;
    waitTimeoutMs?: number;
    onProgress?(message: string): void;
}

interface RemoveResult {
    removed: string[];
    failures: string[];
    nothingFound: boolean;
}

export async function removeStack(engine: StackEngine, stack: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    const call: CallOptions = { signal: options.signal };
    const filter = stackLabelFilter(stack);
    const [services, networks, secrets, configs] = await Promise.all([
        engine.listServices(filter, {}, call),
        engine.listNetworks(filter, call),
        engine.listSecrets(filter, call),
        engine.listConfigs(filter, call),
    ]);
    const result: RemoveResult = { removed: [], failures: [], nothingFound: false };
    if (!services.length && !networks.length && !secrets.length && !configs.length) {
        result.nothingFound = true;
        return result;
    }
    const progress = options.onProgress ?? (() => undefined);
    const attempt = async (kind: string, name: string, id: string, remove: (id: string, options: CallOptions) => Promise<void>) => {
        progress(`Removing ${kind} ${name}`);
        try {
            await remove(id, call);
            result.removed.push(`${kind} ${name}`);
        } catch (error) {
            if (options.signal?.aborted) throw error;
            result.failures.push(`Failed to remove ${kind} ${id}: ${error instanceof Error ? error.message : String(error)}`);
        }
    };
    const sortedServices = [...services].sort((a, b) => naturalCompare(a.Spec.Name ?? '', b.Spec.Name ?? ''));
    await Promise.all(sortedServices.map((s) => attempt('service', s.Spec.Name ?? s.ID, s.ID, (id, o) => engine.removeService(id, o))));
    await Promise.all([
        ...secrets.map((s) => attempt('secret', s.Spec.Name, s.ID, (id, o) => engine.removeSecret(id, o))),
        ...configs.map((c) => attempt('config', c.Spec.Name, c.ID, (id, o) => engine.removeConfig(id, o))),
    ]);
    if (options.wait) {
        // Networks can only go once the tasks attached to them are gone.
        await waitUntil(async () => (await engine.listTasks(filter, call)).every((t) => TERMINAL.has(t.Status.State ?? '')), options);
    }
    await Promise.all(networks.map((n) => attempt('network', n.Name, n.Id, (id, o) => retryInUse(() => engine.removeNetwork(id, o), options))));
    if (options.wait && !result.failures.length) {
        await waitUntil(async () => (await engine.listNetworks(filter, call)).length === 0, options);
    }
    return result;
}

const TERMINAL = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

async function waitUntil(condition: () => Promise<boolean>, options: RemoveOptions): Promise<void> {
    const deadline = Date.now() + (options.waitTimeoutMs ?? 60_000);
    for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
        if (options.signal?.aborted) throw new CancelledError();
        if (await condition()) return;
        if (Date.now() > deadline) throw new Error('timed out waiting for the stack to be removed; the engine goes on removing it');
        await new Promise((resolve) => setTimeout(resolve, delay));
    }
}

/** A network whose last task is still detaching answers "in use" for a moment: retry briefly. */
async function retryInUse(remove: () => Promise<void>, options: RemoveOptions): Promise<void> {
    const deadline = Date.now() + (options.wait ? options.waitTimeoutMs ?? 60_000 : 0);
    for (;;) {
        try {
            return await remove();
        } catch (error) {
            const message = error instanceof Error ? error.message : '';
            if (!/in use|active endpoints/i.test(message) || Date.now() > deadline || options.signal?.aborted) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    }
}
