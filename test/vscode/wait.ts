// The one bounded wait of every test layer, and a bound on a promise that must settle.
export { waitFor } from '../support/wait';

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
