/**
 * The node verbs as `docker node update|promote|demote` send them (docker/cli
 * `cli/command/node/update.go`, `promote.go`, `demote.go`): inspect the node, change one field of
 * its spec, and send the whole NodeSpec back with the version just read.
 */
import type { Node, NodeSpec } from '../specs';
import { pause } from '../cancellation';
import { errorKind } from '../stack/engine';
import type { Availability } from './impact';

interface NodeEngine {
    readonly endpoint: { url: string };
    listNodes(filters?: Record<string, string[]>, options?: { signal?: AbortSignal }): Promise<Node[]>;
    inspectNode(id: string, options?: { signal?: AbortSignal }): Promise<Node>;
    updateNode(id: string, version: number, spec: NodeSpec, options?: { signal?: AbortSignal }): Promise<void>;
}

export interface NodeVerbResult {
    node: Node;
    /** False when the node already was as asked (nothing was sent). */
    changed: boolean;
    /** What was done, as the CLI says it. */
    message: string;
}

function nodeName(node: Node): string {
    return node.Description?.Hostname || node.Spec.Name || node.ID;
}

/** Finds a node by ID, ID prefix or hostname, as the engine's `/nodes/{id}` does. */
async function findNode(engine: NodeEngine, ref: string, options: { signal?: AbortSignal } = {}): Promise<Node> {
    try {
        return await engine.inspectNode(ref, options);
    } catch (error) {
        if (errorKind(error) === 'notFound') throw new Error(`no such node: ${ref}`);
        throw error;
    }
}

/**
 * Reads the node, applies `change` to a copy of its spec and sends it; when someone else updated
 * the node in between (a stale version), reads it once more and tries again.
 */
async function updateSpec(
    engine: NodeEngine,
    ref: string,
    change: (spec: NodeSpec, node: Node) => NodeSpec | string,
    options: { signal?: AbortSignal },
): Promise<NodeVerbResult> {
    // Set once a change was sent but its commit timed out: it may have landed after all.
    let sent = false;
    for (let attempt = 0; ; attempt++) {
        const node = await findNode(engine, ref, options);
        const spec = change(structuredClone(node.Spec), node);
        if (typeof spec === 'string') return { node, changed: sent, message: sent ? '' : spec };
        try {
            await engine.updateNode(node.ID, node.Version.Index, spec, options);
            return { node, changed: true, message: '' };
        } catch (error) {
            if (attempt >= RETRIES) throw error;
            // A stale version: someone changed the node in between (also swarmkit itself, while it reconciles a
            // role change): read it again.
            if (errorKind(error) === 'outOfSequence' || /update out of sequence/.test(messageOf(error))) continue;
            // The managers did not commit the change in time (swarmkit's raft proposal timed out, e.g. right
            // after a promotion while the new manager catches up): it may still land; read the node again.
            if (isCommitTimeout(error)) {
                sent = true;
                await pause(COMMIT_RETRY_PAUSE_MS, options.signal);
                continue;
            }
            throw error;
        }
    }
}

// Reads and sends of one change at most: bounded, whatever the engine answers.
const RETRIES = 5;
const COMMIT_RETRY_PAUSE_MS = 3_000;

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function isCommitTimeout(error: unknown): boolean {
    return /DeadlineExceeded|context deadline exceeded/.test(messageOf(error));
}

export async function setNodeAvailability(engine: NodeEngine, ref: string, availability: Availability, options: { signal?: AbortSignal } = {}): Promise<NodeVerbResult> {
    const result = await updateSpec(engine, ref, (spec, node) => (spec.Availability === availability ? `Node ${nodeName(node)} is already ${availability}.` : { ...spec, Availability: availability }), options);
    if (result.changed) result.message = `Node ${nodeName(result.node)}: availability ${result.node.Spec.Availability ?? 'active'} → ${availability}.`;
    return result;
}

export async function promoteNode(engine: NodeEngine, ref: string, options: { signal?: AbortSignal } = {}): Promise<NodeVerbResult> {
    const result = await updateSpec(engine, ref, (spec, node) => (spec.Role === 'manager' ? `Node ${nodeName(node)} is already a manager.` : { ...spec, Role: 'manager' }), options);
    if (result.changed) result.message = `Node ${nodeName(result.node)} promoted to a manager in the swarm.`;
    return result;
}

/** Why a manager may not be demoted (it is the last one), or undefined; the one place of this rule. */
export function demoteRefusal(managerIds: readonly string[], nodeId: string, name: string): string | undefined {
    if (!managerIds.includes(nodeId) || managerIds.some((id) => id !== nodeId)) return undefined;
    return `${name} is the last manager of the swarm and cannot be demoted: promote another node first, or the swarm would have no manager left.`;
}

/**
 * Demotes a manager. The engine refuses to demote the last manager ("attempting to demote the last
 * manager of the swarm", swarmkit `manager/controlapi/node.go`); this says so before asking.
 */
export async function demoteNode(engine: NodeEngine, ref: string, options: { signal?: AbortSignal } = {}): Promise<NodeVerbResult> {
    const managers = await engine.listNodes({ role: ['manager'] }, options);
    const result = await updateSpec(
        engine,
        ref,
        (spec, node) => {
            if (spec.Role !== 'manager') return `Node ${nodeName(node)} is already a worker.`;
            const refusal = demoteRefusal(managers.map((m) => m.ID), node.ID, nodeName(node));
            if (refusal) throw new Error(refusal);
            return { ...spec, Role: 'worker' };
        },
        options,
    );
    if (result.changed) result.message = `Manager ${nodeName(result.node)} demoted in the swarm.`;
    return result;
}

// Label keys as the engine keeps them: no spaces, no `=`, not empty (docker/cli `opts/opts.go` ValidateLabel).
const LABEL_KEY = /^[^\s=]+$/;

/** Parses `key=value` (the value may be empty); a clear message otherwise. */
export function parseNodeLabel(text: string): { key: string; value: string } {
    const eq = text.indexOf('=');
    const key = eq === -1 ? text.trim() : text.slice(0, eq).trim();
    if (eq === -1) throw new Error(`"${text}" is not a label: write it as key=value`);
    if (!LABEL_KEY.test(key)) throw new Error(`"${text}" has no valid key: a label key is not empty and has no spaces or "="`);
    const value = text.slice(eq + 1);
    if (/[\r\n\0]/.test(value)) throw new Error(`the value of label ${key} cannot hold line breaks`);
    return { key, value };
}

export function validateLabelKey(key: string): string {
    if (!LABEL_KEY.test(key)) throw new Error(`"${key}" is not a label key: it is not empty and has no spaces or "="`);
    return key;
}

export async function addNodeLabels(engine: NodeEngine, ref: string, labels: readonly string[], options: { signal?: AbortSignal } = {}): Promise<NodeVerbResult> {
    const parsed = labels.map(parseNodeLabel);
    if (!parsed.length) throw new Error('no label to add');
    const result = await updateSpec(
        engine,
        ref,
        (spec, node) => {
            const current = spec.Labels ?? {};
            if (parsed.every((l) => current[l.key] === l.value)) return `Node ${nodeName(node)} already has ${labels.join(', ')}.`;
            return { ...spec, Labels: { ...current, ...Object.fromEntries(parsed.map((l) => [l.key, l.value])) } };
        },
        options,
    );
    if (result.changed) result.message = `Node ${nodeName(result.node)}: label${parsed.length > 1 ? 's' : ''} ${parsed.map((l) => `${l.key}=${l.value}`).join(', ')} added.`;
    return result;
}

/** Removes labels; a key the node does not have is an error, as in the CLI ("key … doesn't exist in node's labels"). */
export async function removeNodeLabels(engine: NodeEngine, ref: string, keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<NodeVerbResult> {
    keys.forEach(validateLabelKey);
    if (!keys.length) throw new Error('no label to remove');
    const result = await updateSpec(
        engine,
        ref,
        (spec, node) => {
            const current = { ...(spec.Labels ?? {}) };
            const missing = keys.filter((k) => !(k in current));
            if (missing.length) throw new Error(`node ${nodeName(node)} has no label ${missing.join(', ')}`);
            for (const k of keys) delete current[k];
            return { ...spec, Labels: current };
        },
        options,
    );
    result.message = `Node ${nodeName(result.node)}: label${keys.length > 1 ? 's' : ''} ${keys.join(', ')} removed.`;
    return result;
}
