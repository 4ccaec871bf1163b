/**
 * `deploy`: read what the stack has in the engine, plan, then apply in the CLI's order (prune,
 * networks, secrets, configs, services). Independent requests of one step run concurrently. A
 * failure part-way says exactly what was applied and what was not; running the deploy again
 * converges, because every step starts from what the engine holds.
 */
import { ConversionError, resolveObjectIds, type StackSpecs } from '../compose/convert';
import { isCancellation } from '../cancellation';
import { normalizeImageReference } from '../image-reference';
import { isDockerHub, registryDisplayName, registryOfImage, type RegistryAuthSource } from '../registry/credentials';
import { classifyRegistryFailure, engineMessageOf, registryFailureMessage } from '../registry/errors';
import type { Config, DistributionInspect, Network, Platform, Secret, ServiceSpec } from '../specs';
import { describeUnpulledImage, unpulledImages } from '../nodes/image-placement';
import { errorKind, mapLimit, type CallOptions, type StackEngine } from './engine';
import { beginRevision, listRevisionConfigs, type RevisionOptions } from './history';
import { NAMESPACE_LABEL, stackLabelFilter } from './names';
import { prepareRotation } from './rotation';
import type { FingerprintKeySource } from './secret-fingerprint';
import { imagesToResolve, planDeploy, type DeployPlan, type PlannedObject, type DesiredStack, type ExistingState, type ImageResolution, type ResolveImageMode } from './plan';

const NOT_A_MANAGER_MESSAGE =
    'this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again';

const PLACEHOLDER_ID = '<created by this deploy>';
// Services are created and updated a few at a time: enough to be quick, few enough to spare the manager. The manager
// commits each through raft, and commits what arrives together at once, so a few in flight finish sooner than one at
// a time (the Docker CLI's way); bench/deploy.ts compares the choices and bench/RESULTS.md has the figures. A TLS
// endpoint opens a connection per request in flight; an ssh one sends its short requests one after another anyway.
const SERVICE_CONCURRENCY = 8;
// A registry that answers takes well under a second; none answering must not stall the deploy.
const REGISTRY_TIMEOUT_MS = 3_000;

export interface DeployOptions {
    resolveImage: ResolveImageMode;
    prune: boolean;
    signal?: AbortSignal;
    /** Progress lines (`Creating service prod_web`), as the CLI prints them. */
    onProgress?(message: string): void;
    /**
     * Registry credentials, read and sent only with `withRegistryAuth` (`--with-registry-auth`): then with every
     * digest lookup and every service create and update, which stores them in the swarm so that the nodes can pull.
     * Without it nothing is read (no credential helper runs) and no `X-Registry-Auth` goes to the engine, as with
     * `docker stack deploy` (docker/cli `cli/command/stack/swarm/deploy_composefile.go` deployServices: the encoded
     * auth is empty unless sendAuth, and the API client's `client/service_create.go` asks
     * `/distribution/{name}/json` with that same value, sending no header when it is empty).
     */
    registryAuth?: RegistryAuthSource;
    withRegistryAuth?: boolean;
    /** The specs carry the exact images to run (a rollback to a recorded revision). */
    keepSpecImages?: boolean;
    /** Records the deploy as a revision of the stack's history (core/stack/history.ts). */
    history?: RevisionOptions;
    /** Config and secret rotation (`--rotate-configs`): changed file content goes to `<name>-<hash8>` (rotation.ts). */
    rotateConfigs?: boolean;
    /** With rotation: the key of secret fingerprints (secret-fingerprint.ts), asked for when a secret is rotated. */
    secretFingerprintKey?: FingerprintKeySource;
}

/** Everything `deploy` needs to know before it may send anything. */
/**
 * The reads a deploy of `stackName` makes whatever its compose file says (prepareDeploy, readExistingState and the
 * revision's start): a command line sends them ahead (StackEngine.readAhead) before it parses and validates the file.
 */
export function deployReadsAhead(engine: StackEngine, stackName: string, call: CallOptions): Promise<unknown>[] {
    return [engine.info(call), engine.listServices(stackLabelFilter(stackName), {}, call), engine.listNetworks(stackLabelFilter(stackName), call), listRevisionConfigs(engine, stackName, call)];
}

export async function prepareDeploy(engine: StackEngine, specs: StackSpecs, stackName: string, options: DeployOptions): Promise<DeployPlan> {
    const call: CallOptions = { signal: options.signal };
    // The engine answers /info slowest of these reads: the stack's state is read meanwhile. On a node that
    // is not a manager those reads fail too, and the answer to /info is what is reported.
    const infoRead = engine.info(call);
    const stateRead = (async () => {
        const rotation = options.rotateConfigs ? await prepareRotation(engine, specs, options.secretFingerprintKey, call) : undefined;
        return { rotation, existing: await readExistingState(engine, rotation ? rotation.specs : specs, stackName, call) };
    })();
    stateRead.catch(() => undefined);
    const info = await infoRead;
    // Known once the first request was made (the /info read above): no request of its own.
    const apiVersion = await engine.apiVersion(call);
    if (!info.swarm.controlAvailable) {
        throw new Error(NOT_A_MANAGER_MESSAGE);
    }
    const { rotation, existing } = await stateRead;
    if (rotation) specs = rotation.specs;

    // IDs of the secrets and configs the services reference: the existing ones now, a placeholder
    // for the ones this deploy creates (their services then differ and are updated anyway).
    const ids = objectIds(specs, existing, PLACEHOLDER_ID);
    const problems: string[] = [];
    const desired: DesiredStack = {
        stackName,
        networks: specs.networks,
        externalNetworks: specs.externalNetworks,
        secrets: specs.secrets,
        configs: specs.configs,
        services: specs.services.map((s) => {
            try {
                return { key: s.key, name: s.name, spec: resolveObjectIds(s.spec, ids, s.key) };
            } catch (error) {
                problems.push(error instanceof Error ? error.message : String(error));
                return { key: s.key, name: s.name, spec: s.spec };
            }
        }),
    };

    const images = imagesToResolve(desired, existing, options.resolveImage);
    // With --with-registry-auth every image's credentials must be readable before anything is sent (the CLI
    // stops on the first it cannot read, after creating networks and secrets: here nothing is applied).
    if (options.withRegistryAuth && options.registryAuth) {
        problems.push(...(await credentialProblems(options.registryAuth, desired.services.map((s) => s.spec.TaskTemplate.ContainerSpec?.Image ?? ''))));
    }
    const resolutions = await resolveImages(engine, images, options.signal, options.withRegistryAuth ? options.registryAuth : undefined);
    const plan = planDeploy(desired, existing, {
        resolveImage: options.resolveImage,
        prune: options.prune,
        resolutions,
        normalizeImage: safeNormalize,
        apiVersion,
        keepSpecImages: options.keepSpecImages,
    });
    plan.problems.unshift(...problems);
    if (rotation) {
        plan.rotation = rotation.objects;
        plan.problems.push(...rotation.problems);
    }
    const notSent = options.withRegistryAuth ? undefined : credentialsNotSentWarning(resolutions);
    if (notSent) {
        plan.warnings.unshift(notSent);
        plan.registriesNeedingCredentials = unique([...resolutions.values()].flatMap((r) => (r.failure?.outcome === 'needsCredentials' && r.failure.registry ? [r.failure.registry] : [])));
    }
    // The registry refused the credentials the services would carry: their tasks could not pull, so stop.
    if (options.withRegistryAuth) {
        for (const resolution of resolutions.values()) {
            if (resolution.loginProblem && !plan.problems.includes(resolution.loginProblem)) plan.problems.push(resolution.loginProblem);
        }
    }
    // A locally built image exists on this node only: other nodes cannot pull it without a registry.
    const nodes = info.swarm.nodes ?? 1;
    if (nodes > 1) {
        await addUnpulledImages(engine, plan, resolutions, info.swarm.nodeId ?? '', call);
    }
    return plan;
}

/**
 * On several nodes, says which services cannot start on which nodes because their image is in no
 * registry (the lookup failed), asking only the engine at hand whether it holds each image.
 */
async function addUnpulledImages(engine: StackEngine, plan: DeployPlan, resolutions: Map<string, ImageResolution>, askedNodeId: string, call: CallOptions): Promise<void> {
    const starting = plan.services.filter((s) => s.action !== 'unchanged');
    const unresolved = (image: string) => !image.includes('@') && (plan.resolveImage === 'never' || [...resolutions.entries()].some(([asked, r]) => r.warning && safeNormalize(asked) === image));
    const candidates = starting.filter((s) => unresolved(s.spec.TaskTemplate.ContainerSpec?.Image ?? ''));
    if (!candidates.length) return;
    const images = unique(candidates.map((s) => s.spec.TaskTemplate.ContainerSpec?.Image ?? ''));
    const [nodes, held] = await Promise.all([
        engine.listNodes(undefined, call),
        Promise.all(images.map(async (image) => [image, await engine.inspectImage(image, call).then(() => true, () => false)] as const)),
    ]);
    plan.unpulledImages = unpulledImages({
        services: candidates.map((s) => ({ name: s.name, image: s.spec.TaskTemplate.ContainerSpec?.Image ?? '', constraints: s.spec.TaskTemplate.Placement?.Constraints ?? [] })),
        nodes,
        askedNodeId,
        askedEndpoint: engine.endpoint.url,
        askedHas: new Map(held),
        lookedUp: plan.resolveImage !== 'never',
        lookupOf: (image) => [...resolutions.entries()].find(([asked]) => safeNormalize(asked) === image)?.[1].failure?.outcome,
    });
    for (const u of plan.unpulledImages) plan.warnings.push(`${describeUnpulledImage(u)}\n`);
}

/** Reads the stack's objects with one list call per kind (plus one per external network). */
async function readExistingState(engine: StackEngine, specs: StackSpecs, stackName: string, call: CallOptions): Promise<ExistingState> {
    const serviceNames = specs.services.map((s) => s.name);
    const networkNames = specs.networks.map((n) => n.name);
    const secretNames = unique([...specs.secrets.map((s) => s.name), ...specs.services.flatMap((s) => s.secretNames)]);
    const configNames = unique([...specs.configs.map((c) => c.name), ...specs.services.flatMap((s) => s.configNames)]);
    const byName = <T>(names: string[], list: (filters: Record<string, string[]>) => Promise<T[]>) =>
        names.length === 0 ? Promise.resolve([] as T[]) : list({ name: names });

    const [services, namedServices, networks, namedNetworks, secrets, configs, externals, builtins] = await Promise.all([
        engine.listServices(stackLabelFilter(stackName), {}, call),
        byName(serviceNames, (f) => engine.listServices(f, {}, call)),
        engine.listNetworks(stackLabelFilter(stackName), call),
        byName(networkNames, (f) => engine.listNetworks(f, call)),
        byName(secretNames, (f) => engine.listSecrets(f, call)),
        byName(configNames, (f) => engine.listConfigs(f, call)),
        Promise.all(specs.externalNetworks.filter(isUserDefinedNetwork).map(async (name) => [name, await inspectOrUndefined(engine, name, call)] as const)),
        // Not checked (as in the CLI), only read for their swarm IDs, which the engine stores in the
        // service (`host` has a swarm ID besides its local one).
        Promise.all(
            specs.externalNetworks
                .filter((name) => !isUserDefinedNetwork(name) && !name.startsWith('container:'))
                .map(async (name) => [name, await inspectOrUndefined(engine, name, call, 'swarm').catch(() => undefined)] as const),
        ),
    ]);
    // The engine's name filters match prefixes: keep exact names only.
    const exact = <T>(items: T[], names: string[], nameOf: (item: T) => string | undefined) => items.filter((i) => names.includes(nameOf(i) ?? ''));
    return {
        services,
        foreignServices: exact(namedServices, serviceNames, (s) => s.Spec.Name).filter((s) => s.Spec.Labels?.[NAMESPACE_LABEL] !== stackName),
        networks,
        foreignNetworks: exact(namedNetworks, networkNames, (n) => n.Name).filter((n) => n.Labels?.[NAMESPACE_LABEL] !== stackName),
        secrets: exact(secrets, secretNames, (s: Secret) => s.Spec.Name),
        configs: exact(configs, configNames, (c: Config) => c.Spec.Name),
        externalNetworks: new Map(externals),
        builtinNetworks: new Map(builtins),
    };
}

async function inspectOrUndefined(engine: StackEngine, name: string, call: CallOptions, scope?: 'swarm'): Promise<Network | undefined> {
    try {
        return await engine.inspectNetwork(name, call, scope ? { scope } : undefined);
    } catch (error) {
        if (errorKind(error) === 'notFound') return undefined;
        throw error;
    }
}

/** Networks the engine has built in; only other names are checked for existence (CLI rule). */
function isUserDefinedNetwork(name: string): boolean {
    return !['default', 'bridge', 'host', 'none'].includes(name) && !name.startsWith('container:');
}

function objectIds(specs: StackSpecs, existing: ExistingState, placeholder: string) {
    const secrets = new Map(existing.secrets.map((s) => [s.Spec.Name, s.ID]));
    const configs = new Map(existing.configs.map((c) => [c.Spec.Name, c.ID]));
    for (const s of specs.secrets) if (!secrets.has(s.name)) secrets.set(s.name, placeholder);
    for (const c of specs.configs) if (!configs.has(c.name)) configs.set(c.name, placeholder);
    return { secrets, configs };
}

/**
 * Asks the registry for each distinct image once, all at once, with a short timeout. Without a
 * registry each answer is a warning, as the CLI gives, instead of a wait per service. `registryAuth` is given
 * only when the credentials may go to the engine (`withRegistryAuth`).
 */
async function resolveImages(
    engine: StackEngine,
    images: string[],
    signal?: AbortSignal,
    registryAuth?: RegistryAuthSource,
): Promise<Map<string, RegistryResolution>> {
    const results = await Promise.all(
        images.map(async (image): Promise<[string, RegistryResolution]> => {
            const normalized = safeNormalize(image);
            let authHeader: string | undefined;
            let credentialsNote = '';
            if (registryAuth) {
                try {
                    authHeader = await registryAuth.authHeaderFor(normalized);
                } catch (error) {
                    credentialsNote = `${error instanceof Error ? error.message : String(error)}\n`;
                }
            }
            try {
                const answer = await engine.distributionInspect(normalized, { timeoutMs: REGISTRY_TIMEOUT_MS, ...(authHeader ? { authHeader } : {}) }, { signal });
                return [image, pinned(normalized, answer)];
            } catch (error) {
                if (signal?.aborted) throw error;
                return [image, failedResolution(normalized, error, engine.endpoint.url, credentialsNote, authHeader !== undefined && authHeader !== '')];
            }
        }),
    );
    return new Map(results);
}

/** A resolution; when the registry refused the login, also that sentence (a problem under --with-registry-auth). */
type RegistryResolution = ImageResolution & { loginProblem?: string };

/**
 * The CLI's warning, followed by what the registry said in one sentence naming it and how to log in
 * (the CLI's warning alone does not tell a wrong password from a registry that is down). A registry that asks
 * for credentials none were sent for is not a login problem: the plan says once which flag sends them.
 */
function failedResolution(image: string, error: unknown, engineUrl: string, credentialsNote: string, authSent: boolean): RegistryResolution {
    const warning = digestWarning(image);
    const timedOut = errorKind(error) === 'timeout';
    const { message, statusCode } = engineMessageOf(error);
    const detail = timedOut ? `no answer within ${REGISTRY_TIMEOUT_MS / 1000} s` : message;
    const kind = timedOut ? 'timeout' : classifyRegistryFailure(message, statusCode);
    const failure: NonNullable<ImageResolution['failure']> = {
        outcome: kind === 'notFound' ? 'notFound' : (kind === 'noCredentials' || kind === 'unauthorized') && !authSent ? 'needsCredentials' : 'failed',
        detail,
    };
    let registry: string;
    try {
        registry = registryOfImage(image);
    } catch {
        return { warning: warning + credentialsNote, failure };
    }
    failure.registry = registry;
    if (failure.outcome === 'needsCredentials') return { warning, failure };
    // Docker Hub out of reach is every offline deploy's case: the CLI's warning says all there is to say.
    if (kind === 'other' || ((kind === 'unreachable' || kind === 'timeout') && isDockerHub(registry))) return { warning: warning + credentialsNote, failure };
    const sentence = registryFailureMessage(kind, detail, { registry, image, operation: 'resolve', engine: engineUrl });
    const resolution: RegistryResolution = { warning: `${warning}${sentence}\n${credentialsNote}`, failure };
    if (kind === 'unauthorized' || kind === 'noCredentials') resolution.loginProblem = sentence;
    return resolution;
}

/**
 * Said once per plan: the registries that asked for credentials the deploy did not send, and how to send them.
 * Without them the image cannot be pinned, and a node that does not hold it cannot pull it either.
 */
function credentialsNotSentWarning(resolutions: Map<string, RegistryResolution>): string | undefined {
    const byRegistry = new Map<string, string[]>();
    for (const [image, r] of resolutions) {
        if (r.failure?.outcome !== 'needsCredentials' || !r.failure.registry) continue;
        byRegistry.set(r.failure.registry, [...(byRegistry.get(r.failure.registry) ?? []), safeNormalize(image)]);
    }
    if (!byRegistry.size) return undefined;
    const registries = [...byRegistry.keys()].sort();
    const images = registries.flatMap((r) => byRegistry.get(r) ?? []);
    const names = registries.map(registryDisplayName).join(', ');
    return (
        `${names} ${registries.length === 1 ? 'asks' : 'ask'} for credentials to look up ${images.join(', ')}, and none were sent: registry credentials go to the swarm ` +
        `only with --with-registry-auth (in the editor, the setting swarmStacks.deploy.withRegistryAuth). Without them the ` +
        `${images.length === 1 ? 'image is' : 'images are'} not pinned to a digest and nodes that do not hold ${images.length === 1 ? 'it' : 'them'} cannot pull ${images.length === 1 ? 'it' : 'them'}.\n`
    );
}

/** Reads the credentials of every image once; each one that cannot be read is a problem. */
async function credentialProblems(source: RegistryAuthSource, images: string[]): Promise<string[]> {
    const problems = new Set<string>();
    await Promise.all(
        unique(images.filter((image) => image !== '')).map(async (image) => {
            try {
                await source.authHeaderFor(image);
            } catch (error) {
                problems.add(error instanceof Error ? error.message : String(error));
            }
        }),
    );
    return [...problems];
}

/** The X-Registry-Auth of a service create/update: only with --with-registry-auth (deploy_composefile.go). */
async function serviceAuthHeader(spec: ServiceSpec, options: DeployOptions): Promise<{ authHeader?: string }> {
    if (!options.withRegistryAuth || !options.registryAuth) return {};
    const authHeader = await options.registryAuth.authHeaderFor(spec.TaskTemplate.ContainerSpec?.Image ?? '');
    return authHeader ? { authHeader } : {};
}

/** The CLI's warning when a registry could not be asked (docker/cli `cli/command/stack/deploy_composefile.go`). */
function digestWarning(image: string): string {
    return `image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\npossibly leading to different nodes running different\nversions of the image.\n`;
}

function pinned(image: string, answer: DistributionInspect): ImageResolution {
    const platforms: Platform[] = [];
    for (const p of answer.Platforms ?? []) {
        if (p.os === 'unknown' || p.architecture === 'unknown') continue;
        const platform: Platform = { Architecture: p.architecture?.toLowerCase() === 'arm' ? '' : p.architecture, OS: p.os };
        if (!platforms.some((q) => q.Architecture === platform.Architecture && q.OS === platform.OS)) platforms.push(platform);
    }
    const pinnedImage = image.includes('@') ? image : `${image}@${answer.Descriptor.digest}`;
    return { pinnedImage, platforms };
}

function safeNormalize(image: string): string {
    try {
        return normalizeImageReference(image);
    } catch {
        return image;
    }
}

function unique(names: string[]): string[] {
    return [...new Set(names)].sort();
}

interface AppliedStep {
    kind: 'network' | 'secret' | 'config' | 'service';
    name: string;
    action: 'create' | 'update' | 'remove';
    id?: string;
}

interface DeployResult {
    plan: DeployPlan;
    applied: AppliedStep[];
    warnings: string[];
}

/**
 * A deploy that stopped part-way: what was applied and what was not, and why. When the engine itself was lost
 * (unreachable, or silent past the timeout), that is said once, not once per step it stopped.
 */
class PartialDeployError extends Error {
    constructor(
        readonly applied: AppliedStep[],
        readonly notApplied: string[],
        readonly failures: string[],
        readonly lostEngine?: string,
    ) {
        super(
            [...failures, ...(lostEngine !== undefined ? [`Lost the engine part-way: ${lostEngine}`] : [])].join('\n') +
                '\n' +
                `Applied: ${applied.length ? applied.map((a) => `${a.action} ${a.kind} ${a.name}`).join(', ') : 'nothing'}.\n` +
                `Not applied: ${notApplied.length ? notApplied.join(', ') : 'nothing'}.\n` +
                'Deploying again continues from what the engine now holds.',
        );
        this.name = 'PartialDeployError';
    }
}

/** Applies a plan that has no problems. */
export async function applyDeploy(engine: StackEngine, plan: DeployPlan, options: DeployOptions): Promise<DeployResult> {
    if (plan.problems.length) {
        throw new Error(plan.problems.join('\n'));
    }
    const call: CallOptions = { signal: options.signal };
    const progress = options.onProgress ?? (() => undefined);
    const revision = options.history ? await beginRevision(engine, plan.stackName, options.history, call) : undefined;
    const applied: AppliedStep[] = [];
    const warnings = [...plan.warnings];
    const failures: string[] = [];
    const pending = new Set<string>([
        ...plan.prune.map((p) => `remove service ${p.name}`),
        ...plan.networks.filter((n) => n.action === 'create').map((n) => `create network ${n.name}`),
        ...plan.secrets.filter((s) => s.action !== 'unchanged').map((s) => `${s.action} secret ${s.name}`),
        ...plan.configs.filter((c) => c.action !== 'unchanged').map((c) => `${c.action} config ${c.name}`),
        ...plan.services.filter((s) => s.action !== 'unchanged').map((s) => `${s.action} service ${s.name}`),
    ]);

    /** Once the engine is lost, no further request is sent: the rest is "not applied", not a failure each. */
    let lostEngine: string | undefined;
    const step = async <T>(label: string, record: Omit<AppliedStep, 'id'>, work: () => Promise<T & { id?: string }>): Promise<(T & { id?: string }) | undefined> => {
        if (lostEngine !== undefined) return undefined;
        try {
            const result = await work();
            applied.push({ ...record, id: result.id });
            pending.delete(label);
            return result;
        } catch (error) {
            if (options.signal?.aborted) throw error;
            const lost = engineLost(error);
            if (lost !== undefined) lostEngine ??= lost;
            else failures.push(error instanceof Error ? error.message : String(error));
            return undefined;
        }
    };
    const stopIfFailed = () => {
        if (failures.length || lostEngine !== undefined) throw new PartialDeployError(applied, [...pending], failures, lostEngine);
    };

    await mapLimit(plan.prune, SERVICE_CONCURRENCY, (p) =>
        step(`remove service ${p.name}`, { kind: 'service', name: p.name, action: 'remove' }, async () => {
            progress(`Removing service ${p.name}`);
            await engine.removeService(p.id, call);
            return {};
        }),
    );
    stopIfFailed();

    await Promise.all(
        plan.networks
            .filter((n) => n.action === 'create')
            .map((n) =>
                step(`create network ${n.name}`, { kind: 'network', name: n.name, action: 'create' }, async () => {
                    progress(`Creating network ${n.name}`);
                    try {
                        return await engine.createNetwork({ ...n.spec, Driver: n.spec.Driver || 'overlay' }, call);
                    } catch (error) {
                        throw new Error(`failed to create network ${n.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
                    }
                }),
            ),
    );
    stopIfFailed();

    // Secrets and configs go the same way; each gives the ID its services need.
    const applyObjects = <S>(
        kind: 'secret' | 'config',
        planned: PlannedObject<S>[],
        create: (spec: S) => Promise<{ id: string }>,
        update: (id: string, version: number, spec: S) => Promise<void>,
    ): { ids: Map<string, string>; done: Promise<unknown> } => {
        const ids = new Map<string, string>();
        const done = Promise.all(
            planned.map((o) => {
                if (o.action === 'unchanged') {
                    ids.set(o.name, o.existingId ?? '');
                    return Promise.resolve();
                }
                return step(`${o.action} ${kind} ${o.name}`, { kind, name: o.name, action: o.action }, async () => {
                    if (o.action === 'create') {
                        progress(`Creating ${kind} ${o.name}`);
                        const created = await wrap(`failed to create ${kind} ${o.name}`, () => create(o.spec));
                        ids.set(o.name, created.id);
                        return created;
                    }
                    await wrap(`failed to update ${kind} ${o.name}`, () => update(o.existingId ?? '', o.existingVersion ?? 0, o.spec));
                    ids.set(o.name, o.existingId ?? '');
                    return { id: o.existingId };
                });
            }),
        );
        return { ids, done };
    };
    const secrets = applyObjects('secret', plan.secrets, (spec) => engine.createSecret(spec, call), (id, version, spec) => engine.updateSecret(id, version, spec, call));
    const configs = applyObjects('config', plan.configs, (spec) => engine.createConfig(spec, call), (id, version, spec) => engine.updateConfig(id, version, spec, call));
    await Promise.all([secrets.done, configs.done]);
    const secretIds = secrets.ids;
    const configIds = configs.ids;
    stopIfFailed();

    await mapLimit(
        plan.services.filter((s) => s.action !== 'unchanged'),
        SERVICE_CONCURRENCY,
        (s) =>
            step(`${s.action} service ${s.name}`, { kind: 'service', name: s.name, action: s.action as 'create' | 'update' }, async () => {
                const spec = withCreatedIds(s.spec, secretIds, configIds);
                if (s.action === 'create' || !s.existing) {
                    progress(`Creating service ${s.name}`);
                    // Warnings of a create are not shown, as in the CLI.
                    return wrap(`failed to create service ${s.name}`, async () => engine.createService(spec, await serviceAuthHeader(spec, options), call));
                }
                progress(`Updating service ${s.name} (id: ${s.existing.ID})`);
                const result = await wrap(`failed to update service ${s.name}`, async () =>
                    engine.updateService(s.existing!.ID, s.existing!.Version.Index, spec, await serviceAuthHeader(spec, options), call),
                );
                warnings.push(...result.warnings);
                return { id: s.existing.ID };
            }),
    );
    stopIfFailed();
    if (revision) warnings.push(...(await revision.finish()));
    return { plan, applied, warnings };
}

/** Puts the IDs of objects this deploy created where the plan had placeholders. */
function withCreatedIds(spec: ServiceSpec, secretIds: Map<string, string>, configIds: Map<string, string>): ServiceSpec {
    const containerSpec = spec.TaskTemplate.ContainerSpec;
    if (!containerSpec) return spec;
    const needsIds = [...(containerSpec.Secrets ?? []), ...(containerSpec.Configs ?? [])].some(
        (r) => ('SecretID' in r ? r.SecretID : r.ConfigID) === PLACEHOLDER_ID,
    ) || containerSpec.Privileges?.CredentialSpec?.Config === PLACEHOLDER_ID;
    if (!needsIds) return spec;
    const ids = {
        secrets: new Map([...(containerSpec.Secrets ?? []).map((r) => [r.SecretName, r.SecretID] as const), ...secretIds]),
        configs: new Map([...(containerSpec.Configs ?? []).map((r) => [r.ConfigName, r.ConfigID] as const), ...configIds]),
    };
    try {
        return resolveObjectIds(spec, ids);
    } catch (error) {
        if (error instanceof ConversionError) throw new Error(error.message);
        throw error;
    }
}

async function wrap<T>(prefix: string, work: () => Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (error) {
        if (isCancellation(error)) throw error;
        throw new Error(`${prefix}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
}

/**
 * The message of the engine's own failure to answer (the Docker door's `unreachable` or `timeout`, found through
 * the causes a step wraps it in), or undefined when the engine answered (a refusal is the step's own failure).
 */
function engineLost(error: unknown): string | undefined {
    let current: unknown = error;
    for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
        const kind = errorKind(current);
        if (kind === 'unreachable' || kind === 'timeout') return current.message;
        current = current.cause;
    }
    return undefined;
}

/** The services a deploy touched, for `--wait`. */
export function touchedServices(result: DeployResult): string[] {
    return result.applied.filter((a) => a.kind === 'service' && a.action !== 'remove' && a.id).map((a) => a.id!);
}
