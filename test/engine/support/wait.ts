/** The engine tests' form of the one bounded wait (test/support/wait.ts): options instead of positional arguments. */
import { waitFor as waitUntil } from '../../support/wait';

export interface WaitOptions {
    timeoutMs: number;
    intervalMs?: number;
    /** What is awaited, for the error message. */
    what?: string;
}

/** Polls `condition` until it returns a value other than `undefined`/`false` and returns that value. */
export function waitFor<T>(condition: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
    return waitUntil(options.what ?? 'a condition', condition, options.timeoutMs, options.intervalMs ?? 100);
}
