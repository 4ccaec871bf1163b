/**
 * Bounded waiting, the one way every test layer waits for something: never a fixed sleep "to let it settle".
 * Polls `probe` until it returns something other than undefined/false and returns that; a probe that throws counts as
 * "not yet" and its last error is named when the time is up. Without `intervalMs` the delay grows from 100 ms to 1 s.
 */
export async function waitFor<T>(
    what: string,
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 60_000,
    intervalMs?: number,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let delay = intervalMs ?? 100; ; delay = intervalMs ?? Math.min(delay * 2, 1000)) {
        try {
            const value = await probe();
            if (value !== undefined && value !== false) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() >= deadline) {
            const why = last instanceof Error ? `: ${last.message}` : last !== undefined ? `: ${String(last)}` : '';
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
}
