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
