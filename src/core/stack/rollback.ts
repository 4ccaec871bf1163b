/**
 * Whole-stack rollback and the readable comparisons of the history: a rollback re-applies the specs a revision
 * recorded to every service of the stack, through the same plan as a deploy (create / update with the changes /
 * prune), so it is shown before anything is sent. `docker service rollback` only swaps one service's spec with
 * its previous one (moby#33427).
 */
import type { StackSpecs } from '../compose/convert';
import type { Mount, ServiceSpec } from '../specs';
import { prepareDeploy } from './deploy';
import type { CallOptions, StackEngine } from './engine';
import { readRevision, type RevisionPayload } from './history';
import { IMAGE_LABEL, descopedName, naturalCompare } from './names';
import { describePlan, type DeployPlan, type PlannedService } from './plan';
import { canonicalSpec, diffSpecs, formatSpecChanges, type SpecChange } from './spec-diff';

/**
 * The plan that returns `stack` to revision `n`: every service gets the spec the revision recorded (its image
 * exactly, pinned digest included), services it did not have are pruned, networks it had and that are gone are
 * created again. Configs and secrets are referenced by name: one that no longer exists is a problem of the plan.
 */
export async function prepareRollback(engine: StackEngine, stack: string, n: number, call: CallOptions = {}): Promise<{ plan: DeployPlan; revision: RevisionPayload }> {
    const revision = await readRevision(engine, stack, n, call);
    const plan = await prepareDeploy(engine, revisionSpecs(revision), stack, { resolveImage: 'never', prune: true, keepSpecImages: true, signal: call.signal });
    return { plan, revision };
}

/** The paths whose changes describeRollbackPlan shows in full, in its own words. */
const RUN_PATHS = ['TaskTemplate.ContainerSpec.Image', 'TaskTemplate.ContainerSpec.Mounts', 'TaskTemplate.Networks'];

/**
 * The rollback's plan as lines a person reads before confirming (`rollback --to N --dry-run`, the editor's
 * preview): the deploy plan's, and under each service it creates or updates what that service would run, in full:
 * its image, and the mounts and networks it gains or loses (all of them for a new service). A revision is a config
 * anyone who may create configs can write, and its checksum only detects damage: this is where a revision that runs
 * another image or mounts the host's `/` shows before anything is sent.
 */
export function describeRollbackPlan(plan: DeployPlan): string[] {
    return describePlan(plan, (service) => [
        ...runDetail(service, plan.networkNames ?? {}),
        ...formatSpecChanges(service.changes.filter((c) => !RUN_PATHS.some((p) => c.path === p || c.path.startsWith(`${p}.`)))),
    ]);
}

function runDetail(service: PlannedService, networkNames: Record<string, string>): string[] {
    const wanted = service.spec;
    const live = service.existing?.Spec;
    const image = wanted.TaskTemplate.ContainerSpec?.Image ?? '';
    const liveImage = live?.TaskTemplate.ContainerSpec?.Image ?? '';
    const lines = [!live ? `image: ${image}` : liveImage === image ? `image: ${image} (unchanged)` : `image: ${liveImage} → ${image}`];
    const mounts = (spec: ServiceSpec | undefined) => (spec?.TaskTemplate.ContainerSpec?.Mounts ?? []).map(describeMount);
    // Attachments are stored by ID and planned by name (or by an ID the revision kept): shown by name where known.
    const networks = (spec: ServiceSpec | undefined) => (spec?.TaskTemplate.Networks ?? []).map((n) => networkNames[n.Target] ?? n.Target);
    lines.push(...setChange('mount', mounts(live), mounts(wanted), live !== undefined));
    lines.push(...setChange('network', networks(live), networks(wanted), live !== undefined));
    return lines;
}

/** `mount: …` for each of a new service's; `mount added: …` / `mount removed: …` for an updated one's. */
function setChange(what: string, before: string[], after: string[], updating: boolean): string[] {
    if (!updating) return after.map((a) => `${what}: ${a}`);
    return [...after.filter((a) => !before.includes(a)).map((a) => `${what} added: ${a}`), ...before.filter((b) => !after.includes(b)).map((b) => `${what} removed: ${b}`)];
}

/** `bind / → /host (read-write)`, `volume data → /data (read-only)`, `tmpfs → /run`. */
function describeMount(mount: Mount): string {
    const source = mount.Source ? ` ${mount.Source}` : '';
    const access = mount.Type === 'tmpfs' ? '' : mount.ReadOnly ? ' (read-only)' : ' (read-write)';
    return `${mount.Type ?? 'volume'}${source} → ${mount.Target ?? ''}${access}`;
}

/** A revision as the stack specs a compose file would convert to. */
function revisionSpecs(revision: RevisionPayload): StackSpecs {
    const stack = revision.stack;
    // The engine stores network attachments by ID; a rollback names them, so that a network created again is found.
    const networkNames = new Map(revision.networks.map((n) => [n.id, n.name]));
    const own = revision.networks.filter((n) => n.request !== undefined);
    const external = revision.networks.filter((n) => n.request === undefined).map((n) => n.name);
    const names = <T>(items: T[] | undefined, nameOf: (item: T) => string) => [...new Set((items ?? []).map(nameOf))].sort();
    return {
        networks: own.map((n) => ({ key: descopedName(stack, n.name) ?? n.name, name: n.name, request: n.request! })),
        externalNetworks: [...new Set(external)].sort(),
        secrets: [],
        configs: [],
        services: revision.services.map((s) => {
            const spec: ServiceSpec = JSON.parse(JSON.stringify(s.spec)) as ServiceSpec;
            spec.TaskTemplate.Networks = spec.TaskTemplate.Networks?.map((a) => ({ ...a, Target: networkNames.get(a.Target) ?? a.Target }));
            const containerSpec = spec.TaskTemplate.ContainerSpec;
            return {
                key: descopedName(stack, s.name) ?? s.name,
                name: s.name,
                image: spec.Labels?.[IMAGE_LABEL] ?? containerSpec?.Image ?? '',
                spec,
                secretNames: names(containerSpec?.Secrets, (r) => r.SecretName),
                configNames: names(containerSpec?.Configs, (r) => r.ConfigName),
            };
        }),
        warnings: [],
    };
}

/** What going from revision `from` to revision `to` changes, in the deploy plan's words. */
export function describeRevisionChange(from: RevisionPayload | undefined, to: RevisionPayload): string[] {
    const before = new Map((from?.services ?? []).map((s) => [s.name, s.spec]));
    const after = new Map(to.services.map((s) => [s.name, s.spec]));
    const lines: string[] = [];
    for (const name of [...new Set([...before.keys(), ...after.keys()])].sort(naturalCompare)) {
        const a = before.get(name);
        const b = after.get(name);
        if (!a) {
            lines.push(`service ${name}: create`);
            continue;
        }
        if (!b) {
            lines.push(`service ${name}: remove (prune)`);
            continue;
        }
        const changes = withoutVersionNoise(diffSpecs(a, b));
        lines.push(`service ${name}: ${changes.length ? 'update' : 'unchanged'}`);
        for (const change of formatSpecChanges(changes)) lines.push(`    ${change}`);
    }
    return lines;
}

/** ForceUpdate only says a service was restarted: a rollback keeps the live value, so it is no change. */
function withoutVersionNoise(changes: SpecChange[]): SpecChange[] {
    return changes.filter((c) => c.path !== 'TaskTemplate.ForceUpdate');
}

/** One revision as a document to compare with another (vscode.diff): its facts, then each service's spec. */
export function revisionDocument(revision: RevisionPayload): string {
    const head = [
        `# Stack ${revision.stack}, revision ${revision.revision}: ${revision.reason}`,
        `# ${revision.time} by ${revision.deployedBy} with Swarm Stacks ${revision.version}`,
        ...(revision.composeHash ? [`# compose files ${revision.composeHash}`] : []),
    ];
    const services = Object.fromEntries(revision.services.map((s) => [s.name, canonicalSpec(s.spec) ?? {}]));
    return `${head.join('\n')}\n${stableStringify(services)}\n`;
}

/**
 * The drift of a plan as two documents, live and as the compose file would make it: each service's live spec,
 * and the same spec with the plan's changes applied (a created service on the right only, a pruned one on the
 * left only). The diff between them is exactly the plan's changes, in the plan's terms.
 */
export function driftDocuments(plan: DeployPlan): { live: string; compose: string } {
    const live: Record<string, unknown> = {};
    const compose: Record<string, unknown> = {};
    for (const service of plan.services) {
        if (service.action === 'create' || !service.existing) {
            compose[service.name] = canonicalSpec(service.spec) ?? {};
            continue;
        }
        const current = (canonicalSpec(service.existing.Spec) ?? {}) as Record<string, unknown>;
        live[service.name] = current;
        compose[service.name] = applyChanges(current, service.changes);
    }
    for (const pruned of plan.prune) live[pruned.name] = { removedByPrune: true };
    return { live: `${stableStringify(live)}\n`, compose: `${stableStringify(compose)}\n` };
}

function applyChanges(spec: Record<string, unknown>, changes: readonly SpecChange[]): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
    for (const change of changes) {
        const path = change.path.split('.');
        let node: Record<string, unknown> = copy;
        for (const key of path.slice(0, -1)) {
            const next = node[key];
            if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        const last = path[path.length - 1];
        if (change.after === undefined) delete node[last];
        else node[last] = change.after;
    }
    return copy;
}

/** Pretty JSON with object keys sorted, so that two documents line up in a diff. */
function stableStringify(value: unknown): string {
    return JSON.stringify(
        value,
        (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v),
        2,
    );
}
