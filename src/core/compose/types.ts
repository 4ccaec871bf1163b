/**
 * The compose v3.x model: the merged, interpolated, schema-valid compose document as plain JS data
 * (what `yaml.parse` gives after the loader's casts), typed after `config_schema_v3.13.json`
 * from docker/cli. Keys are kept exactly as in the file (snake_case).
 *
 * Nothing here is normalised: short and long forms stay as written. The conversion
 * (`convert.ts`) applies the CLI's rules. The only derived field is
 * `ServiceConfig.resolvedEnvironment`, filled in by the loader.
 */

/** `list_or_dict`: a map (values string, number, boolean or null) or a list of `k=v` / `k` strings. */
export type ListOrDict = Record<string, string | number | boolean | null> | string[];

/** `string_or_list`. */
type StringOrList = string | string[];

/** Root of a compose file. */
export interface ComposeConfig {
    version?: string;
    services: Record<string, ServiceConfig>;
    networks?: Record<string, NetworkConfig | null>;
    volumes?: Record<string, VolumeConfig | null>;
    secrets?: Record<string, SecretConfig>;
    configs?: Record<string, ConfigObjConfig>;
    [x: `x-${string}`]: unknown;
}

// ---------------------------------------------------------------------------------------------
// services

export interface ServiceConfig {
    deploy?: DeployConfig | null;
    build?: string | BuildConfig;
    cap_add?: string[];
    cap_drop?: string[];
    cgroupns_mode?: string;
    cgroup_parent?: string;
    command?: string | string[];
    configs?: (string | FileReferenceConfig)[];
    container_name?: string;
    credential_spec?: CredentialSpecConfig;
    depends_on?: string[];
    devices?: string[];
    dns?: StringOrList;
    dns_search?: StringOrList;
    domainname?: string;
    entrypoint?: string | string[];
    env_file?: StringOrList;
    environment?: ListOrDict;
    /**
     * Filled in by the loader: `env_file` + `environment` merged, with the process environment
     * precedence of the CLI applied (null/empty value and set in the process env → process value).
     * A null value means "valueless" (sent as a bare `K`). When absent, the conversion computes
     * the map from `environment` alone.
     */
    resolvedEnvironment?: Record<string, string | null>;
    expose?: (string | number)[];
    external_links?: string[];
    extra_hosts?: ListOrDict;
    healthcheck?: HealthcheckConfig;
    hostname?: string;
    image?: string;
    init?: boolean;
    ipc?: string;
    isolation?: string;
    labels?: ListOrDict;
    links?: string[];
    logging?: LoggingConfig;
    mac_address?: string;
    network_mode?: string;
    networks?: string[] | Record<string, ServiceNetworkConfig | null>;
    pid?: string | null;
    ports?: (number | string | ServicePortConfig)[];
    privileged?: boolean;
    read_only?: boolean;
    restart?: string;
    security_opt?: string[];
    shm_size?: number | string;
    secrets?: (string | FileReferenceConfig)[];
    sysctls?: ListOrDict;
    stdin_open?: boolean;
    stop_grace_period?: string;
    stop_signal?: string;
    tmpfs?: StringOrList;
    tty?: boolean;
    ulimits?: Record<string, number | UlimitConfig>;
    oom_score_adj?: number;
    user?: string;
    userns_mode?: string;
    volumes?: (string | ServiceVolumeConfig)[];
    working_dir?: string;
    [x: `x-${string}`]: unknown;
}

interface BuildConfig {
    context?: string;
    dockerfile?: string;
    args?: ListOrDict;
    labels?: ListOrDict;
    cache_from?: string[];
    network?: string;
    target?: string;
    shm_size?: number | string;
    extra_hosts?: ListOrDict;
    [k: string]: unknown;
}

/** Long form of a `secrets:` / `configs:` entry of a service. */
export interface FileReferenceConfig {
    source?: string;
    target?: string;
    uid?: string;
    gid?: string;
    /** File mode, a number (YAML `0440` must arrive here as octal, i.e. 288). */
    mode?: number;
}

export interface CredentialSpecConfig {
    config?: string;
    file?: string;
    registry?: string;
}

interface LoggingConfig {
    driver?: string;
    options?: Record<string, string | number | null>;
}

interface ServiceNetworkConfig {
    aliases?: string[];
    driver_opts?: Record<string, string | number>;
    ipv4_address?: string;
    ipv6_address?: string;
}

/** Long-syntax port. */
export interface ServicePortConfig {
    mode?: string;
    target?: number;
    published?: number;
    protocol?: string;
}

interface UlimitConfig {
    soft: number;
    hard: number;
}

/** Long-syntax service volume. */
export interface ServiceVolumeConfig {
    type: string;
    source?: string;
    target?: string;
    read_only?: boolean;
    consistency?: string;
    bind?: { propagation?: string; [k: string]: unknown };
    volume?: { nocopy?: boolean; subpath?: string; [k: string]: unknown };
    tmpfs?: { size?: number; [k: string]: unknown };
    /** Not in the v3.13 schema, but handled by the CLI's conversion. */
    image?: { subpath?: string; [k: string]: unknown };
    /** Not in the v3.13 schema, but handled by the CLI's conversion. */
    cluster?: Record<string, unknown>;
}

export interface HealthcheckConfig {
    disable?: boolean;
    interval?: string;
    retries?: number;
    test?: string | string[];
    timeout?: string;
    start_period?: string;
    start_interval?: string;
}

export interface DeployConfig {
    mode?: string;
    endpoint_mode?: string;
    replicas?: number;
    labels?: ListOrDict;
    rollback_config?: UpdateConfig;
    update_config?: UpdateConfig;
    resources?: ResourcesConfig;
    restart_policy?: RestartPolicyConfig;
    placement?: PlacementConfig;
}

export interface UpdateConfig {
    parallelism?: number;
    delay?: string;
    failure_action?: string;
    monitor?: string;
    max_failure_ratio?: number;
    order?: 'start-first' | 'stop-first' | string;
}

export interface ResourcesConfig {
    limits?: ResourceLimitConfig;
    reservations?: ResourceReservationConfig;
}

interface ResourceLimitConfig {
    cpus?: string;
    memory?: string;
    pids?: number;
}

interface ResourceReservationConfig {
    cpus?: string;
    memory?: string;
    generic_resources?: GenericResourceConfig[];
}

interface GenericResourceConfig {
    discrete_resource_spec?: { kind?: string; value?: number };
}

export interface RestartPolicyConfig {
    condition?: string;
    delay?: string;
    max_attempts?: number;
    window?: string;
}

interface PlacementConfig {
    constraints?: string[];
    preferences?: { spread?: string }[];
    max_replicas_per_node?: number;
}

// ---------------------------------------------------------------------------------------------
// top-level objects

/** `external: true` or the deprecated `external: {name: x}`. */
export type ExternalConfig = boolean | { name?: string };

export interface NetworkConfig {
    name?: string;
    driver?: string;
    driver_opts?: Record<string, string | number>;
    ipam?: IpamConfig;
    external?: ExternalConfig;
    internal?: boolean;
    attachable?: boolean;
    labels?: ListOrDict;
    [x: `x-${string}`]: unknown;
}

interface IpamConfig {
    driver?: string;
    config?: { subnet?: string }[];
}

export interface VolumeConfig {
    name?: string;
    driver?: string;
    driver_opts?: Record<string, string | number>;
    external?: ExternalConfig;
    labels?: ListOrDict;
    'x-cluster-spec'?: Record<string, unknown>;
    [x: `x-${string}`]: unknown;
}

export interface SecretConfig {
    name?: string;
    file?: string;
    external?: ExternalConfig;
    labels?: ListOrDict;
    driver?: string;
    driver_opts?: Record<string, string | number>;
    template_driver?: string;
    [x: `x-${string}`]: unknown;
}

/** A top-level `configs.<k>` entry (named so as not to clash with the generic word "config"). */
export interface ConfigObjConfig {
    name?: string;
    file?: string;
    external?: ExternalConfig;
    labels?: ListOrDict;
    template_driver?: string;
    [x: `x-${string}`]: unknown;
}

