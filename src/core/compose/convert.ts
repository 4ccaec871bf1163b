/**
 * Compose model → Engine API specs, exactly as `docker stack deploy` converts them
 * (docker/cli `cli/command/stack/deploy_composefile.go`, `cli/compose/convert/compose.go`, `cli/compose/convert/service.go`). Pure: file reads are injected.
 *
 * Secret and config references need object IDs, which exist only after the objects were created:
 * the specs carry `SecretName`/`ConfigName` with `SecretID`/`ConfigID` = "" and
 * `resolveObjectIds()` fills them in (and the credential-spec config ID).
 */
import type {
    ConfigReference,
    ConfigSpec,
    ContainerSpec,
    CredentialSpec,
    DNSConfig,
    Driver,
    EndpointSpec,
    HealthConfig,
    Mount,
    NetworkAttachmentConfig,
    NetworkCreateRequest,
    Placement,
    ResourceRequirements,
    RestartPolicy,
    SecretReference,
    SecretSpec,
    ServiceMode,
    ServiceSpec,
    TaskSpec,
    Ulimit,
    UpdateConfig as EngineUpdateConfig,
} from '../specs';
import type {
    ComposeConfig,
    ConfigObjConfig,
    CredentialSpecConfig,
    DeployConfig,
    ExternalConfig,
    FileReferenceConfig,
    HealthcheckConfig,
    ListOrDict,
    NetworkConfig,
    ResourcesConfig,
    RestartPolicyConfig,
    SecretConfig,
    ServiceConfig,
    UpdateConfig,
} from './types';
import {
    absPath,
    compareBytes,
    ConversionError,
    effectiveCapabilities,
    goSprint,
    isRecord,
    shlexSplit,
    sortedRecord,
    stringOrList,
    toBase64,
    toOptionMap,
    toStringMap,
} from './convert-util';
import { convertPorts } from './convert-ports';
import { convertVolume } from './convert-volumes';
import { parseBytes, parseDurationNs, parseNanoCpus } from './values';
import { normalizeImageReference } from '../image-reference';
import { ownValue, userKeyRecord } from '../user-keys';

export { ConversionError } from './convert-util';
export { parseShortPort, comparePorts } from './convert-ports';
export { parseVolumeSpec, volumeName } from './convert-volumes';
export { effectiveCapabilities, shlexSplit } from './convert-util';

const LABEL_NAMESPACE = 'com.docker.stack.namespace';
const LABEL_IMAGE = 'com.docker.stack.image';

export interface ConvertOptions {
    stackName: string;
    /** Directory of the first compose file: relative bind sources and secret/config files resolve against it. */
    workingDir: string;
    /** Reads a secret/config file (absolute path). Injected so tests need no disk. */
    readFile(path: string): Uint8Array;
    /**
     * Process environment. Used for `~` in bind sources (HOME) and, only when the loader did not
     * deliver `resolvedEnvironment`, for the CLI's "empty/null value → process env wins" rule.
     */
    env?: Record<string, string | undefined>;
    /**
     * Apply the client-side tag normalisation (`cli/command/stack/deploy_composefile.go`: `nginx` → `nginx:latest`) to
     * `ContainerSpec.Image`. Default false: the image is the compose string, as the CLI's
     * conversion produces it (the `com.docker.stack.image` label always keeps the compose string).
     */
    normalizeImages?: boolean;
}

interface ConversionWarning {
    message: string;
    path: (string | number)[];
}

interface StackNetwork {
    /** compose key */
    key: string;
    /** engine name (`<stack>_<key>` or `name:`) */
    name: string;
    request: NetworkCreateRequest;
}

interface StackSecret {
    key: string;
    name: string;
    spec: SecretSpec;
    /** The absolute path of a file-backed secret: what is shown of it, never `spec.Data` (printable.ts). */
    file?: string;
}

interface StackConfig {
    key: string;
    name: string;
    spec: ConfigSpec;
}

interface StackService {
    /** compose key */
    key: string;
    /** `<stack>_<key>` */
    name: string;
    /** the compose image string (also in the `com.docker.stack.image` label) */
    image: string;
    /** IDs still "" — pass through resolveObjectIds() before sending. */
    spec: ServiceSpec;
    /** Names of the secrets / configs whose IDs the spec needs (unique, sorted). */
    secretNames: string[];
    configNames: string[];
}

export interface StackSpecs {
    /** Networks to create (used, non-external), sorted by key. */
    networks: StackNetwork[];
    /**
     * Names of used external networks, sorted and unique. Only "user defined" ones need the
     * existence/scope check (see isUserDefinedNetwork).
     */
    externalNetworks: string[];
    /** Non-external top-level secrets (created whether used or not), declaration order. */
    secrets: StackSecret[];
    /** Non-external top-level configs, declaration order. */
    configs: StackConfig[];
    /** Services in declaration order. */
    services: StackService[];
    /** Non-fatal notices the CLI prints as logrus warnings (e.g. ignored host IP of a port). */
    warnings: ConversionWarning[];
}

interface ObjectIds {
    secrets: Map<string, string>;
    configs: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// small helpers

function isExternal(external: ExternalConfig | undefined): boolean {
    return external === true || isRecord(external);
}

function externalName(external: ExternalConfig | undefined): string | undefined {
    if (isRecord(external) && typeof external.name === 'string' && external.name !== '') return external.name;
    return undefined;
}

/** Name of a top-level network/secret/config as the loader resolves it. */
function objectName(
    key: string,
    cfg: { name?: string; external?: ExternalConfig } | null | undefined,
    stackName: string,
): string {
    if (cfg?.name) return cfg.name;
    const ext = externalName(cfg?.external);
    if (ext) return ext;
    if (isExternal(cfg?.external)) return key;
    return `${stackName}_${key}`;
}

/** Network modes that are not user-defined networks (container.NetworkMode.IsUserDefined). */
function isUserDefinedNetwork(name: string): boolean {
    return !(name === 'default' || name === 'bridge' || name === 'host' || name === 'none' || name.startsWith('container:'));
}

function withStackLabel(labels: ListOrDict | undefined | null, stackName: string): Record<string, string> {
    const m = toStringMap(labels);
    m[LABEL_NAMESPACE] = stackName;
    return sortedRecord(m);
}

function duration(value: string | undefined, path: (string | number)[]): number | undefined {
    if (value === undefined || value === null) return undefined;
    try {
        return parseDurationNs(String(value));
    } catch (e) {
        throw new ConversionError((e as Error).message, path);
    }
}

function serviceNetworkKeys(svc: ServiceConfig): string[] {
    const n = svc.networks;
    if (n === undefined || n === null) return ['default'];
    const keys = Array.isArray(n) ? n.map(String) : Object.keys(n);
    return keys.length === 0 ? ['default'] : keys;
}

// ---------------------------------------------------------------------------------------------
// networks (docker/cli `cli/command/stack/deploy_composefile.go`, `cli/compose/convert/compose.go`)

function convertNetworks(config: ComposeConfig, stackName: string): { networks: StackNetwork[]; externalNetworks: string[] } {
    const used = new Set<string>();
    for (const svc of Object.values(config.services ?? {})) for (const k of serviceNetworkKeys(svc ?? {})) used.add(k);
    const networks: StackNetwork[] = [];
    const externals = new Set<string>();
    for (const key of Array.from(used).sort(compareBytes)) {
        const declared = config.networks && key in config.networks;
        if (!declared && key !== 'default') continue; // reported by the service conversion
        const cfg: NetworkConfig = (config.networks?.[key] ?? {});
        if (isExternal(cfg.external)) {
            externals.add(objectName(key, cfg, stackName));
            continue;
        }
        const name = cfg.name ? cfg.name : `${stackName}_${key}`;
        const opts = toOptionMap(cfg.driver_opts);
        let ipam: NetworkCreateRequest['IPAM'] = null;
        const ipamCfg = cfg.ipam;
        if (ipamCfg && ((ipamCfg.driver ?? '') !== '' || (ipamCfg.config?.length ?? 0) > 0)) {
            const entries = (ipamCfg.config ?? []).map((c) => (c?.subnet ? { Subnet: c.subnet } : {}));
            ipam = { Driver: ipamCfg.driver ?? '', Options: null, Config: entries.length > 0 ? entries : null };
        }
        const request: NetworkCreateRequest = {
            Name: name,
            CheckDuplicate: true,
            Driver: cfg.driver ? cfg.driver : 'overlay',
            Scope: '',
            IPAM: ipam,
            Internal: cfg.internal === true,
            Attachable: cfg.attachable === true,
            Ingress: false,
            ConfigOnly: false,
            ConfigFrom: null,
            Options: opts ? sortedRecord(opts) : null,
            Labels: withStackLabel(cfg.labels, stackName),
        };
        networks.push({ key, name, request });
    }
    return { networks, externalNetworks: Array.from(externals).sort(compareBytes) };
}

// ---------------------------------------------------------------------------------------------
// secrets / configs (docker/cli `cli/compose/convert/compose.go`)

function fileObjectData(
    kind: 'secret' | 'config',
    key: string,
    file: string | undefined,
    options: ConvertOptions,
    path: (string | number)[],
): string {
    const p = absPath(options.workingDir, file ?? '');
    if (!file) {
        // QUIRK kept in text only: the CLI reads the working directory itself and fails.
        throw new ConversionError(`read ${p}: is a directory`, path);
    }
    try {
        return toBase64(options.readFile(p));
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        let msg = err.message;
        if (err.code === 'ENOENT') msg = `open ${p}: no such file or directory`;
        else if (err.code === 'EISDIR') msg = `read ${p}: is a directory`;
        else if (err.code === 'EACCES') msg = `open ${p}: permission denied`;
        void kind;
        void key;
        throw new ConversionError(msg, path);
    }
}

function convertSecrets(config: ComposeConfig, options: ConvertOptions): StackSecret[] {
    const out: StackSecret[] = [];
    for (const [key, raw] of Object.entries(config.secrets ?? {})) {
        const cfg: SecretConfig = raw ?? {};
        if (isExternal(cfg.external)) continue;
        const path = ['secrets', key];
        const name = objectName(key, cfg, options.stackName);
        const spec: SecretSpec = { Name: name, Labels: withStackLabel(cfg.labels, options.stackName) };
        if (cfg.driver) {
            if (cfg.file) throw new ConversionError(`secret ${key}: secret.driver and secret.file conflict; only use secret.driver`, path);
            const d: Driver = { Name: cfg.driver };
            const o = toOptionMap(cfg.driver_opts);
            if (o && Object.keys(o).length > 0) d.Options = sortedRecord(o);
            spec.Driver = d;
        } else {
            const data = fileObjectData('secret', key, cfg.file, options, cfg.file ? [...path, 'file'] : path);
            if (data !== '') spec.Data = data;
        }
        if (cfg.template_driver) spec.Templating = { Name: cfg.template_driver };
        out.push({ key, name, spec, ...(cfg.file && !cfg.driver ? { file: absPath(options.workingDir, cfg.file) } : {}) });
    }
    return out;
}

function convertConfigs(config: ComposeConfig, options: ConvertOptions): StackConfig[] {
    const out: StackConfig[] = [];
    for (const [key, raw] of Object.entries(config.configs ?? {})) {
        const cfg: ConfigObjConfig = raw ?? {};
        if (isExternal(cfg.external)) continue;
        const path = ['configs', key];
        const name = objectName(key, cfg, options.stackName);
        const spec: ConfigSpec = { Name: name, Labels: withStackLabel(cfg.labels, options.stackName) };
        const data = fileObjectData('config', key, cfg.file, options, cfg.file ? [...path, 'file'] : path);
        if (data !== '') spec.Data = data;
        if (cfg.template_driver) spec.Templating = { Name: cfg.template_driver };
        out.push({ key, name, spec });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// service pieces (docker/cli `cli/compose/convert/service.go`)

function environmentOf(svc: ServiceConfig, env: Record<string, string | undefined> | undefined): Record<string, string | null> {
    if (svc.resolvedEnvironment) return svc.resolvedEnvironment;
    const out: Record<string, string | null> = userKeyRecord();
    const e = svc.environment;
    if (Array.isArray(e)) {
        for (const entry of e) {
            const s = goSprint(entry);
            const i = s.indexOf('=');
            if (i === -1) out[s] = null;
            else out[s.slice(0, i)] = s.slice(i + 1);
        }
    } else if (isRecord(e)) {
        for (const [k, v] of Object.entries(e)) out[k] = v === null || v === undefined ? null : goSprint(v);
    }
    if (env) {
        for (const [k, v] of Object.entries(out)) {
            const pv = ownValue(env, k);
            if ((v === null || v === '') && pv !== undefined) out[k] = pv;
        }
    }
    return out;
}

/** `K=V` (or bare `K` for null), sorted byte-wise. */
function convertEnvironment(env: Record<string, string | null>): string[] {
    return Object.entries(env)
        .map(([k, v]) => (v === null ? k : `${k}=${v}`))
        .sort(compareBytes);
}

function shellWords(v: string | string[] | undefined | null, path: (string | number)[]): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    let words: string[];
    if (Array.isArray(v)) words = v.map(goSprint);
    else {
        try {
            words = shlexSplit(v);
        } catch (e) {
            throw new ConversionError((e as Error).message, path);
        }
    }
    return words.length > 0 ? words : undefined;
}

/** `extra_hosts` → `"ip host"` entries (docker/cli `cli/compose/loader/loader.go`). */
export function convertExtraHosts(v: ListOrDict | undefined | null): string[] {
    if (v === undefined || v === null) return [];
    let entries: string[];
    if (Array.isArray(v)) {
        entries = [];
        for (const raw of v) {
            const s = goSprint(raw);
            let i = s.indexOf('=');
            if (i === -1) i = s.indexOf(':');
            if (i === -1) continue;
            let ip = s.slice(i + 1);
            if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
            entries.push(`${s.slice(0, i)}:${ip}`);
        }
    } else {
        entries = Object.entries(v)
            .filter(([, ip]) => ip !== null && ip !== undefined)
            .map(([host, ip]) => {
                let s = goSprint(ip);
                if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
                return `${host}:${s}`;
            })
            .sort(compareBytes);
    }
    const out: string[] = [];
    for (const hostIP of entries) {
        const i = hostIP.indexOf(':');
        if (i === -1) continue;
        out.push(`${hostIP.slice(i + 1)} ${hostIP.slice(0, i)}`);
    }
    return out;
}

function isValidIP(s: string): boolean {
    if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s)) return true;
    const zone = s.indexOf('%');
    const a = zone >= 0 ? s.slice(0, zone) : s;
    if (zone >= 0 && zone === s.length - 1) return false;
    if (!a.includes(':') || !/^[0-9a-fA-F:.]+$/.test(a)) return false;
    if ((a.match(/::/g) ?? []).length > 1 || a.includes(':::')) return false;
    let groups = a.split(':');
    let v4 = 0;
    const last = groups[groups.length - 1];
    if (last.includes('.')) {
        if (!isValidIP(last) || last.includes(':')) return false;
        v4 = 2;
        groups = groups.slice(0, -1);
    }
    const hasDouble = a.includes('::');
    const nonEmpty = groups.filter((g) => g !== '');
    if (!nonEmpty.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
    const count = nonEmpty.length + v4;
    if (hasDouble) return count < 8 && !/^:[^:]/.test(a) && !/[^:]:$/.test(a);
    return count === 8 && !a.startsWith(':') && !a.endsWith(':');
}

function convertDNS(svc: ServiceConfig): DNSConfig | undefined {
    const dns = stringOrList(svc.dns);
    const search = stringOrList(svc.dns_search);
    if (dns.length === 0 && search.length === 0) return undefined;
    const out: DNSConfig = {};
    const ns = dns.filter(isValidIP).map((ip) => (ip.includes(':') ? ip.toLowerCase() : ip));
    if (ns.length > 0) out.Nameservers = ns;
    if (search.length > 0) out.Search = search;
    return out;
}

function convertHealthcheck(h: HealthcheckConfig | undefined | null, path: (string | number)[]): HealthConfig | undefined {
    if (h === undefined || h === null) return undefined;
    const test = h.test === undefined || h.test === null ? [] : typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test.map(goSprint);
    if (h.disable) {
        if (test.length !== 0) throw new ConversionError("test and disable can't be set at the same time", path);
        return { Test: ['NONE'] };
    }
    const out: HealthConfig = {};
    if (test.length > 0) out.Test = test;
    const interval = duration(h.interval, [...path, 'interval']);
    const timeout = duration(h.timeout, [...path, 'timeout']);
    const startPeriod = duration(h.start_period, [...path, 'start_period']);
    const startInterval = duration(h.start_interval, [...path, 'start_interval']);
    if (interval) out.Interval = interval;
    if (timeout) out.Timeout = timeout;
    if (startPeriod) out.StartPeriod = startPeriod;
    if (startInterval) out.StartInterval = startInterval;
    const retries = h.retries === undefined || h.retries === null ? 0 : Math.trunc(h.retries);
    if (retries) out.Retries = retries;
    return out;
}

/** `deploy.restart_policy`, or the legacy `restart:` string (docker/cli `cli/compose/convert/service.go`). */
export function convertRestartPolicy(
    restart: string | undefined,
    policy: RestartPolicyConfig | undefined | null,
    path: (string | number)[],
): RestartPolicy | undefined {
    if (policy !== undefined && policy !== null) {
        const out: RestartPolicy = {};
        if (policy.condition) out.Condition = policy.condition;
        const delay = duration(policy.delay, [...path, 'deploy', 'restart_policy', 'delay']);
        if (delay !== undefined) out.Delay = delay;
        if (policy.max_attempts !== undefined && policy.max_attempts !== null) out.MaxAttempts = policy.max_attempts;
        const window = duration(policy.window, [...path, 'deploy', 'restart_policy', 'window']);
        if (window !== undefined) out.Window = window;
        return out;
    }
    if (restart === undefined || restart === null || restart === '') return undefined;
    const rpath = [...path, 'restart'];
    const fail = (m: string): never => {
        throw new ConversionError(m, rpath);
    };
    const colon = restart.indexOf(':');
    const name = colon === -1 ? restart : restart.slice(0, colon);
    const countStr = colon === -1 ? '' : restart.slice(colon + 1);
    if (colon !== -1 && name === '') fail('invalid restart policy format: no policy provided before colon');
    let count = 0;
    if (countStr !== '') {
        if (!/^[+-]?[0-9]+$/.test(countStr)) fail('invalid restart policy format: maximum retry count must be an integer');
        count = Number(countStr);
    }
    if (count < 0) fail('invalid restart policy: maximum retry count cannot be negative');
    const attempts = count > 0 ? { MaxAttempts: count } : {};
    switch (name) {
        case 'no':
        case '':
            return undefined;
        case 'always':
        case 'unless-stopped':
            return { Condition: 'any', ...attempts };
        case 'on-failure':
            return { Condition: 'on-failure', ...attempts };
        default:
            return fail(
                `invalid restart policy: unknown policy '${name}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')`,
            );
    }
}

function convertUpdateConfig(u: UpdateConfig | undefined | null, path: (string | number)[]): EngineUpdateConfig | undefined {
    if (u === undefined || u === null) return undefined;
    const out: EngineUpdateConfig = { Parallelism: u.parallelism ?? 1, MaxFailureRatio: 0, Order: '' };
    const delay = duration(u.delay, [...path, 'delay']);
    const monitor = duration(u.monitor, [...path, 'monitor']);
    const ordered: EngineUpdateConfig = { Parallelism: out.Parallelism } as EngineUpdateConfig;
    if (delay) ordered.Delay = delay;
    if (u.failure_action) ordered.FailureAction = u.failure_action;
    if (monitor) ordered.Monitor = monitor;
    ordered.MaxFailureRatio = u.max_failure_ratio ?? 0;
    ordered.Order = u.order ?? '';
    return ordered;
}

function cpus(v: string | undefined, path: (string | number)[]): number {
    if (v === undefined || v === null || v === '') return 0;
    try {
        return parseNanoCpus(String(v));
    } catch (e) {
        throw new ConversionError((e as Error).message, path);
    }
}

function memory(v: string | number | undefined, path: (string | number)[]): number {
    if (v === undefined || v === null) return 0;
    if (typeof v === 'number') return Math.trunc(v);
    try {
        return parseBytes(v);
    } catch (e) {
        throw new ConversionError((e as Error).message, path);
    }
}

function convertResources(r: ResourcesConfig | undefined | null, path: (string | number)[]): ResourceRequirements {
    const out: ResourceRequirements = {};
    if (!r) return out;
    if (r.limits !== undefined && r.limits !== null) {
        const l = r.limits;
        const n = cpus(l.cpus, [...path, 'limits', 'cpus']);
        const m = memory(l.memory, [...path, 'limits', 'memory']);
        out.Limits = {};
        if (n) out.Limits.NanoCPUs = n;
        if (m) out.Limits.MemoryBytes = m;
        if (l.pids) out.Limits.Pids = l.pids;
    }
    if (r.reservations !== undefined && r.reservations !== null) {
        const rs = r.reservations;
        const n = cpus(rs.cpus, [...path, 'reservations', 'cpus']);
        const m = memory(rs.memory, [...path, 'reservations', 'memory']);
        out.Reservations = {};
        if (n) out.Reservations.NanoCPUs = n;
        if (m) out.Reservations.MemoryBytes = m;
        const gr = rs.generic_resources ?? [];
        if (gr.length > 0) {
            out.Reservations.GenericResources = gr.map((g) => {
                const d = g?.discrete_resource_spec;
                if (!d) return {};
                const spec: { Kind?: string; Value?: number } = {};
                if (d.kind) spec.Kind = d.kind;
                if (d.value) spec.Value = Math.trunc(d.value);
                return { DiscreteResourceSpec: spec };
            });
        }
    }
    return out;
}

function convertMode(deploy: DeployConfig, path: (string | number)[]): ServiceMode {
    const mode = deploy.mode ?? '';
    const replicas = deploy.replicas;
    const hasReplicas = replicas !== undefined && replicas !== null;
    switch (mode) {
        case 'global-job':
        case 'global':
            if (hasReplicas) {
                throw new ConversionError('replicas can only be used with replicated or replicated-job mode', [...path, 'replicas']);
            }
            return mode === 'global' ? { Global: {} } : { GlobalJob: {} };
        case 'replicated-job':
            return { ReplicatedJob: hasReplicas ? { MaxConcurrent: replicas, TotalCompletions: replicas } : {} };
        case 'replicated':
        case '':
            return { Replicated: hasReplicas ? { Replicas: replicas } : {} };
        default:
            throw new ConversionError(`unknown mode: ${mode}`, [...path, 'mode']);
    }
}

function convertPlacement(deploy: DeployConfig): Placement {
    const p = deploy.placement;
    const out: Placement = {};
    if (!p) return out;
    if (p.constraints && p.constraints.length > 0) out.Constraints = p.constraints.map(goSprint);
    if (p.preferences && p.preferences.length > 0) {
        out.Preferences = p.preferences.map((pref) => ({ Spread: { SpreadDescriptor: pref?.spread ?? '' } }));
    }
    if (p.max_replicas_per_node) out.MaxReplicas = p.max_replicas_per_node;
    return out;
}

function convertServiceNetworks(
    svc: ServiceConfig,
    key: string,
    config: ComposeConfig,
    stackName: string,
    path: (string | number)[],
): NetworkAttachmentConfig[] {
    const n = svc.networks;
    const entries: [string, { aliases?: string[]; driver_opts?: Record<string, string | number> } | null][] = [];
    if (Array.isArray(n)) for (const k of n) entries.push([String(k), null]);
    else if (isRecord(n)) for (const [k, v] of Object.entries(n)) entries.push([k, v ?? null]);
    if (entries.length === 0) entries.push(['default', null]);
    const out: NetworkAttachmentConfig[] = [];
    entries.forEach(([netKey, cfg], i) => {
        const declared = config.networks !== undefined && config.networks !== null && netKey in config.networks;
        if (!declared && netKey !== 'default') {
            const p = Array.isArray(n) ? [...path, 'networks', i] : n ? [...path, 'networks', netKey] : path;
            throw new ConversionError(`undefined network "${netKey}"`, p);
        }
        const top = (config.networks?.[netKey] ?? {});
        const target = top.name ? top.name : isExternal(top.external) ? objectName(netKey, top, stackName) : `${stackName}_${netKey}`;
        const att: NetworkAttachmentConfig = { Target: target };
        const aliases = (cfg?.aliases ?? []).map(goSprint);
        if (isUserDefinedNetwork(target)) aliases.push(key);
        if (aliases.length > 0) att.Aliases = aliases;
        const opts = toOptionMap(cfg?.driver_opts);
        if (opts && Object.keys(opts).length > 0) att.DriverOpts = sortedRecord(opts);
        out.push(att);
    });
    return out.sort((a, b) => compareBytes(a.Target, b.Target));
}

interface PendingRef {
    name: string;
    target: string;
    uid: string;
    gid: string;
    mode: number;
}

function fileRefs(
    kind: 'secret' | 'config',
    refs: (string | FileReferenceConfig)[] | undefined,
    top: Record<string, SecretConfig | ConfigObjConfig> | undefined,
    stackName: string,
    path: (string | number)[],
): PendingRef[] {
    const out: PendingRef[] = [];
    const seenTargets = new Map<string, string>();
    (refs ?? []).forEach((raw, i) => {
        const ref: FileReferenceConfig = typeof raw === 'string' ? { source: raw } : raw ?? {};
        const source = ref.source ?? '';
        if (!top || !(source in top)) {
            throw new ConversionError(`undefined ${kind} "${source}"`, [...path, i]);
        }
        const name = objectName(source, top[source], stackName);
        const target = ref.target ? ref.target : source;
        if (seenTargets.has(target)) {
            throw new ConversionError(`duplicate ${kind} target for ${name} not allowed`, [...path, i]);
        }
        seenTargets.set(target, name);
        out.push({
            name,
            target,
            uid: ref.uid ? ref.uid : '0',
            gid: ref.gid ? ref.gid : '0',
            mode: ref.mode === undefined || ref.mode === null ? 0o444 : ref.mode,
        });
    });
    return out;
}

function convertCredentialSpec(
    c: CredentialSpecConfig | undefined | null,
    path: (string | number)[],
): CredentialSpec | null {
    if (!c) return null;
    const o: string[] = [];
    if (c.config) o.push('"Config"');
    if (c.file) o.push('"File"');
    if (c.registry) o.push('"Registry"');
    if (o.length === 0) return null;
    if (o.length === 2) throw new ConversionError(`invalid credential spec: cannot specify both ${o[0]} and ${o[1]}`, path);
    if (o.length > 2) {
        throw new ConversionError(`invalid credential spec: cannot specify both ${o.slice(0, -1).join(', ')}, and ${o[o.length - 1]}`, path);
    }
    // Config holds the config's ID, filled in by resolveObjectIds(); "" until then.
    return { Config: '', File: c.file ?? '', Registry: c.registry ?? '' };
}

function convertUlimits(u: ServiceConfig['ulimits']): Ulimit[] {
    if (!u) return [];
    return Object.entries(u)
        .map(([name, v]) => {
            if (typeof v === 'number') return { Name: name, Hard: v, Soft: v };
            return { Name: name, Hard: v?.hard ?? 0, Soft: v?.soft ?? 0 };
        })
        .sort((a, b) => compareBytes(a.Name, b.Name));
}

// ---------------------------------------------------------------------------------------------
// one service

function convertService(
    key: string,
    svc: ServiceConfig,
    config: ComposeConfig,
    options: ConvertOptions,
    warnings: ConversionWarning[],
): StackService {
    const stack = options.stackName;
    const path: (string | number)[] = ['services', key];
    const deploy: DeployConfig = svc.deploy ?? {};
    const dpath = [...path, 'deploy'];

    // secrets and configs first, as the CLI does
    const secretRefs = fileRefs('secret', svc.secrets, config.secrets, stack, [...path, 'secrets']);
    const configRefs = fileRefs('config', svc.configs, config.configs, stack, [...path, 'configs']);
    let credConfigName: string | undefined;
    const cred = svc.credential_spec;
    if (cred && cred.config) {
        if (!config.configs || !(cred.config in config.configs)) {
            throw new ConversionError(`undefined config "${cred.config}"`, [...path, 'credential_spec', 'config']);
        }
        credConfigName = objectName(cred.config, config.configs[cred.config], stack);
    }

    const ports = convertPorts(svc.ports, [...path, 'ports'], (m, p) => warnings.push({ message: m, path: p }));
    const endpoint: EndpointSpec = {};
    if (deploy.endpoint_mode) endpoint.Mode = deploy.endpoint_mode.toLowerCase();
    if (ports.length > 0) endpoint.Ports = ports;

    const mode = convertMode(deploy, dpath);

    const mounts: Mount[] = [];
    const home = options.env?.HOME;
    (svc.volumes ?? []).forEach((v, i) => {
        try {
            mounts.push(
                convertVolume(v, {
                    stackName: stack,
                    workingDir: options.workingDir,
                    volumes: config.volumes,
                    home,
                    warn: (m) => warnings.push({ message: m, path: [...path, 'volumes', i] }),
                }),
            );
        } catch (e) {
            if (e instanceof ConversionError) throw e;
            throw new ConversionError((e as Error).message, [...path, 'volumes', i]);
        }
    });

    const resources = convertResources(deploy.resources, [...dpath, 'resources']);
    const restartPolicy = convertRestartPolicy(svc.restart, deploy.restart_policy, path);
    const healthcheck = convertHealthcheck(svc.healthcheck, [...path, 'healthcheck']);
    const networks = convertServiceNetworks(svc, key, config, stack, path);
    const dns = convertDNS(svc);
    const credentialSpec = convertCredentialSpec(cred, [...path, 'credential_spec']);
    const caps = effectiveCapabilities(svc.cap_add, svc.cap_drop);
    const image = svc.image ?? '';

    // ContainerSpec, in the Go struct's field order
    const cs: ContainerSpec = {};
    const specImage = options.normalizeImages ? normalizeImageReference(image) : image;
    if (specImage) cs.Image = specImage;
    cs.Labels = withStackLabel(svc.labels, stack);
    const command = shellWords(svc.entrypoint, [...path, 'entrypoint']);
    if (command) cs.Command = command;
    const args = shellWords(svc.command, [...path, 'command']);
    if (args) cs.Args = args;
    if (svc.hostname) cs.Hostname = svc.hostname;
    const env = convertEnvironment(environmentOf(svc, options.env));
    if (env.length > 0) cs.Env = env;
    if (svc.working_dir) cs.Dir = svc.working_dir;
    if (svc.user) cs.User = svc.user;
    cs.Privileges = { CredentialSpec: credentialSpec, SELinuxContext: null, NoNewPrivileges: false };
    if (svc.init !== undefined && svc.init !== null) cs.Init = svc.init;
    if (svc.stop_signal) cs.StopSignal = svc.stop_signal;
    if (svc.tty) cs.TTY = true;
    if (svc.stdin_open) cs.OpenStdin = true;
    if (svc.read_only) cs.ReadOnly = true;
    if (mounts.length > 0) cs.Mounts = mounts;
    const sgp = duration(svc.stop_grace_period, [...path, 'stop_grace_period']);
    if (sgp !== undefined) cs.StopGracePeriod = sgp;
    if (healthcheck) cs.Healthcheck = healthcheck;
    const hosts = convertExtraHosts(svc.extra_hosts);
    if (hosts.length > 0) cs.Hosts = hosts;
    if (dns) cs.DNSConfig = dns;
    if (secretRefs.length > 0) {
        cs.Secrets = secretRefs
            .map(
                (r): SecretReference => ({
                    File: { Name: r.target, UID: r.uid, GID: r.gid, Mode: r.mode },
                    SecretID: '',
                    SecretName: r.name,
                }),
            )
            .sort((a, b) => compareBytes(a.SecretName, b.SecretName));
    }
    const cfgs: ConfigReference[] = configRefs.map((r) => ({
        File: { Name: r.target, UID: r.uid, GID: r.gid, Mode: r.mode },
        ConfigID: '',
        ConfigName: r.name,
    }));
    if (credConfigName !== undefined) cfgs.push({ Runtime: {}, ConfigID: '', ConfigName: credConfigName });
    if (cfgs.length > 0) cs.Configs = cfgs.sort((a, b) => compareBytes(a.ConfigName, b.ConfigName));
    if (svc.isolation) cs.Isolation = svc.isolation;
    const sysctls = toStringMap(svc.sysctls);
    if (Object.keys(sysctls).length > 0) cs.Sysctls = sortedRecord(sysctls);
    if (caps.add.length > 0) cs.CapabilityAdd = caps.add;
    if (caps.drop.length > 0) cs.CapabilityDrop = caps.drop;
    const ulimits = convertUlimits(svc.ulimits);
    if (ulimits.length > 0) cs.Ulimits = ulimits;

    const task: TaskSpec = { ContainerSpec: cs, Resources: resources };
    if (restartPolicy) task.RestartPolicy = restartPolicy;
    task.Placement = convertPlacement(deploy);
    task.Networks = networks;
    if (svc.logging !== undefined && svc.logging !== null) {
        const ld: Partial<Driver> = {};
        if (svc.logging.driver) ld.Name = svc.logging.driver;
        const o = toOptionMap(svc.logging.options ?? undefined);
        if (o && Object.keys(o).length > 0) ld.Options = sortedRecord(o);
        task.LogDriver = ld as Driver;
    }
    task.ForceUpdate = 0;

    const labels = toStringMap(deploy.labels);
    labels[LABEL_NAMESPACE] = stack;
    labels[LABEL_IMAGE] = image;
    const spec: ServiceSpec = { Name: `${stack}_${key}`, Labels: sortedRecord(labels), TaskTemplate: task, Mode: mode };
    const update = convertUpdateConfig(deploy.update_config, [...dpath, 'update_config']);
    if (update) spec.UpdateConfig = update;
    const rollback = convertUpdateConfig(deploy.rollback_config, [...dpath, 'rollback_config']);
    if (rollback) spec.RollbackConfig = rollback;
    spec.EndpointSpec = endpoint;

    const secretNames = Array.from(new Set(secretRefs.map((r) => r.name))).sort(compareBytes);
    const configNames = Array.from(
        new Set([...configRefs.map((r) => r.name), ...(credConfigName !== undefined ? [credConfigName] : [])]),
    ).sort(compareBytes);
    return { key, name: `${stack}_${key}`, image, spec, secretNames, configNames };
}

// ---------------------------------------------------------------------------------------------
// public API

/**
 * Convert a loaded compose config into everything `docker stack deploy` would create.
 * Throws ConversionError (CLI message + path into the config) on the first problem; unlike the
 * CLI, nothing has been created at that point (docker/cli `cli/command/stack/deploy_composefile.go` creates the networks first).
 */
export function convertStack(config: ComposeConfig, options: ConvertOptions): StackSpecs {
    const warnings: ConversionWarning[] = [];
    // same order as the CLI: networks, secrets, configs, then services
    const { networks, externalNetworks } = convertNetworks(config, options.stackName);
    const secrets = convertSecrets(config, options);
    const configs = convertConfigs(config, options);
    const services: StackService[] = [];
    for (const [key, svc] of Object.entries(config.services ?? {})) {
        try {
            services.push(convertService(key, svc ?? {}, config, options, warnings));
        } catch (error) {
            throw serviceError(key, error);
        }
    }
    return { networks, externalNetworks, secrets, configs, services, warnings };
}

/**
 * A service's conversion error, wrapped here once as docker/cli `cli/compose/convert/service.go` (Services) wraps
 * every error of a service: `service <key>: <cause>`, located where the cause is.
 */
function serviceError(key: string, error: unknown): ConversionError {
    const message = `service ${key}: ${error instanceof Error ? error.message : String(error)}`;
    return new ConversionError(message, error instanceof ConversionError ? error.path : ['services', key]);
}

/**
 * Return a copy of `spec` with `SecretID`/`ConfigID` (and the credential-spec config ID) filled
 * in from the names. Throws `secret not found: <name>` / `config not found: <name>` (prefixed
 * `service <key>: ` when serviceKey is given), like the CLI.
 */
export function resolveObjectIds(spec: ServiceSpec, idsByName: ObjectIds, serviceKey?: string): ServiceSpec {
    const out = JSON.parse(JSON.stringify(spec)) as ServiceSpec;
    const cs = out.TaskTemplate.ContainerSpec;
    if (!cs) return out;
    const prefix = serviceKey !== undefined ? `service ${serviceKey}: ` : '';
    for (const ref of cs.Secrets ?? []) {
        const id = idsByName.secrets.get(ref.SecretName);
        if (id === undefined) throw new ConversionError(`${prefix}secret not found: ${ref.SecretName}`, serviceKey ? ['services', serviceKey, 'secrets'] : []);
        ref.SecretID = id;
    }
    for (const ref of cs.Configs ?? []) {
        const id = idsByName.configs.get(ref.ConfigName);
        if (id === undefined) throw new ConversionError(`${prefix}config not found: ${ref.ConfigName}`, serviceKey ? ['services', serviceKey, 'configs'] : []);
        ref.ConfigID = id;
    }
    const cred = cs.Privileges?.CredentialSpec;
    if (cred && cred.File === '' && cred.Registry === '') {
        const runtime = (cs.Configs ?? []).find((c) => c.Runtime !== undefined);
        if (runtime) cred.Config = runtime.ConfigID;
    }
    return out;
}

/** Names of all secrets/configs the services reference (created or external), for one ID lookup each. */
export function referencedObjectNames(specs: StackSpecs): { secrets: string[]; configs: string[] } {
    const s = new Set<string>();
    const c = new Set<string>();
    for (const svc of specs.services) {
        svc.secretNames.forEach((n) => s.add(n));
        svc.configNames.forEach((n) => c.add(n));
    }
    return { secrets: Array.from(s).sort(compareBytes), configs: Array.from(c).sort(compareBytes) };
}
