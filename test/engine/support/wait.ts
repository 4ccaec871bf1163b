/** Bounded waiting for engine tests: poll a condition, never sleep a fixed time "to let it settle". */

export interface WaitOptions {
    timeoutMs: number;
    intervalMs?: number;
    /** What is awaited, for the error message. */
    what?: string;
}

/**
 * Polls `condition` until it returns a value other than `undefined`/`false` and returns that value.
 * Errors thrown by the condition count as "not yet" (the last one is reported on timeout).
 */
export async function waitFor<T>(condition: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
    const interval = options.intervalMs ?? 100;
    const deadline = Date.now() + options.timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await condition();
            if (value !== undefined && value !== false) {
                return value;
            }
        } catch (error) {
            lastError = error;
        }
        if (Date.now() >= deadline) {
            const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
            throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'a condition'}${why}`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
    }
}
