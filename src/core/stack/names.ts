/** The labels and names through which a stack exists (docker/cli `convert/compose.go`). */
export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';

/**
 * The one stack-name rule, for the command line, the editor and the scaffold, checked before any request.
 * docker/cli (`cli/command/stack/common.go`, validateStackName) only trims white space and the quote characters
 * `"` and `'` from both ends and refuses what is left empty. The engine then refuses, half-way through a deploy,
 * any name that cannot start its objects' names: swarmkit (`manager/controlapi/common.go`, validateAnnotations)
 * wants service and network names `<stack>_<key>` to be DNS labels, `[a-zA-Z0-9]` runs joined by `-` or `_`,
 * at most 63 characters. So after the CLI's trimming a stack name starts with a letter or digit, holds only
 * letters, digits, `-` and `_`, and leaves room for `_` and a one-character key.
 * Returns the problem, or undefined when the name is valid. `exact` refuses what trimming would change, for
 * a name written into files as given (the scaffold).
 */
export function stackNameProblem(name: string, exact = false): string | undefined {
    const trimmed = trimStackName(name);
    if (trimmed === '') return `invalid stack name: ${JSON.stringify(name)}`;
    if (exact && trimmed !== name) return `invalid stack name ${JSON.stringify(name)}: white space or quotes around it`;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(trimmed)) {
        return `invalid stack name ${JSON.stringify(trimmed)}: it must start with a letter or digit and hold only letters, digits, "-" and "_" (its services and networks are named ${trimmed}_<name>, which must be valid DNS labels)`;
    }
    if (trimmed.length > MAX_STACK_NAME) return `invalid stack name ${JSON.stringify(trimmed)}: longer than ${MAX_STACK_NAME} characters (service names ${trimmed}_<name> are limited to 63)`;
    return undefined;
}

/** The trimmed name when stackNameProblem finds none; throws the problem otherwise. */
export function validateStackName(name: string): string {
    const problem = stackNameProblem(name);
    if (problem !== undefined) throw new Error(problem);
    return trimStackName(name);
}

/** Swarm names are at most 63 characters; `<stack>_x` is the shortest service name a stack can have. */
const MAX_STACK_NAME = 61;

function trimStackName(name: string): string {
    return name.replace(/^[\s"']+|[\s"']+$/g, '');
}

/** The part of a scoped object name after `<stack>_`, or undefined when it is not the stack's. */
export function descopedName(stack: string, name: string): string | undefined {
    const prefix = `${stack}_`;
    return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

export function stackLabelFilter(stack: string): Record<string, string[]> {
    return { label: [`${NAMESPACE_LABEL}=${stack}`] };
}

/**
 * Natural order, as `docker stack ls` and `services` sort: runs of digits compare as numbers (`Intl.Collator('en')`
 * with `numeric`, without starting ICU for ASCII names: ../collation.ts).
 */
export { naturalCompare } from '../collation';
