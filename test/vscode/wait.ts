// Bounded waiting for the VS Code tests: polls a probe with a growing delay (100 ms up to 1 s) until it returns
// something other than undefined/false, and fails naming what was awaited (and the probe's last error).
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
        try {
            const value = await probe();
            if (value !== undefined && value !== false) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
    }
}

/** Settles with the promise, or rejects after `ms` naming what did not settle. */
export function within<T>(what: string, promise: Thenable<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        Promise.resolve(promise).finally(() => clearTimeout(timer)),
        new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
        }),
    ]);
}
