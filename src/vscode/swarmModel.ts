import * as vscode from 'vscode';
import { isCancellation } from '../core/cancellation';
import { FreshReads } from '../core/fresh-reads';
import { FOLLOWED_EVENT_TYPES, SwarmFollower } from '../core/swarm-follow';
import { SNAPSHOT_LISTS, buildSnapshot, readSnapshotLists, type SnapshotLists, type SwarmSnapshot } from '../core/swarm-snapshot';
import type { DockerSession } from './dockerSession';

type SwarmState =
    | { kind: 'loading' }
    | { kind: 'ready'; snapshot: SwarmSnapshot }
    | { kind: 'unreachable'; message: string }
    | { kind: 'notManager'; message: string };

// Events are the source of truth; this slow poll only covers events the engine did not send.
const FALLBACK_POLL_MS = 60_000;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 10_000;

/**
 * The one reader of swarm state for the views and the CodeLens. It runs only while someone holds
 * it (a visible view, a visible compose editor): then it follows the engine's event stream,
 * re-reads only the lists an event can have changed (each one call, whatever the number of stacks;
 * ../core/swarm-follow.ts decides which and when), reconnects by itself when the engine comes
 * back, and polls slowly as a fallback.
 */
export class SwarmModel implements vscode.Disposable {
    private stateValue: SwarmState = { kind: 'loading' };
    private readonly changeEmitter = new vscode.EventEmitter<SwarmState>();
    private holders = 0;
    private running: AbortController | undefined;
    /** What the events of the current run make stale, and when to read it. */
    private follower: SwarmFollower | undefined;
    /** The lists the snapshot was built from; reads of only some lists keep the others. */
    private lists: SnapshotLists | undefined;
    /** Set by refresh(): the next read fetches all three lists, whatever the events said. */
    private refreshAll = false;
    private pollTimer: NodeJS.Timeout | undefined;
    /** Reads handed to refresh() callers: each gets one that started after its call; stop() aborts the one in flight. */
    private readonly reads = new FreshReads((signal) => this.readState(signal));
    private readonly subscriptions: vscode.Disposable[] = [];

    readonly onDidChange = this.changeEmitter.event;

    constructor(
        private readonly session: DockerSession,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.subscriptions.push(
            session.onDidChangeClient(() => {
                if (this.running) {
                    this.stop();
                    this.start();
                }
            }),
        );
    }

    get state(): SwarmState {
        return this.stateValue;
    }

    get snapshot(): SwarmSnapshot | undefined {
        return this.stateValue.kind === 'ready' ? this.stateValue.snapshot : undefined;
    }

    /** Keeps the model live until the returned disposable is disposed. */
    hold(): vscode.Disposable {
        this.holders++;
        if (this.holders === 1) {
            this.start();
        }
        let released = false;
        return new vscode.Disposable(() => {
            if (released) return;
            released = true;
            this.holders--;
            if (this.holders === 0) {
                this.stop();
            }
        });
    }

    /**
     * Refreshes now (manual refresh, after a command) and resolves when a read that started after this call is in:
     * never the result of a read that began before the caller's change.
     */
    refresh(): Promise<void> {
        this.refreshAll = true;
        return this.reads.request();
    }

    private start(): void {
        const controller = new AbortController();
        this.running = controller;
        this.follower = new SwarmFollower(() => void this.reads.request());
        // On the next turn: a view visible at start-up holds the model during activate(), which must not load the
        // Docker client (the first read and the event stream need it).
        setImmediate(() => {
            if (this.running !== controller) return;
            void this.refresh();
            void this.followEvents(controller.signal);
        });
        this.pollTimer = setInterval(() => void this.refresh(), FALLBACK_POLL_MS);
    }

    private stop(): void {
        this.running?.abort();
        // A read in flight would otherwise land after the stop (or after the client changed) and show stale state.
        this.reads.abort();
        this.running = undefined;
        this.follower?.dispose();
        this.follower = undefined;
        // The next run may talk to another endpoint: its first read reads everything.
        this.lists = undefined;
        if (this.pollTimer) clearInterval(this.pollTimer);
        this.pollTimer = undefined;
    }

    private async readState(signal: AbortSignal): Promise<void> {
        const follower = this.follower;
        if (this.refreshAll) follower?.markAllStale();
        this.refreshAll = false;
        // Without a follower (a refresh while no one holds the model) there are no events to go by: read everything.
        const lists = follower ? follower.takeStale() : [...SNAPSHOT_LISTS];
        const previous = this.lists;
        if (lists.length === 0 && previous) return;
        try {
            const read = await readSnapshotLists(this.session.client, lists, previous, signal);
            if (signal.aborted) {
                follower?.readFailed(lists);
                return;
            }
            this.lists = read;
            this.setState({ kind: 'ready', snapshot: buildSnapshot(read.services, read.tasks, read.nodes) });
            follower?.readDone(read.tasks, previous?.tasks, read.nodes);
        } catch (error) {
            // Whatever was read before may be stale now: the next read reads everything.
            this.lists = undefined;
            follower?.readFailed(SNAPSHOT_LISTS);
            if (signal.aborted || isCancellation(error)) return;
            const message = error instanceof Error ? error.message : String(error);
            // The client that failed has loaded the Docker modules already; activation does not load them.
            const { isDockerError } = require('../docker/errors') as typeof import('../docker/errors');
            if (isDockerError(error, 'notSwarmManager')) {
                this.setState({ kind: 'notManager', message });
            } else {
                this.setState({ kind: 'unreachable', message });
            }
        }
    }

    private setState(state: SwarmState): void {
        const previous = this.stateValue;
        if (state.kind !== previous.kind || state.kind !== 'ready') {
            if (state.kind !== 'ready') this.log.warn(`Swarm state: ${state.kind}${'message' in state ? `: ${state.message}` : ''}`);
            else this.log.info('Swarm state: ready');
        }
        this.stateValue = state;
        void vscode.commands.executeCommand('setContext', 'swarmStacks.state', state.kind);
        this.changeEmitter.fire(state);
    }

    /** Follows the event stream; reconnects with a growing delay while the engine is away. */
    private async followEvents(signal: AbortSignal): Promise<void> {
        let delay = RECONNECT_MIN_MS;
        let reconnecting = false;
        while (!signal.aborted) {
            try {
                const events = await this.session.client.events({ filters: { type: FOLLOWED_EVENT_TYPES } }, signal);
                delay = RECONNECT_MIN_MS;
                // Connected again after a gap: what happened meanwhile is unknown, so read everything.
                // (The first connection needs no read of its own: start() has just made one.)
                if (reconnecting) void this.refresh();
                for await (const event of events) {
                    this.follower?.onEvent(event);
                }
            } catch (error) {
                if (signal.aborted || isCancellation(error)) return;
                this.log.debug(`Event stream: ${error instanceof Error ? error.message : String(error)}`);
            }
            if (signal.aborted) return;
            reconnecting = true;
            // The stream ended: the engine restarted or went away. Show it, and try again.
            await this.refresh();
            await sleep(delay, signal);
            delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        }
    }

    dispose(): void {
        this.stop();
        for (const s of this.subscriptions) s.dispose();
        this.changeEmitter.dispose();
    }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        function done(): void {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
        }
    });
}
