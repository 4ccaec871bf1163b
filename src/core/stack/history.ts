/**
 * Stack history: every deploy made by Swarm Stacks records a revision in the swarm itself, as a small config
 * object of the stack's namespace (`com.docker.stack.namespace`), so that `docker stack rm` and `swarm-stacks rm`
 * remove it with the stack (docker/cli `cli/command/stack/swarm/remove.go` removes configs by that label) while
 * `docker stack deploy` leaves it alone (it only touches the configs its compose file names).
 *
 * A revision holds the service specs as the engine stored them after the deploy, the networks they attach to,
 * the compose files' content hash, the time, who deployed and the Swarm Stacks version. Anyone with access to the
 * swarm can create a config with these labels, so a revision is read as untrusted input: its size is bounded, its
 * payload must match the sha256 in its label, its schema must be known, and every service and network it names
 * must belong to its stack. Anything else is refused with the reason, never applied.
 *
 * The sha256 is a checksum, not a signature: it finds a damaged or altered object, but anyone who may create configs
 * can compute it for a revision of their own, which then passes every check here. What a revision would run is
 * therefore shown before a rollback sends anything: each service's image, mounts and networks (rollback.ts).
 */
import { createHash } from 'crypto';
import { hostname, userInfo } from 'os';
import type { Config, Network, NetworkCreateRequest, Service, ServiceSpec } from '../specs';
import type { CallOptions, StackEngine } from './engine';
import { NAMESPACE_LABEL, descopedName, naturalCompare, stackLabelFilter } from './names';
import { diffSpecs } from './spec-diff';

/** zlib on first use: every deploy loads this module, and one that changes nothing records no revision. */
function zlib(): typeof import('zlib') {
    return require('zlib') as typeof import('zlib');
}

/** Marks a config as a Swarm Stacks revision; the value is the revision number. */
export const REVISION_LABEL = 'io.github.swarm-stacks.revision';
/** The sha256 (hex) of the config's data: a checksum that finds damage or a later change, not who wrote it. */
export const REVISION_SHA256_LABEL = 'io.github.swarm-stacks.revision.sha256';
export const REVISION_SCHEMA = 1;
export const DEFAULT_HISTORY_LIMIT = 10;
/** swarmkit refuses configs over 500 KiB (`manager/controlapi/config.go`, MaxConfigSize). */
export const MAX_REVISION_BYTES = 500 * 1024;
/** A payload that inflates past this is refused: a small object must not be able to exhaust memory. */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

export interface RevisionNetwork {
    id: string;
    name: string;
    /** Set for the stack's own networks (recreated by a rollback when gone); absent for external ones. */
    request?: NetworkCreateRequest;
}

export interface RevisionPayload {
    schema: number;
    stack: string;
    revision: number;
    /** ISO time of the deploy. */
    time: string;
    /** user@host */
    deployedBy: string;
    /** Swarm Stacks version. */
    version: string;
    /** sha256 of the compose files' contents, when the deploy came from compose files. */
    composeHash?: string;
    /** `deploy`, or `rollback to revision N`. */
    reason: string;
    /** Services changed outside Swarm Stacks between the previous revision and this deploy. */
    outsideBefore?: OutsideChange;
    networks: RevisionNetwork[];
    /** Each service of the stack after the deploy, with its spec as the engine stored it. */
    services: { name: string; spec: ServiceSpec }[];
}

export interface OutsideChange {
    services: string[];
    /** The latest UpdatedAt of those services. */
    at?: string;
}

export type HistoryEntry =
    | { kind: 'revision'; revision: number; payload: RevisionPayload; configId: string }
    /** A config that claims to be a revision but cannot be trusted: listed with the reason, never applied. */
    | { kind: 'refused'; revision?: number; configName: string; configId: string; reason: string }
    | { kind: 'outside'; change: OutsideChange };

export interface RevisionOptions {
    /** Revisions kept (older ones are removed); DEFAULT_HISTORY_LIMIT when absent. */
    limit?: number;
    version: string;
    deployedBy: string;
    composeHash?: string;
    reason?: string;
}

/** The config's name: `<stack>_swarm-stacks-revision-<n>`, in the stack's namespace like its own objects. */
export function revisionConfigName(stack: string, revision: number): string {
    return `${stack}_swarm-stacks-revision-${revision}`;
}

/** Who deploys: user@host, the user as the environment names it. */
export function deployedByHere(env: NodeJS.ProcessEnv): string {
    let user = env.USER ?? env.USERNAME ?? env.LOGNAME;
    if (!user) {
        try {
            user = userInfo().username;
        } catch {
            user = 'unknown';
        }
    }
    return `${user}@${hostname()}`;
}

/** sha256 over the compose files' contents, in order, each prefixed by its length. */
export function composeContentHash(contents: readonly (string | Uint8Array)[]): string {
    const hash = createHash('sha256');
    for (const content of contents) {
        const bytes = typeof content === 'string' ? Buffer.from(content) : content;
        hash.update(`${bytes.length}\n`).update(bytes);
    }
    return `sha256:${hash.digest('hex')}`;
}

/** The config that stores a payload; throws when it would exceed what swarmkit accepts. */
export function encodeRevision(payload: RevisionPayload): { Name: string; Labels: Record<string, string>; Data: string } {
    const compressed = zlib().gzipSync(Buffer.from(JSON.stringify(payload)));
    if (compressed.length > MAX_REVISION_BYTES) {
        throw new Error(`the revision is ${Math.ceil(compressed.length / 1024)} KiB compressed; swarm configs hold at most ${MAX_REVISION_BYTES / 1024} KiB`);
    }
    return {
        Name: revisionConfigName(payload.stack, payload.revision),
        Labels: {
            [NAMESPACE_LABEL]: payload.stack,
            [REVISION_LABEL]: String(payload.revision),
            [REVISION_SHA256_LABEL]: createHash('sha256').update(compressed).digest('hex'),
        },
        Data: compressed.toString('base64'),
    };
}

/** Reads one revision config of `stack`, or says why it is refused. */
export function decodeRevision(config: Config, stack: string): HistoryEntry {
    const labels = config.Spec.Labels ?? {};
    const configName = config.Spec.Name;
    const numberLabel = labels[REVISION_LABEL] ?? '';
    const revision = /^[1-9]\d{0,8}$/.test(numberLabel) ? Number(numberLabel) : undefined;
    const refuse = (reason: string): HistoryEntry => ({ kind: 'refused', revision, configName, configId: config.ID, reason: `config ${configName} is not a usable revision: ${reason}` });
    if (labels[NAMESPACE_LABEL] !== stack) return refuse(`it belongs to stack "${labels[NAMESPACE_LABEL] ?? ''}", not ${stack}`);
    if (revision === undefined) return refuse(`its ${REVISION_LABEL} label "${numberLabel}" is not a revision number`);
    if (configName !== revisionConfigName(stack, revision)) return refuse(`its name should be ${revisionConfigName(stack, revision)}`);
    const data = config.Spec.Data ?? '';
    // base64 is 4 characters per 3 bytes: check the size before decoding anything.
    if (data.length > Math.ceil(MAX_REVISION_BYTES / 3) * 4 + 4) return refuse(`it is larger than ${MAX_REVISION_BYTES / 1024} KiB`);
    const bytes = Buffer.from(data, 'base64');
    const expected = labels[REVISION_SHA256_LABEL];
    if (!expected) return refuse(`it has no ${REVISION_SHA256_LABEL} checksum label, which every revision Swarm Stacks writes has`);
    if (createHash('sha256').update(bytes).digest('hex') !== expected) {
        return refuse('its content does not match its sha256 checksum label: it is damaged or was changed after it was written, and is not used');
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(zlib().gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8'));
    } catch (error) {
        const tooBig = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength|buffer/i.test(String(error));
        return refuse(tooBig ? `its content inflates past ${MAX_INFLATED_BYTES / 1024 / 1024} MiB` : 'its content is not a compressed JSON revision');
    }
    const problem = payloadProblem(parsed, stack, revision);
    if (problem) return refuse(problem);
    return { kind: 'revision', revision, payload: parsed as RevisionPayload, configId: config.ID };
}

/** Why a decoded payload cannot be used for `stack`, or undefined when every part of it belongs to the stack. */
function payloadProblem(value: unknown, stack: string, revision: number): string | undefined {
    if (!isObject(value)) return 'its content is not a revision object';
    if (value.schema !== REVISION_SCHEMA) {
        return typeof value.schema === 'number' && value.schema > REVISION_SCHEMA
            ? `it was written by a newer Swarm Stacks (revision schema ${value.schema}); update Swarm Stacks to use it`
            : `its schema "${String(value.schema)}" is unknown`;
    }
    if (value.stack !== stack) return `its content names stack "${String(value.stack)}", not ${stack}`;
    if (value.revision !== revision) return `its content says revision ${String(value.revision)}, its label ${revision}`;
    for (const key of ['time', 'deployedBy', 'version', 'reason'] as const) {
        if (typeof value[key] !== 'string') return `its "${key}" is not text`;
    }
    if (!Array.isArray(value.services) || !Array.isArray(value.networks)) return 'it has no list of services or networks';
    for (const service of value.services as unknown[]) {
        if (!isObject(service) || typeof service.name !== 'string' || !isObject(service.spec) || !isObject(service.spec.TaskTemplate)) return 'a service in it is malformed';
        const spec = service.spec as unknown as ServiceSpec;
        // A rollback applies these specs: each must be a service of this stack, by name and by label.
        if (descopedName(stack, service.name) === undefined || spec.Name !== service.name) return `service "${String(spec.Name)}" in it is not a service of stack ${stack}`;
        if (spec.Labels?.[NAMESPACE_LABEL] !== stack) return `service ${service.name} in it is not labelled with stack ${stack}`;
    }
    for (const network of value.networks as unknown[]) {
        if (!isObject(network) || typeof network.id !== 'string' || typeof network.name !== 'string') return 'a network in it is malformed';
        if (network.request !== undefined) {
            const request = network.request as Partial<NetworkCreateRequest>;
            if (!isObject(request) || request.Name !== network.name || descopedName(stack, network.name) === undefined || request.Labels?.[NAMESPACE_LABEL] !== stack) {
                return `network "${network.name}" in it is not a network of stack ${stack}`;
            }
        }
    }
    return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The revision configs of a stack, decoded (or refused), by revision number. */
async function readRevisionConfigs(engine: StackEngine, stack: string, call: CallOptions): Promise<HistoryEntry[]> {
    const configs = await listRevisionConfigs(engine, stack, call);
    return configs
        .map((c) => decodeRevision(c, stack))
        .sort((a, b) => (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0) || naturalCompare(nameOf(a), nameOf(b)));
}

/** The read of a stack's revision configs (also sent ahead by a deploy: deployReadsAhead). */
export function listRevisionConfigs(engine: StackEngine, stack: string, call: CallOptions): Promise<Config[]> {
    return engine.listConfigs({ label: [`${NAMESPACE_LABEL}=${stack}`, REVISION_LABEL] }, call);
}

function revisionOf(entry: HistoryEntry): number | undefined {
    return entry.kind === 'outside' ? undefined : entry.revision;
}

function nameOf(entry: HistoryEntry): string {
    return entry.kind === 'refused' ? entry.configName : '';
}

function latestRevision(entries: readonly HistoryEntry[]): Extract<HistoryEntry, { kind: 'revision' }> | undefined {
    return [...entries].reverse().find((e): e is Extract<HistoryEntry, { kind: 'revision' }> => e.kind === 'revision');
}

/**
 * The services whose live spec is not the one `revision` recorded, or that it did not have (or that are gone):
 * a deploy of the Docker CLI, a `docker service update`, a scale. Specs are compared as stored, so an engine's
 * own bookkeeping (update status, versions) is not a change.
 */
export function changedOutside(revision: RevisionPayload, live: readonly Service[]): OutsideChange | undefined {
    const recorded = new Map(revision.services.map((s) => [s.name, s.spec]));
    const changed: string[] = [];
    let at: string | undefined;
    for (const service of live) {
        const name = service.Spec.Name ?? service.ID;
        const spec = recorded.get(name);
        if (spec && diffSpecs(spec, service.Spec).length === 0) continue;
        changed.push(name);
        if (service.UpdatedAt && (!at || service.UpdatedAt > at)) at = service.UpdatedAt;
    }
    const liveNames = new Set(live.map((s) => s.Spec.Name));
    for (const name of recorded.keys()) if (!liveNames.has(name)) changed.push(name);
    if (!changed.length) return undefined;
    return { services: changed.sort(naturalCompare), ...(at ? { at } : {}) };
}

/**
 * The stack's history, oldest first: revisions (and refused objects) by number, with "deployed outside Swarm
 * Stacks" in its place: before the revision that found it, and at the end when the live stack differs from the
 * latest revision.
 */
export async function readHistory(engine: StackEngine, stack: string, call: CallOptions = {}): Promise<HistoryEntry[]> {
    const [entries, live] = await Promise.all([readRevisionConfigs(engine, stack, call), engine.listServices(stackLabelFilter(stack), {}, call)]);
    const history: HistoryEntry[] = [];
    for (const entry of entries) {
        if (entry.kind === 'revision' && entry.payload.outsideBefore) history.push({ kind: 'outside', change: entry.payload.outsideBefore });
        history.push(entry);
    }
    const latest = latestRevision(entries);
    const after = latest ? changedOutside(latest.payload, live) : undefined;
    if (after) history.push({ kind: 'outside', change: after });
    return history;
}

/** The revision `n` of a stack, or an error saying why it cannot be used. */
export async function readRevision(engine: StackEngine, stack: string, n: number, call: CallOptions = {}): Promise<RevisionPayload> {
    const entries = await readRevisionConfigs(engine, stack, call);
    const entry = entries.find((e) => revisionOf(e) === n);
    if (!entry) {
        const known = entries.map(revisionOf).filter((r) => r !== undefined);
        throw new Error(`stack ${stack} has no revision ${n}${known.length ? ` (it has ${known.join(', ')})` : ' (it has no history: deploy it with Swarm Stacks first)'}`);
    }
    if (entry.kind === 'refused') throw new Error(`${entry.reason}. Nothing was changed.`);
    return (entry as Extract<HistoryEntry, { kind: 'revision' }>).payload;
}

/**
 * Started before a deploy applies anything: reads the latest revision and the live services, to record what
 * changed outside Swarm Stacks since. `finish` then records the new revision and removes those past the limit;
 * it never throws (the deploy is done), it returns warnings.
 */
export async function beginRevision(engine: StackEngine, stack: string, options: RevisionOptions, call: CallOptions = {}): Promise<{ finish(): Promise<string[]> }> {
    let entries: HistoryEntry[] = [];
    let outsideBefore: OutsideChange | undefined;
    let startProblem: string | undefined;
    try {
        const [read, live] = await Promise.all([readRevisionConfigs(engine, stack, call), engine.listServices(stackLabelFilter(stack), {}, call)]);
        entries = read;
        const latest = latestRevision(read);
        outsideBefore = latest ? changedOutside(latest.payload, live) : undefined;
    } catch (error) {
        if (call.signal?.aborted) throw error;
        startProblem = error instanceof Error ? error.message : String(error);
    }
    return {
        finish: async () => {
            if (startProblem !== undefined) return [`The deploy was applied, but its revision was not recorded: ${startProblem}\n`];
            try {
                const numbers = entries.map(revisionOf).filter((r): r is number => r !== undefined);
                const revision = Math.max(0, ...numbers) + 1;
                const [services, networks] = await Promise.all([engine.listServices(stackLabelFilter(stack), {}, call), engine.listNetworks(undefined, call)]);
                const attached = new Set(services.flatMap((s) => (s.Spec.TaskTemplate.Networks ?? []).map((n) => n.Target)));
                const payload: RevisionPayload = {
                    schema: REVISION_SCHEMA,
                    stack,
                    revision,
                    time: new Date().toISOString(),
                    deployedBy: options.deployedBy,
                    version: options.version,
                    ...(options.composeHash ? { composeHash: options.composeHash } : {}),
                    reason: options.reason ?? 'deploy',
                    ...(outsideBefore ? { outsideBefore } : {}),
                    networks: networks
                        .filter((n) => attached.has(n.Id) || attached.has(n.Name))
                        .map((n) => ({
                            id: n.Id,
                            name: n.Name,
                            ...(n.Labels?.[NAMESPACE_LABEL] === stack ? { request: networkRequest(n) } : {}),
                        })),
                    services: services
                        .map((s) => ({ name: s.Spec.Name ?? s.ID, spec: s.Spec }))
                        .sort((a, b) => naturalCompare(a.name, b.name)),
                };
                await engine.createConfig(encodeRevision(payload), call);
                // Bounded: the oldest objects beyond the limit go, refused ones included (they count as history).
                const stale = entries.slice(0, Math.max(0, entries.length + 1 - Math.max(1, options.limit ?? DEFAULT_HISTORY_LIMIT)));
                const failures: string[] = [];
                for (const entry of stale) {
                    const id = entry.kind === 'outside' ? '' : entry.configId;
                    await engine.removeConfig(id, call).catch((error: unknown) => failures.push(`Could not remove an old revision of ${stack}: ${error instanceof Error ? error.message : String(error)}\n`));
                }
                return failures;
            } catch (error) {
                if (call.signal?.aborted) throw error;
                return [`The deploy was applied, but its revision was not recorded: ${error instanceof Error ? error.message : String(error)}\n`];
            }
        },
    };
}

/** What creates a network like this one again (the fields a stack sets: docker/cli `cli/compose/convert/compose.go`). */
function networkRequest(n: Network): NetworkCreateRequest {
    return {
        Name: n.Name,
        Driver: n.Driver,
        Scope: n.Scope,
        ...(n.EnableIPv6 ? { EnableIPv6: true } : {}),
        IPAM: n.IPAM ?? null,
        Internal: Boolean(n.Internal),
        Attachable: Boolean(n.Attachable),
        Ingress: false,
        ConfigOnly: false,
        ConfigFrom: null,
        Options: n.Options ?? null,
        Labels: n.Labels ?? null,
    };
}
