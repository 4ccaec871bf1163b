/**
 * Deploy = plan, then apply. The plan is pure: it compares what the compose file converts to with
 * what the engine holds and says what will be created, updated (with the spec changes), left alone
 * and pruned. Nothing is sent to the engine until the plan holds no blocking problem.
 */
import type { Config, ConfigSpec, Network, NetworkCreateRequest, Platform, Secret, SecretSpec, Service, ServiceSpec } from '../specs';
import { IMAGE_LABEL, descopedName } from './names';
import { diffSpecs, formatSpecChanges, type SpecChange } from './spec-diff';
import type { UnpulledImage } from '../nodes/image-placement';
import type { RotatedObject } from './rotation';
import { asStoredAtApiVersion } from '../api-version';

export type ResolveImageMode = 'always' | 'changed' | 'never';

export const RESOLVE_IMAGE_MODES: readonly ResolveImageMode[] = ['always', 'changed', 'never'];

/** What the conversion of a compose file gives, named as the stack names its objects. */
export interface DesiredStack {
    stackName: string;
    networks: { key: string; name: string; request: NetworkCreateRequest }[];
    externalNetworks: string[];
    secrets: { key: string; name: string; spec: SecretSpec }[];
    configs: { key: string; name: string; spec: ConfigSpec }[];
    services: { key: string; name: string; spec: ServiceSpec }[];
}

/** What the engine holds that the plan needs; read with a constant number of list calls. */
export interface ExistingState {
    /** Services labelled with the stack. */
    services: Service[];
    /** Services of the wanted names that are NOT labelled with the stack (a create would conflict). */
    foreignServices: Service[];
    /** Networks labelled with the stack. */
    networks: Network[];
    /** Networks of the wanted names that are not labelled with the stack. */
    foreignNetworks: Network[];
    /** Secrets and configs of the wanted names, whatever their labels (the CLI adopts them by name). */
    secrets: Secret[];
    configs: Config[];
    /** Each external network named by the compose file, or undefined when it does not exist. */
    externalNetworks: Map<string, Network | undefined>;
    /**
     * External networks the engine has built in (`host`, `bridge`), which are not checked as the CLI
     * does not check them, but whose IDs the engine stores in the service: read to compare specs.
     */
    builtinNetworks?: Map<string, Network | undefined>;
}

/** The outcome of asking a registry for an image's digest (the CLI's "QueryRegistry"). */
export interface ImageResolution {
    /** `name:tag@sha256:…` when the registry answered. */
    pinnedImage?: string;
    platforms?: Platform[];
    /** Set when the registry could not be asked: the CLI's warning text. */
    warning?: string;
    /**
     * Why there is no digest: the registry does not have the image, it asked for credentials none were sent for,
     * or the lookup failed otherwise (timeout, unreachable, a refused login): then nothing is known of the image.
     */
    failure?: { outcome: 'notFound' | 'needsCredentials' | 'failed'; detail: string; registry?: string };
}

type ObjectAction = 'create' | 'update' | 'unchanged';

export interface PlannedService {
    key: string;
    name: string;
    action: ObjectAction;
    spec: ServiceSpec;
    existing?: Service;
    changes: SpecChange[];
}

export interface PlannedObject<S> {
    key: string;
    name: string;
    action: ObjectAction;
    spec: S;
    existingId?: string;
    existingVersion?: number;
}

export interface DeployPlan {
    stackName: string;
    resolveImage: ResolveImageMode;
    networks: PlannedObject<NetworkCreateRequest>[];
    secrets: PlannedObject<SecretSpec>[];
    configs: PlannedObject<ConfigSpec>[];
    services: PlannedService[];
    prune: { name: string; id: string }[];
    /** Problems that stop the deploy before anything is sent. */
    problems: string[];
    warnings: string[];
    /** On several nodes: images in no registry, and the nodes their services cannot start on. */
    unpulledImages?: UnpulledImage[];
    /** With config rotation: the name each file-backed secret and config gets (rotation.ts). */
    rotation?: RotatedObject[];
    /** The names of the networks the engine holds that the plan read, by ID: specs store attachments by ID. */
    networkNames?: Record<string, string>;
    /** Registries that asked for credentials the deploy did not send (no `--with-registry-auth`). */
    registriesNeedingCredentials?: string[];
    /** Images whose digest could not be read, and the running services that keep the reference they run. */
    unresolvedKept?: { image: string; services: string[] }[];
}

/**
 * The images to ask a registry about, as the CLI decides per service (docker/cli `cli/command/stack/deploy_composefile.go`), each once.
 * Under `changed` and `never`, a service whose compose image equals the image label of its last
 * deploy keeps the image it runs and is not asked about.
 */
export function imagesToResolve(desired: DesiredStack, existing: ExistingState, mode: ResolveImageMode): string[] {
    if (mode === 'never') {
        return [];
    }
    const byName = new Map(existing.services.map((s) => [s.Spec.Name, s]));
    const images = new Set<string>();
    for (const service of desired.services) {
        const image = composeImage(service.spec);
        const current = byName.get(service.name);
        if (mode === 'changed' && current && current.Spec.Labels?.[IMAGE_LABEL] === image) {
            continue;
        }
        images.add(image);
    }
    return [...images];
}

export interface PlanOptions {
    resolveImage: ResolveImageMode;
    prune: boolean;
    /** Resolutions for the images `imagesToResolve` named. */
    resolutions: Map<string, ImageResolution>;
    /** The client-side tag normalisation (`nginx` → `nginx:latest`). */
    normalizeImage(image: string): string;
    /**
     * The Engine API version the deploy's requests are made at (negotiated as the Docker CLI does): fields the engine
     * does not store at that version are not compared, so that a file using them is not "changed" on every deploy.
     */
    apiVersion: string;
    /** The specs carry the exact image to run (a rollback to a recorded revision): no registry, no label rule. */
    keepSpecImages?: boolean;
}

export function planDeploy(desired: DesiredStack, existing: ExistingState, options: PlanOptions): DeployPlan {
    const problems: string[] = [];
    const warnings: string[] = [];

    for (const [name, network] of existing.externalNetworks) {
        if (!network) {
            problems.push(
                `network "${name}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`,
            );
        } else if (network.Scope !== 'swarm') {
            problems.push(
                `network "${name}" is declared as external, but it is not in the right scope: "${network.Scope}" instead of "swarm"`,
            );
        }
    }

    const labelledNetworks = new Set(existing.networks.map((n) => n.Name));
    const foreignNetworks = new Set(existing.foreignNetworks.map((n) => n.Name));
    const networks = desired.networks.map((n): PlannedObject<NetworkCreateRequest> => {
        if (!labelledNetworks.has(n.name) && foreignNetworks.has(n.name)) {
            problems.push(`network ${n.name} already exists and does not belong to stack ${desired.stackName}: remove it or give the stack's network another name`);
        }
        // Existing stack networks are never updated, as the CLI does.
        return { key: n.key, name: n.name, spec: n.request, action: labelledNetworks.has(n.name) ? 'unchanged' : 'create' };
    });

    const secrets = desired.secrets.map((s) => planObject(s, existing.secrets, 'secret', problems));
    const configs = desired.configs.map((c) => planObject(c, existing.configs, 'config', problems));

    const networkIds = new Map<string, string>([
        ...existing.networks.map((n) => [n.Name, n.Id] as const),
        ...[...existing.externalNetworks.values(), ...(existing.builtinNetworks?.values() ?? [])]
            .filter((n): n is Network => n !== undefined)
            .map((n) => [n.Name, n.Id] as const),
    ]);
    const labelledServices = new Map(existing.services.map((s) => [s.Spec.Name ?? '', s]));
    const foreignServices = new Set(existing.foreignServices.map((s) => s.Spec.Name));
    const kept = new Map<string, string[]>();
    const services = desired.services.map((s): PlannedService => {
        const current = labelledServices.get(s.name);
        if (!current && foreignServices.has(s.name)) {
            problems.push(`service ${s.name} already exists and does not belong to stack ${desired.stackName}`);
        }
        const spec = finalServiceSpec(s.spec, current, options, warnings, (image) => kept.set(image, [...(kept.get(image) ?? []), s.name]));
        if (!current) {
            return { key: s.key, name: s.name, action: 'create', spec, changes: [] };
        }
        // The engine stores network attachments by ID; compare them as such.
        const changes = diffSpecs(withDaemonDefaults(current.Spec), asStoredAtApiVersion(withDaemonDefaults(withNetworkIds(spec, networkIds)), options.apiVersion));
        return { key: s.key, name: s.name, action: changes.length ? 'update' : 'unchanged', spec, existing: current, changes };
    });

    const wanted = new Set(desired.services.map((s) => s.key));
    const prune = options.prune
        ? existing.services
              .filter((s) => {
                  const key = descopedName(desired.stackName, s.Spec.Name ?? '');
                  return key === undefined || !wanted.has(key);
              })
              .map((s) => ({ name: s.Spec.Name ?? s.ID, id: s.ID }))
              .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        : [];

    const networkNames = Object.fromEntries([...networkIds].map(([name, id]) => [id, name]));
    const plan: DeployPlan = { stackName: desired.stackName, resolveImage: options.resolveImage, networks, secrets, configs, services, prune, problems, warnings, networkNames };
    if (kept.size) {
        plan.unresolvedKept = [...kept].map(([image, names]) => ({ image, services: names }));
        for (const { image, services: names } of plan.unresolvedKept) {
            const reason = options.resolutions.get(image)?.failure?.detail;
            warnings.push(`The digest of ${image} could not be read${reason ? ` (${reason})` : ''}: ${names.join(', ')} ${names.length === 1 ? 'keeps' : 'keep'} the image ${names.length === 1 ? 'it runs' : 'they run'}.\n`);
        }
    }
    return plan;
}

function planObject<S extends SecretSpec | ConfigSpec>(
    wanted: { key: string; name: string; spec: S },
    existing: readonly (Secret | Config)[],
    kind: 'secret' | 'config',
    problems: string[],
): PlannedObject<S> {
    const current = existing.find((o) => o.Spec.Name === wanted.name);
    if (!current) {
        return { key: wanted.key, name: wanted.name, spec: wanted.spec, action: 'create' };
    }
    const base = { key: wanted.key, name: wanted.name, spec: wanted.spec, existingId: current.ID, existingVersion: current.Version.Index };
    // The engine never shows a secret's data, so a secret is always updated as the CLI does (the
    // engine refuses the update when the data changed). A config's data is visible: a changed one
    // is reported before anything is sent, since swarm configs are immutable.
    if (kind === 'config' && current.Spec.Data !== undefined && wanted.spec.Data !== undefined && current.Spec.Data !== wanted.spec.Data) {
        problems.push(
            `config ${wanted.name} exists with other content, and swarm configs cannot change: deploy with config rotation (--rotate-configs, the swarmStacks.deploy.rotateConfigs setting, or "x-swarm-stacks: { rotate-configs: true }" in the compose file), give the new content another name, or remove the stack first`,
        );
    }
    const sameLabels = JSON.stringify(sortedEntries(current.Spec.Labels)) === JSON.stringify(sortedEntries(wanted.spec.Labels));
    if (kind === 'config' && sameLabels && current.Spec.Data === wanted.spec.Data) {
        return { ...base, action: 'unchanged' };
    }
    return { ...base, action: 'update' };
}

function sortedEntries(labels: Record<string, string> | undefined): [string, string][] {
    return Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The compose image string, as carried in the service's image label. */
function composeImage(spec: ServiceSpec): string {
    return spec.Labels?.[IMAGE_LABEL] ?? spec.TaskTemplate.ContainerSpec?.Image ?? '';
}

/**
 * The spec that is sent: the image chosen by `--resolve-image` (docker/cli `cli/command/stack/deploy_composefile.go`), and ForceUpdate
 * copied from the running service so that tasks are not restarted for nothing.
 *
 * Unlike the CLI, a lookup that failed (a slow or unreachable registry, credentials not sent) never changes a
 * running service whose compose image is the one it was deployed with: it keeps the reference it runs, pinned
 * digest and platforms included, as `--resolve-image changed` would. The CLI sends the bare tag then, which
 * replaces every task for nothing (`onKept` names the image, so the plan can say it could not be resolved).
 */
function finalServiceSpec(spec: ServiceSpec, current: Service | undefined, options: PlanOptions, warnings: string[], onKept: (image: string) => void): ServiceSpec {
    if (options.keepSpecImages) {
        return { ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: current?.Spec.TaskTemplate.ForceUpdate ?? spec.TaskTemplate.ForceUpdate ?? 0 } };
    }
    const image = composeImage(spec);
    const sameAsLastDeploy = current !== undefined && current.Spec.Labels?.[IMAGE_LABEL] === image;
    let finalImage = options.normalizeImage(image);
    let platforms: Platform[] | undefined;
    const resolution = options.resolveImage === 'never' ? undefined : options.resolutions.get(image);
    const runningImage = current?.Spec.TaskTemplate.ContainerSpec?.Image;
    if (current && sameAsLastDeploy && runningImage && (options.resolveImage !== 'always' || (resolution !== undefined && !resolution.pinnedImage))) {
        finalImage = runningImage;
        platforms = current.Spec.TaskTemplate.Placement?.Platforms;
        if (resolution && !resolution.pinnedImage) onKept(image);
    } else if (resolution?.pinnedImage) {
        finalImage = resolution.pinnedImage;
        platforms = resolution.platforms?.length ? resolution.platforms : undefined;
    } else if (resolution?.warning && !warnings.includes(resolution.warning)) {
        warnings.push(resolution.warning);
    }
    const placement = { ...(spec.TaskTemplate.Placement ?? {}) };
    if (platforms?.length) {
        placement.Platforms = platforms;
    } else {
        delete placement.Platforms;
    }
    return {
        ...spec,
        TaskTemplate: {
            ...spec.TaskTemplate,
            ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Image: finalImage },
            Placement: placement,
            ForceUpdate: current?.Spec.TaskTemplate.ForceUpdate ?? spec.TaskTemplate.ForceUpdate ?? 0,
        },
    };
}

function withNetworkIds(spec: ServiceSpec, ids: Map<string, string>): ServiceSpec {
    const networks = spec.TaskTemplate.Networks?.map((n) => ({ ...n, Target: ids.get(n.Target) ?? n.Target }));
    return networks ? { ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: networks } } : spec;
}

/**
 * What the daemon stores for fields we may leave out, so that a spec we send and the one it stored
 * compare equal: a replicated service without replicas runs 1; a container task gets the runtime
 * `container` and isolation `default`; update and rollback configs get failure action `pause` and
 * order `stop-first`; the endpoint mode is `vip` (measured on Engine 20.10).
 */
function withDaemonDefaults(spec: ServiceSpec): ServiceSpec {
    const out: ServiceSpec = { ...spec, TaskTemplate: { ...spec.TaskTemplate } };
    if (!out.Mode || (out.Mode.Replicated && out.Mode.Replicated.Replicas === undefined)) {
        out.Mode = { ...out.Mode, Replicated: { Replicas: 1 } };
    }
    // The endpoint mode defaults to vip (swarmkit stores it even when the spec sends `EndpointSpec: {}`),
    // a port's protocol to tcp and its publish mode to ingress.
    out.EndpointSpec = {
        ...out.EndpointSpec,
        Mode: out.EndpointSpec?.Mode || 'vip',
        Ports: out.EndpointSpec?.Ports?.map((p) => ({ ...p, Protocol: p.Protocol || 'tcp', PublishMode: p.PublishMode || 'ingress' })),
    };
    const template = out.TaskTemplate;
    if (template.ContainerSpec) {
        template.Runtime = template.Runtime || 'container';
        template.ContainerSpec = { ...template.ContainerSpec, Isolation: template.ContainerSpec.Isolation || 'default' };
        // The daemon does not carry a mount's `consistency` into swarm (moby convert/container.go).
        const mounts = template.ContainerSpec.Mounts;
        if (mounts) template.ContainerSpec.Mounts = mounts.map(({ Consistency: _dropped, ...m }) => m);
    }
    // A restart policy without a condition is stored with condition `any` (moby convert/service.go).
    if (template.RestartPolicy) {
        template.RestartPolicy = { ...template.RestartPolicy, Condition: template.RestartPolicy.Condition || 'any' };
    }
    for (const key of ['UpdateConfig', 'RollbackConfig'] as const) {
        const config = out[key];
        if (config) {
            out[key] = { ...config, FailureAction: config.FailureAction || 'pause', Order: config.Order || 'stop-first' };
        }
    }
    return out;
}

/** True when the plan would change nothing in the engine. */
export function planIsEmpty(plan: DeployPlan): boolean {
    const idle = (o: { action: ObjectAction }) => o.action === 'unchanged';
    return plan.networks.every(idle) && plan.secrets.every(idle) && plan.configs.every(idle) && plan.services.every(idle) && plan.prune.length === 0;
}

/** ` (new content of NAME; …)` after an object rotation renamed. */
function rotationNote(plan: DeployPlan, kind: 'secret' | 'config', name: string): string {
    const rotated = plan.rotation?.find((o) => o.kind === kind && o.name === name && o.rotated);
    if (!rotated) return '';
    if (rotated.contentUnknown) {
        return ` (${rotated.baseName} again: its fingerprint in the swarm was not made with this machine's key, so whether it changed cannot be told; the old version is removed once the services have converged)`;
    }
    return ` (new content of ${rotated.baseName}; the old version is removed once the services have converged)`;
}

/**
 * The plan as lines a person reads before confirming (CLI `--dry-run`, the editor's confirmation). `serviceDetail`
 * gives the lines under a created or updated service: by default its spec changes.
 */
export function describePlan(plan: DeployPlan, serviceDetail: (service: PlannedService) => string[] = (s) => formatSpecChanges(s.changes)): string[] {
    const lines: string[] = [];
    const verb = { create: 'create', update: 'update', unchanged: 'unchanged' } as const;
    for (const n of plan.networks) lines.push(`network ${n.name}: ${verb[n.action]}`);
    for (const s of plan.secrets) lines.push(`secret ${s.name}: ${s.action === 'update' ? 'update labels' : verb[s.action]}${rotationNote(plan, 'secret', s.name)}`);
    for (const c of plan.configs) lines.push(`config ${c.name}: ${c.action === 'update' ? 'update labels' : verb[c.action]}${rotationNote(plan, 'config', c.name)}`);
    for (const s of plan.services) {
        lines.push(`service ${s.name}: ${verb[s.action]}`);
        if (s.action === 'unchanged') continue;
        for (const line of serviceDetail(s)) {
            lines.push(`    ${line}`);
        }
    }
    for (const p of plan.prune) lines.push(`service ${p.name}: remove (prune)`);
    return lines;
}
