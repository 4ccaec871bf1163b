/**
 * Cancellation is not an error for the user: it is thrown as CancelledError so that every layer can
 * tell it apart and show nothing. Long work takes a standard AbortSignal.
 */
export class CancelledError extends Error {
    constructor(message = 'Cancelled') {
        super(message);
        this.name = 'CancelledError';
    }
}

export function isCancellation(error: unknown): boolean {
    return (
        error instanceof CancelledError ||
        (error instanceof Error && (error.name === 'AbortError' || error.name === 'CancelledError'))
    );
}

/** Resolves after `ms`, or rejects with CancelledError as soon as the signal aborts. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new CancelledError());
        const onAbort = () => {
            clearTimeout(timer);
            reject(new CancelledError());
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
