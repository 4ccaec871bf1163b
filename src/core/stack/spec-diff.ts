/**
 * Compares an Engine spec we are about to send with the one the engine stores, the way the engine
 * sees them: Go `omitempty` makes 0, false, "" , null, [] and {} the same as an absent field, so
 * those are dropped on both sides before comparing. Pointer fields, where zero means something,
 * are kept (see KEEP_ZERO).
 */

export interface SpecChange {
    /** Dotted path, e.g. `TaskTemplate.ContainerSpec.Image`. */
    path: string;
    before: unknown;
    after: unknown;
}

// Pointer fields in the Go types: an explicit zero differs from absent.
const KEEP_ZERO = new Set(['Replicas', 'MaxConcurrent', 'TotalCompletions', 'Init']);

/** Removes every zero value that `omitempty` would drop, keeping the pointer fields above. */
export function canonicalSpec(value: unknown, key = ''): unknown {
    if (Array.isArray(value)) {
        const items = value.map((item) => canonicalSpec(item)).filter((item) => item !== undefined);
        return items.length === 0 ? undefined : items;
    }
    if (value !== null && typeof value === 'object') {
        const result: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const c = canonicalSpec(v, k);
            if (c !== undefined) {
                result[k] = c;
            }
        }
        // An empty object is absent, except mode markers like `Global: {}` whose presence is the value.
        if (Object.keys(result).length === 0 && !MODE_MARKERS.has(key)) {
            return undefined;
        }
        return result;
    }
    if (value === null || value === undefined || value === '') {
        return undefined;
    }
    if ((value === 0 || value === false) && !KEEP_ZERO.has(key)) {
        return undefined;
    }
    return value;
}

const MODE_MARKERS = new Set(['Global', 'GlobalJob', 'Replicated', 'ReplicatedJob']);

/** The differences between two specs, as a list of leaf changes with dotted paths. */
export function diffSpecs(before: unknown, after: unknown): SpecChange[] {
    const changes: SpecChange[] = [];
    walk(canonicalSpec(before), canonicalSpec(after), '', changes);
    return changes;
}

function walk(before: unknown, after: unknown, path: string, changes: SpecChange[]): void {
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
        for (const key of [...keys].sort()) {
            walk(before[key], after[key], path ? `${path}.${key}` : key, changes);
        }
        return;
    }
    if (stableJson(before) !== stableJson(after)) {
        changes.push({ path, before, after });
    }
}

/** JSON with object keys sorted: the engine returns keys in its own order, not the order we sent. */
function stableJson(value: unknown): string | undefined {
    return JSON.stringify(value, (_key, v: unknown) =>
        isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
    );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One line per change: `path: before → after`, values as compact JSON. */
export function formatSpecChanges(changes: readonly SpecChange[]): string[] {
    return changes.map((c) => `${c.path}: ${show(c.before)} → ${show(c.after)}`);
}

function show(value: unknown): string {
    if (value === undefined) {
        return '(none)';
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
