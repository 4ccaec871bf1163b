/**
 * How late the Swarm view shows what the engine recorded: the view's snapshots of one service as they arrive, and,
 * against the task states the engine recorded (read from the engine afterwards, not polled meanwhile), when the view
 * first showed each. Shared by bench/follow.ts and the engine test of the model.
 */
import type { Task } from '../../src/core/specs';
import type { SwarmSnapshot } from '../../src/core/swarm-snapshot';

/** What the view showed of one service at one moment. */
export interface Sighting {
    /** Date.now() when the snapshot was published: the same clock as the engine's timestamps on this machine. */
    at: number;
    /** The service's tasks as the view lists them: id → state. */
    tasks: Map<string, string>;
    updateState?: string;
    running: number;
}

export function sightingOf(snapshot: SwarmSnapshot, serviceId: string, at = Date.now()): Sighting {
    const service = [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].find((s) => s.id === serviceId);
    return {
        at,
        tasks: new Map((service?.tasks ?? []).map((t) => [t.id, t.state])),
        updateState: service?.updateState,
        running: service?.running ?? 0,
    };
}

export interface Lag {
    what: string;
    ms: number;
}

/**
 * For every task state the engine recorded at or after `since` (`Status.State` at `Status.Timestamp`): lag = when
 * a sighting first showed it − the engine's timestamp. A task the view lists (the last sighting has it) must appear
 * in that state; a task the view stops listing once shut down counts as shown by the first sighting after its
 * timestamp that does not list it in another state. `completedAt`: the update's `UpdateStatus.CompletedAt`, shown when
 * a sighting says completed.
 */
export function viewLags(engineTasks: readonly Task[], sightings: readonly Sighting[], since: number, completedAt?: string): { lags: Lag[]; missed: string[]; recorded: Task[] } {
    const seen = sightings.filter((s) => s.at >= since);
    const last = sightings.at(-1);
    const lags: Lag[] = [];
    const missed: string[] = [];
    const recorded = engineTasks.filter((t) => t.Status.Timestamp && Date.parse(t.Status.Timestamp) >= since);
    for (const task of recorded) {
        const state = task.Status.State ?? 'unknown';
        const at = Date.parse(task.Status.Timestamp!);
        const listed = last?.tasks.has(task.ID) ?? false;
        const first = seen.find((s) => (listed ? s.tasks.get(task.ID) === state : s.at >= at && (!s.tasks.has(task.ID) || s.tasks.get(task.ID) === state)));
        const what = `slot ${task.Slot ?? task.NodeID} ${task.ID.slice(0, 10)} ${state}${listed ? '' : ' (no longer listed)'}`;
        if (first) lags.push({ what, ms: first.at - at });
        else missed.push(what);
    }
    if (completedAt) {
        const done = seen.find((s) => s.updateState === 'completed');
        if (done) lags.push({ what: 'update completed', ms: done.at - Date.parse(completedAt) });
        else missed.push('update completed');
    }
    return { lags, missed, recorded };
}
