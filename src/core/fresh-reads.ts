/**
 * Reads of a changing source for callers who must see their own change: `request()` resolves when a read that
 * started after the call has finished. A read already running may have started before the caller's change, so the
 * caller is not handed that one; it gets the next read, which starts when the running one ends and is shared by
 * everyone who asked meanwhile (a burst of requests costs at most two reads). `abort()` aborts the read in flight,
 * whose result the reader then drops.
 */
export class FreshReads {
    private running: { done: Promise<void>; controller: AbortController } | undefined;
    private queued: Promise<void> | undefined;

    /** read: one read of the source; it must not publish its result once the signal is aborted. */
    constructor(private readonly read: (signal: AbortSignal) => Promise<void>) {}

    request(): Promise<void> {
        if (!this.running) return this.start();
        if (!this.queued) {
            const queued = this.running.done.then(() => {
                if (this.queued === queued) this.queued = undefined;
                return this.start();
            });
            this.queued = queued;
        }
        return this.queued;
    }

    /** Aborts the read in flight (its requesters are released when it ends); a queued read still runs. */
    abort(): void {
        this.running?.controller.abort();
    }

    private start(): Promise<void> {
        const controller = new AbortController();
        const done = this.read(controller.signal)
            .catch(() => undefined)
            .finally(() => {
                if (this.running?.controller === controller) this.running = undefined;
            });
        this.running = { done, controller };
        return done;
    }
}
