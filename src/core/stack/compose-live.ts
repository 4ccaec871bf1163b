/**
 * How a compose file relates to the live swarm: which deployed stack it is (learned from the services the stack
 * has, as `docker stack deploy` labels them with `com.docker.stack.namespace`), and where the swarm differs from
 * the file (replica counts changed by Scale). Pure: the editor and the CLI give it the file's services and a
 * snapshot.
 */
import type { ServicePlacement } from '../compose/lens-placement';
import type { Range } from '../diagnostics';
import { parseImageReference } from '../image-reference';
import type { ServiceSummary, StackSummary } from '../swarm-snapshot';

/** A service as the compose file writes it. */
export interface FileService {
    key: string;
    /** The image with variables substituted; undefined when it has none or cannot be resolved (then not compared). */
    image?: string;
}

export type StackAssociation =
    /** The file's stack: remembered from an earlier deploy or choice, or learned as the one stack matching it. */
    | { kind: 'associated'; stack: string; how: 'remembered' | 'learned' }
    /** Several deployed stacks match the file: the user picks. */
    | { kind: 'ambiguous'; candidates: string[] }
    /** No deployed stack matches: the file can only be deployed. */
    | { kind: 'none' }
    /** The swarm state is not known (yet): nothing can be said. */
    | { kind: 'unknown' };

/**
 * The deployed stacks that are this file, best tier first:
 *  - exact: the stack has exactly the file's service keys;
 *  - else partial: one holds all of the other's keys (a service added to the file and not deployed yet, or removed
 *    from the file and left running, as `docker stack deploy` keeps it without `--prune`).
 * In both, every service the two share runs the file's image repository: the tag may differ (Update Image rolls
 * `app:v1` to `app:v2`), another repository is another application that happens to use the same service names.
 */
export function matchingStacks(file: readonly FileService[], stacks: readonly StackSummary[]): string[] {
    if (file.length === 0) return [];
    const exact: string[] = [];
    const partial: string[] = [];
    const fileKeys = new Set(file.map((s) => s.key));
    for (const stack of stacks) {
        const live = new Map(stack.services.map((s) => [s.key, s]));
        const shared = file.filter((s) => live.has(s.key));
        if (shared.length === 0) continue;
        if (!shared.every((s) => s.image === undefined || sameRepository(s.image, live.get(s.key)!.image))) continue;
        const stackInFile = stack.services.every((s) => fileKeys.has(s.key));
        const fileInStack = shared.length === file.length;
        if (stackInFile && fileInStack) exact.push(stack.name);
        else if (stackInFile || fileInStack) partial.push(stack.name);
    }
    return exact.length > 0 ? exact : partial;
}

/**
 * The stack of a compose file. A remembered name wins (the user deployed or chose it), deployed or not; otherwise
 * the swarm decides: one match is the file's stack, several are for the user to pick from, none means not deployed.
 */
export function associateStack(file: readonly FileService[], stacks: readonly StackSummary[] | undefined, remembered?: string): StackAssociation {
    if (remembered !== undefined) return { kind: 'associated', stack: remembered, how: 'remembered' };
    if (stacks === undefined) return { kind: 'unknown' };
    const matches = matchingStacks(file, stacks);
    if (matches.length === 1) return { kind: 'associated', stack: matches[0], how: 'learned' };
    if (matches.length > 1) return { kind: 'ambiguous', candidates: matches };
    return { kind: 'none' };
}

/** Same repository, whatever the tag or digest: `app:v1` ≡ `docker.io/library/app:v2` ≡ `app@sha256:…`. */
export function sameRepository(a: string, b: string): boolean {
    return repositoryOf(a) === repositoryOf(b);
}

function repositoryOf(image: string): string {
    try {
        return parseImageReference(image).fullName;
    } catch {
        // Not a valid reference (a variable left, an ID): compare what is written, without tag and digest.
        return image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
    }
}

/** The replica count the file declares for a service: `deploy.replicas`, 1 when unset; none for global services. */
export function declaredReplicas(service: { mode?: string; replicas?: number }): number | undefined {
    if (service.mode !== undefined && service.mode !== 'replicated') return undefined;
    return service.replicas ?? 1;
}

/**
 * The file's count when the swarm runs another (Scale changed it, or the file was edited and not deployed):
 * what a deploy of the file would scale the service back to. Undefined when they agree or do not compare.
 */
export function replicaDrift(declared: number | undefined, live: Pick<ServiceSummary, 'mode' | 'desired'>): number | undefined {
    if (declared === undefined || live.mode !== 'replicated') return undefined;
    return live.desired === declared ? undefined : declared;
}

/** A text edit in a compose file (0-based lines and characters). */
interface TextEdit {
    range: Range;
    text: string;
}

/**
 * The edit that writes a replica count into a service of a compose file, keeping everything else as written:
 * the value of its own `deploy.replicas` when there is one; else a `replicas:` line at the top of its block
 * `deploy:`; else a new `deploy:` block after the service key, indented as the service's other keys are.
 * Undefined when the service is written in a way a line edit cannot safely change (flow style, an alias).
 */
export function replicasEdit(text: string, service: Pick<ServicePlacement, 'keyLine' | 'replicasRange'>, replicas: number): TextEdit | undefined {
    if (service.replicasRange) return { range: service.replicasRange, text: String(replicas) };
    const lines = text.split(/\r?\n/);
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const keyLine = lines[service.keyLine];
    if (keyLine === undefined || !/:\s*(#.*)?$/.test(keyLine)) return undefined;
    const keyIndent = indentOf(keyLine);
    // The service's block: the lines after its key indented deeper, blank and comment lines included.
    let end = service.keyLine + 1;
    let childIndent: number | undefined;
    while (end < lines.length) {
        const line = lines[end];
        if (line.trim() !== '' && !line.trim().startsWith('#')) {
            const indent = indentOf(line);
            if (indent <= keyIndent) break;
            childIndent ??= indent;
        }
        end++;
    }
    const child = childIndent ?? keyIndent + 2;
    const step = child - keyIndent;
    for (let i = service.keyLine + 1; i < end; i++) {
        const line = lines[i];
        if (indentOf(line) !== child || !/^\s*deploy\s*:/.test(line)) continue;
        if (!/^\s*deploy\s*:\s*(#.*)?$/.test(line)) return undefined;
        // Indented as deploy's first key, so the new line joins its mapping.
        const next = lines.slice(i + 1, end).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
        const indent = next !== undefined && indentOf(next) > child ? indentOf(next) : child + step;
        const at = { line: i, character: line.length };
        return { range: { start: at, end: at }, text: `${eol}${' '.repeat(indent)}replicas: ${replicas}` };
    }
    const at = { line: service.keyLine, character: keyLine.length };
    return { range: { start: at, end: at }, text: `${eol}${' '.repeat(child)}deploy:${eol}${' '.repeat(child + step)}replicas: ${replicas}` };
}

function indentOf(line: string): number {
    return line.length - line.trimStart().length;
}
