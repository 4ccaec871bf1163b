/**
 * Placement constraints as swarmkit evaluates them (swarmkit `manager/constraint/constraint.go`):
 * `key==value` or `key!=value`; keys are case-insensitive, values compare case-insensitively,
 * label names are case-sensitive, and a label a node does not have compares as the empty string.
 */

import { ownValue } from '../user-keys';

/** What a constraint can look at on a node; the snapshot and the raw Engine node both give it. */
export interface ConstraintNode {
    id: string;
    hostname: string;
    role: string;
    labels: Record<string, string>;
    engineLabels: Record<string, string>;
    os?: string;
    arch?: string;
}

interface Constraint {
    /** The expression as written in the service spec. */
    text: string;
    key: string;
    operator: '==' | '!=';
    value: string;
}

// swarmkit: `alphaNumeric ... [a-zA-Z0-9-_.]` keys; operators are tried in this order.
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Parses one constraint; undefined when it is not one swarmkit would accept. */
export function parseConstraint(text: string): Constraint | undefined {
    for (const operator of ['==', '!='] as const) {
        const at = text.indexOf(operator);
        if (at === -1) continue;
        const key = text.slice(0, at).trim();
        const value = text.slice(at + operator.length).trim();
        if (!KEY_PATTERN.test(key) || value === '') return undefined;
        return { text: text.trim(), key, operator, value };
    }
    return undefined;
}

/** The value(s) the constraint's key has on the node; undefined for a key swarmkit does not know. */
function valuesOf(key: string, node: ConstraintNode): string[] | undefined {
    const lower = key.toLowerCase();
    if (lower === 'node.id') return [node.id];
    if (lower === 'node.hostname') return [node.hostname];
    if (lower === 'node.role') return [node.role];
    if (lower === 'node.platform.os') return [node.os ?? ''];
    // Compared with the node's own description (`x86_64`, not `amd64`), as swarmkit compares it.
    if (lower === 'node.platform.arch') return [node.arch ?? ''];
    if (lower.startsWith('node.labels.')) return [ownValue(node.labels, key.slice('node.labels.'.length)) ?? ''];
    if (lower.startsWith('engine.labels.')) return [ownValue(node.engineLabels, key.slice('engine.labels.'.length)) ?? ''];
    return undefined;
}

function constraintMatches(constraint: Constraint, node: ConstraintNode): boolean {
    const values = valuesOf(constraint.key, node);
    if (values === undefined) return false;
    const equal = values.some((v) => v.toLowerCase() === constraint.value.toLowerCase());
    return constraint.operator === '==' ? equal : !equal;
}

/** True when the node satisfies every constraint (an unparsable one matches no node, as swarmkit refuses it). */
export function nodeSatisfies(constraints: readonly string[], node: ConstraintNode): boolean {
    return constraints.every((text) => {
        const constraint = parseConstraint(text);
        return constraint !== undefined && constraintMatches(constraint, node);
    });
}

/**
 * Which of the constraints rule out every one of the nodes: the constraints no node satisfies, or,
 * when each is satisfied somewhere but never all on one node, all of them.
 */
export function blockingConstraints(constraints: readonly string[], nodes: readonly ConstraintNode[]): string[] {
    if (!constraints.length) return [];
    const unsatisfied = constraints.filter((text) => !nodes.some((node) => nodeSatisfies([text], node)));
    if (unsatisfied.length) return unsatisfied;
    return nodes.some((node) => nodeSatisfies(constraints, node)) ? [] : [...constraints];
}
