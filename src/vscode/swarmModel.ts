import * as vscode from 'vscode';
import { isCancellation } from '../core/cancellation';
import { FreshReads } from '../core/fresh-reads';
import { readSnapshot, type SwarmSnapshot } from '../core/swarm-snapshot';
import type { DockerSession } from './dockerSession';

type SwarmState =
    | { kind: 'loading' }
    | { kind: 'ready'; snapshot: SwarmSnapshot }
    | { kind: 'unreachable'; message: string }
    | { kind: 'notManager'; message: string };

// Automatic refreshes are debounced: a rolling update emits dozens of events a second.
const DEBOUNCE_MS = 500;
// Events are the source of truth; this slow poll only covers events the engine did not send.
const FALLBACK_POLL_MS = 60_000;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 10_000;
const EVENT_TYPES = ['service', 'node', 'container', 'config', 'secret', 'network'];

/**
 * The one reader of swarm state for the views and the CodeLens. It runs only while someone holds
 * it (a visible view, a visible compose editor): then it follows the engine's event stream,
 * refreshes with a constant number of list calls, reconnects by itself when the engine comes
 * back, and polls slowly as a fallback.
 */
export class SwarmModel implements vscode.Disposable {
    private stateValue: SwarmState = { kind: 'loading' };
    private readonly changeEmitter = new vscode.EventEmitter<SwarmState>();
    private holders = 0;
    private running: AbortController | undefined;
    private debounceTimer: NodeJS.Timeout | undefined;
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
        return this.reads.request();
    }

    /** Schedules a refresh after the burst of events settles. */
    scheduleRefresh(): void {
        if (this.debounceTimer) clearTimeout(this.debounceTimer);
        this.debounceTimer = setTimeout(() => {
            this.debounceTimer = undefined;
            void this.refresh();
        }, DEBOUNCE_MS);
    }

    private start(): void {
        const controller = new AbortController();
        this.running = controller;
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
        if (this.pollTimer) clearInterval(this.pollTimer);
        if (this.debounceTimer) clearTimeout(this.debounceTimer);
        this.pollTimer = undefined;
        this.debounceTimer = undefined;
    }

    private async readState(signal: AbortSignal): Promise<void> {
        try {
            const snapshot = await readSnapshot(this.session.client, signal);
            if (signal.aborted) return;
            this.setState({ kind: 'ready', snapshot });
        } catch (error) {
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
                const events = await this.session.client.events({ filters: { type: EVENT_TYPES } }, signal);
                delay = RECONNECT_MIN_MS;
                // Connected again after a gap: what happened meanwhile is unknown, so read everything.
                // (The first connection needs no read of its own: start() has just made one.)
                if (reconnecting) void this.refresh();
                for await (const event of events) {
                    void event;
                    this.scheduleRefresh();
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
