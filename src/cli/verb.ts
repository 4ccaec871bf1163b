import type { ParseArgsConfig } from 'util';
import type { CliIo } from './io';

/** A verb's own options, added to the common ones (--help, --host, --timeout) by the dispatcher (main.ts). */
export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
}

/** One verb of the command line: each lives in its own file under ./verbs, listed in ./verb-table.ts. */
export interface Verb {
    options: Options;
    run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** A failure whose details were already printed (diagnostics): exit 1 with this one-line reason. */
export class ReportedFailure extends Error {}
