import * as path from 'path';
import { stackNameProblem, validateStackName } from '../core/stack/names';
import { UsageError, type Options, type ParsedArgs } from './verb';

/** The one positional argument of a stack verb: a stack name. */
export function oneStack(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the stack name`);
    return stackNameArgument(args.positionals[0]);
}

/** A stack name from the command line, checked before any request (core/stack/names.ts holds the rule). */
export function stackNameArgument(name: string): string {
    const problem = stackNameProblem(name);
    if (problem !== undefined) throw new UsageError(problem);
    return validateStackName(name);
}

/** The one positional argument of a service verb: a service name or ID. */
export function oneService(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the service`);
    return args.positionals[0];
}

/** `--compose-file`/`-c`, repeated or comma-separated. */
export function composeFiles(args: ParsedArgs): string[] {
    const files = ((args.values['compose-file'] as string[] | undefined) ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
    if (!files.length) throw new UsageError('specify a Compose file (with --compose-file)');
    return files;
}

export function waitTimeoutMs(args: ParsedArgs): number {
    const raw = args.values['wait-timeout'] as string | undefined;
    if (raw === undefined) return 10 * 60_000;
    const seconds = Number(raw);
    if (!(seconds > 0)) throw new UsageError('--wait-timeout takes a number of seconds');
    return seconds * 1000;
}

/** `--history-limit N` of deploy and rollback: the revisions kept (undefined: the default, 10). */
export function historyLimit(args: ParsedArgs): number | undefined {
    const raw = args.values['history-limit'] as string | undefined;
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new UsageError('--history-limit takes a number of revisions from 1 to 1000');
    return Number(raw);
}

/** The options of the service verbs that wait for the service unless told not to. */
export const detachOptions: Options = { detach: { type: 'boolean', short: 'd' }, 'wait-timeout': { type: 'string' } };

/** A string option's value, if given. */
export function stringValue(args: ParsedArgs, name: string): string | undefined {
    const v = args.values[name];
    return typeof v === 'string' ? v : undefined;
}

/** A whole-number option within [min, max], if given. */
export function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
    const raw = stringValue(args, name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return n;
}

/** The one positional argument of a folder verb, resolved. */
export function oneDir(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the folder`);
    return path.resolve(args.positionals[0]);
}
