/**
 * Deciding what to read, and when, to keep a picture of the swarm current from the engine's event stream, with few
 * requests. The engine emits events for services and nodes, and for the containers of the node it runs on, but none
 * for tasks (moby `daemon/cluster/executor/container/controller.go` emits container events; swarmkit has no task
 * events). So:
 * - an event marks only the lists it can have changed stale (`staleListsOf`), and the events of one burst share one
 *   read, made a short window after the first of them (a window that later events do not push back, so a steady
 *   stream of events cannot starve the view);
 * - a container event of a task says which state the manager is about to record for it (`started` → running, `die` →
 *   stopped...). The manager learns it from the node a little later (the dispatcher batches task status updates), so
 *   while a read shows the task short of that state, the tasks are read again shortly, a bounded number of times;
 * - tasks that are still on their way to their desired state on a node whose containers send us no events (another
 *   node, or no node yet) are read again after a pause that doubles while nothing changes.
 * Nothing here talks to the engine: the caller reads the lists `takeStale()` names and reports the tasks it got.
 */
import type { Node, Task } from './specs';
import { SNAPSHOT_LISTS, type SnapshotList } from './swarm-snapshot';

/** The fields of an engine event this reads (`GET /events`). */
export interface SwarmEvent {
    Type: string;
    Action: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** The event types whose events can change a snapshot: what the event stream subscribes to. */
export const FOLLOWED_EVENT_TYPES = ['service', 'node', 'container'];

const TASK_ID_LABEL = 'com.docker.swarm.task.id';
const NODE_ID_LABEL = 'com.docker.swarm.node.id';

// Task states in the order a task goes through them (swarmkit `api/types.proto` TaskState); the ones from `complete`
// on are final.
const TASK_STATE_ORDER = ['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'];
const FINAL_TASK_STATES = new Set(['complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned']);

function rank(state: string): number {
    return FINAL_TASK_STATES.has(state) ? TASK_STATE_ORDER.length : TASK_STATE_ORDER.indexOf(state);
}

/**
 * The state a task container's event announces for its task, as a lowest rank the task will reach: `create` is the
 * end of preparing (ready), `start` leads to running, `die` and `stop` to a final state. Other container actions
 * (exec, attach, kill before the die, network connects...) announce nothing.
 */
function announcedRank(action: string): number | undefined {
    switch (action) {
        case 'create':
            return rank('ready');
        case 'start':
            return rank('running');
        case 'die':
        case 'stop':
            return rank('complete');
        default:
            // A health status change moves a starting task to running (or, unhealthy, towards a restart).
            return action.startsWith('health_status') ? rank('starting') : undefined;
    }
}

/** The lists an event can have changed. */
export function staleListsOf(event: SwarmEvent): readonly SnapshotList[] {
    switch (event.Type) {
        // A service change changes its tasks next (the orchestrator acts on it), on nodes that may send no events.
        case 'service':
            return ['services', 'tasks'];
        // A node going down or drained changes the tasks placed on it, and the node list.
        case 'node':
            return SNAPSHOT_LISTS;
        case 'container':
            return event.Actor?.Attributes?.[TASK_ID_LABEL] && announcedRank(event.Action) !== undefined ? ['tasks'] : [];
        default:
            return [];
    }
}

/** True when the task is on its way to its desired state: it will change without anyone asking. */
export function isSettling(task: Task): boolean {
    const state = task.Status.State ?? '';
    if (FINAL_TASK_STATES.has(state)) return false;
    const desired = task.DesiredState;
    if (FINAL_TASK_STATES.has(desired)) return true;
    return rank(state) < rank(desired);
}

export interface FollowTimers {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

const realTimers: FollowTimers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface FollowTiming {
    /** How long after the first event of a burst the burst's read starts. */
    windowMs: number;
    /** Pause before reading again a task whose container announced a state the manager has not recorded yet. */
    confirmMs: number;
    /** Reads of one announcement before it is given up (a health check may hold a task in starting for long). */
    confirmReads: number;
    /** First and longest pause between reads of tasks settling where no events tell us. */
    settleMinMs: number;
    settleMaxMs: number;
}

export const FOLLOW_TIMING: FollowTiming = { windowMs: 400, confirmMs: 200, confirmReads: 4, settleMinMs: 250, settleMaxMs: 8_000 };

/**
 * The schedule of reads for one follower of the event stream. `requestRead` is called when a read should start; the
 * read asks `takeStale()` which lists to fetch and reports back with `readDone` or `readFailed`.
 */
export class SwarmFollower {
    private readonly stale = new Set<SnapshotList>();
    private windowTimer: unknown;
    private followUpTimer: unknown;
    private settleDelay: number;
    /** Tasks whose container announced a state: the rank they will reach, and the reads left to see it. */
    private readonly announced = new Map<string, { rank: number; readsLeft: number }>();
    /** Nodes whose task containers we hear about: their tasks' changes come with events. */
    private readonly heardNodes = new Set<string>();
    private disposed = false;

    constructor(
        private readonly requestRead: () => void,
        private readonly timing: FollowTiming = FOLLOW_TIMING,
        private readonly timers: FollowTimers = realTimers,
    ) {
        this.settleDelay = timing.settleMinMs;
    }

    /** An engine event arrived. */
    onEvent(event: SwarmEvent): void {
        const lists = staleListsOf(event);
        if (lists.length === 0 || this.disposed) return;
        for (const list of lists) this.stale.add(list);
        const attributes = event.Actor?.Attributes ?? {};
        const taskId = attributes[TASK_ID_LABEL];
        const announced = announcedRank(event.Action);
        if (event.Type === 'container' && taskId && announced !== undefined) {
            if (attributes[NODE_ID_LABEL]) this.heardNodes.add(attributes[NODE_ID_LABEL]);
            const previous = this.announced.get(taskId);
            this.announced.set(taskId, { rank: Math.max(announced, previous?.rank ?? -1), readsLeft: this.timing.confirmReads });
        }
        if (this.windowTimer === undefined) {
            this.windowTimer = this.timers.setTimeout(() => {
                this.windowTimer = undefined;
                this.requestRead();
            }, this.timing.windowMs);
        }
    }

    /** Everything is to be read again (a refresh, a reconnection, a failed read). */
    markAllStale(): void {
        for (const list of SNAPSHOT_LISTS) this.stale.add(list);
    }

    /** The lists a read starting now fetches; from now on they count as fresh. */
    takeStale(): SnapshotList[] {
        const lists = SNAPSHOT_LISTS.filter((list) => this.stale.has(list));
        this.stale.clear();
        return lists;
    }

    /** A read that fetched `lists` did not complete: they are stale again, for the next read. */
    readFailed(lists: readonly SnapshotList[]): void {
        for (const list of lists) this.stale.add(list);
    }

    /**
     * A read completed; `tasks` is the task list the picture now shows, `before` the one it showed, `nodes` the node
     * list it shows.
     */
    readDone(tasks: readonly Task[], before: readonly Task[] | undefined, nodes: readonly Node[] = []): void {
        if (this.disposed) return;
        const byId = new Map(tasks.map((task) => [task.ID, task]));
        for (const [id, announcement] of this.announced) {
            const task = byId.get(id);
            announcement.readsLeft--;
            if (!task || rank(task.Status.State ?? '') >= announcement.rank || announcement.readsLeft <= 0) this.announced.delete(id);
        }
        this.cancelFollowUp();
        if (this.announced.size > 0) {
            this.followUp(this.timing.confirmMs);
            return;
        }
        // Tasks on a node that is down change when it comes back, which a node event tells.
        const down = new Set(nodes.filter((node) => node.Status.State !== 'ready').map((node) => node.ID));
        const unheard = tasks.filter((task) => isSettling(task) && !(task.NodeID && (this.heardNodes.has(task.NodeID) || down.has(task.NodeID))));
        if (unheard.length === 0) {
            this.settleDelay = this.timing.settleMinMs;
            return;
        }
        // Changing: look again soon. Not changing (a task pending for want of a node, an image pulled for minutes):
        // look less and less often.
        const changed = !before || unheard.some((task) => !sameState(task, before.find((b) => b.ID === task.ID)));
        this.settleDelay = changed ? this.timing.settleMinMs : Math.min(this.settleDelay * 2, this.timing.settleMaxMs);
        this.followUp(this.settleDelay);
    }

    dispose(): void {
        this.disposed = true;
        if (this.windowTimer !== undefined) this.timers.clearTimeout(this.windowTimer);
        this.windowTimer = undefined;
        this.cancelFollowUp();
        this.announced.clear();
        this.stale.clear();
    }

    private followUp(ms: number): void {
        this.followUpTimer = this.timers.setTimeout(() => {
            this.followUpTimer = undefined;
            this.stale.add('tasks');
            this.requestRead();
        }, ms);
    }

    private cancelFollowUp(): void {
        if (this.followUpTimer !== undefined) this.timers.clearTimeout(this.followUpTimer);
        this.followUpTimer = undefined;
    }
}

function sameState(task: Task, other: Task | undefined): boolean {
    return !!other && other.Status.State === task.Status.State && other.DesiredState === task.DesiredState && other.NodeID === task.NodeID;
}
