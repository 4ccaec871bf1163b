/**
 * Engine API JSON shapes (API v1.41 field names, PascalCase as on the wire).
 * Our own types, independent of any Docker SDK. Optional fields are `omitempty` on the wire
 * unless noted; durations are integer nanoseconds (numbers).
 */

// ---------------------------------------------------------------------------------------------
// common

interface Version {
    Index: number;
}

export interface Driver {
    Name: string;
    Options?: Record<string, string>;
}

type Labels = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// ServiceSpec

export interface ServiceSpec {
    Name?: string;
    Labels?: Labels;
    TaskTemplate: TaskSpec;
    Mode?: ServiceMode;
    UpdateConfig?: UpdateConfig;
    RollbackConfig?: UpdateConfig;
    /** Deprecated in the API; the CLI never sets it. */
    Networks?: NetworkAttachmentConfig[];
    EndpointSpec?: EndpointSpec;
}

export interface TaskSpec {
    ContainerSpec?: ContainerSpec;
    PluginSpec?: unknown;
    NetworkAttachmentSpec?: { ContainerID: string };
    Resources?: ResourceRequirements;
    RestartPolicy?: RestartPolicy;
    Placement?: Placement;
    Networks?: NetworkAttachmentConfig[];
    LogDriver?: Driver;
    /** No omitempty in the Go type: always serialised by the CLI. */
    ForceUpdate?: number;
    Runtime?: string;
}

export interface ContainerSpec {
    Image?: string;
    Labels?: Labels;
    Command?: string[];
    Args?: string[];
    Hostname?: string;
    Env?: string[];
    Dir?: string;
    User?: string;
    Groups?: string[];
    Privileges?: Privileges;
    Init?: boolean | null;
    StopSignal?: string;
    TTY?: boolean;
    OpenStdin?: boolean;
    ReadOnly?: boolean;
    Mounts?: Mount[];
    StopGracePeriod?: number;
    Healthcheck?: HealthConfig;
    Hosts?: string[];
    DNSConfig?: DNSConfig;
    Secrets?: SecretReference[];
    Configs?: ConfigReference[];
    Isolation?: string;
    Sysctls?: Record<string, string>;
    CapabilityAdd?: string[];
    CapabilityDrop?: string[];
    Ulimits?: Ulimit[];
    OomScoreAdj?: number;
}

interface Privileges {
    CredentialSpec: CredentialSpec | null;
    SELinuxContext: SELinuxContext | null;
    /** API ≥ 1.46 (v28 client sends it as false). */
    NoNewPrivileges?: boolean;
    Seccomp?: { Mode?: string; Profile?: string };
    AppArmor?: { Mode?: string };
}

export interface CredentialSpec {
    Config?: string;
    File?: string;
    Registry?: string;
}

interface SELinuxContext {
    Disable?: boolean;
    User?: string;
    Role?: string;
    Type?: string;
    Level?: string;
}

export interface Mount {
    Type?: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image' | string;
    Source?: string;
    Target?: string;
    ReadOnly?: boolean;
    Consistency?: string;
    BindOptions?: BindOptions;
    VolumeOptions?: VolumeOptions;
    ImageOptions?: { Subpath?: string };
    TmpfsOptions?: TmpfsOptions;
    ClusterOptions?: Record<string, never>;
}

interface BindOptions {
    Propagation?: string;
    NonRecursive?: boolean;
    CreateMountpoint?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
}

interface VolumeOptions {
    NoCopy?: boolean;
    Labels?: Labels;
    Subpath?: string;
    DriverConfig?: Driver;
}

interface TmpfsOptions {
    SizeBytes?: number;
    Mode?: number;
    Options?: string[][];
}

export interface HealthConfig {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    StartInterval?: number;
    Retries?: number;
}

export interface DNSConfig {
    Nameservers?: string[];
    Search?: string[];
    Options?: string[];
}

interface FileTarget {
    Name: string;
    UID: string;
    GID: string;
    Mode: number;
}

export interface SecretReference {
    File?: FileTarget;
    SecretID: string;
    SecretName: string;
}

export interface ConfigReference {
    File?: FileTarget;
    Runtime?: Record<string, never>;
    ConfigID: string;
    ConfigName: string;
}

export interface Ulimit {
    Name: string;
    Soft: number;
    Hard: number;
}

export interface ResourceRequirements {
    Limits?: Limit;
    Reservations?: Resources;
}

interface Limit {
    NanoCPUs?: number;
    MemoryBytes?: number;
    Pids?: number;
}

interface Resources {
    NanoCPUs?: number;
    MemoryBytes?: number;
    GenericResources?: GenericResource[];
}

interface GenericResource {
    NamedResourceSpec?: { Kind?: string; Value?: string };
    DiscreteResourceSpec?: { Kind?: string; Value?: number };
}

export interface RestartPolicy {
    Condition?: 'none' | 'on-failure' | 'any' | string;
    Delay?: number;
    MaxAttempts?: number;
    Window?: number;
}

export interface Placement {
    Constraints?: string[];
    Preferences?: PlacementPreference[];
    MaxReplicas?: number;
    Platforms?: Platform[];
}

interface PlacementPreference {
    Spread?: { SpreadDescriptor: string };
}

export interface Platform {
    Architecture?: string;
    OS?: string;
}

export interface NetworkAttachmentConfig {
    Target: string;
    Aliases?: string[];
    DriverOpts?: Record<string, string>;
}

export interface ServiceMode {
    Replicated?: { Replicas?: number };
    Global?: Record<string, never>;
    ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
    GlobalJob?: Record<string, never>;
}

export interface UpdateConfig {
    /** No omitempty: always serialised. */
    Parallelism: number;
    Delay?: number;
    FailureAction?: string;
    Monitor?: number;
    /** No omitempty: always serialised. */
    MaxFailureRatio: number;
    /** No omitempty: always serialised. */
    Order: string;
}

export interface EndpointSpec {
    Mode?: 'vip' | 'dnsrr' | string;
    Ports?: PortConfig[];
}

export interface PortConfig {
    Name?: string;
    Protocol?: 'tcp' | 'udp' | 'sctp' | string;
    TargetPort?: number;
    PublishedPort?: number;
    PublishMode?: 'ingress' | 'host' | string;
}

// ---------------------------------------------------------------------------------------------
// Networks

interface IPAMConfig {
    Subnet?: string;
    IPRange?: string;
    Gateway?: string;
    AuxiliaryAddresses?: Record<string, string>;
}

interface IPAM {
    Driver: string;
    Options: Record<string, string> | null;
    Config: IPAMConfig[] | null;
}

/**
 * `POST /networks/create` body. The CLI (v28 client, API 1.41) serialises every field of its
 * Go struct; the fields below without `?` are what it always sends.
 */
export interface NetworkCreateRequest {
    Name: string;
    CheckDuplicate?: boolean;
    Driver: string;
    Scope: string;
    EnableIPv6?: boolean;
    IPAM: IPAM | null;
    Internal: boolean;
    Attachable: boolean;
    Ingress: boolean;
    ConfigOnly: boolean;
    ConfigFrom: { Network: string } | null;
    Options: Record<string, string> | null;
    Labels: Labels | null;
}

// ---------------------------------------------------------------------------------------------
// Secrets and configs

export interface SecretSpec {
    Name: string;
    Labels?: Labels;
    /** base64 */
    Data?: string;
    Driver?: Driver;
    Templating?: Driver;
}

export interface ConfigSpec {
    Name: string;
    Labels?: Labels;
    /** base64 */
    Data?: string;
    Templating?: Driver;
}

// ---------------------------------------------------------------------------------------------
// Read types

interface Meta {
    ID: string;
    Version: Version;
    CreatedAt: string;
    UpdatedAt: string;
}

interface UpdateStatus {
    State?: 'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed' | string;
    StartedAt?: string;
    CompletedAt?: string;
    Message?: string;
}

interface ServiceStatus {
    RunningTasks: number;
    DesiredTasks: number;
    CompletedTasks?: number;
}

interface EndpointVirtualIP {
    NetworkID?: string;
    Addr?: string;
}

interface Endpoint {
    Spec?: EndpointSpec;
    Ports?: PortConfig[];
    VirtualIPs?: EndpointVirtualIP[];
}

export interface Service extends Meta {
    Spec: ServiceSpec;
    PreviousSpec?: ServiceSpec;
    Endpoint?: Endpoint;
    UpdateStatus?: UpdateStatus;
    ServiceStatus?: ServiceStatus;
    JobStatus?: { JobIteration: Version; LastExecution?: string };
}

type TaskState =
    | 'new' | 'allocated' | 'pending' | 'assigned' | 'accepted' | 'preparing' | 'ready' | 'starting'
    | 'running' | 'complete' | 'shutdown' | 'failed' | 'rejected' | 'remove' | 'orphaned';

interface TaskStatus {
    Timestamp?: string;
    State?: TaskState | string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
    PortStatus?: { Ports?: PortConfig[] };
}

interface NetworkAttachment {
    Network?: Network;
    Addresses?: string[];
}

export interface Task extends Meta {
    Name?: string;
    Labels?: Labels;
    Spec: TaskSpec;
    ServiceID: string;
    Slot?: number;
    NodeID?: string;
    Status: TaskStatus;
    DesiredState: TaskState | string;
    NetworksAttachments?: NetworkAttachment[];
    GenericResources?: GenericResource[];
    JobIteration?: Version;
}

export interface NodeSpec {
    Name?: string;
    Labels?: Labels;
    Role?: 'worker' | 'manager' | string;
    Availability?: 'active' | 'pause' | 'drain' | string;
}

interface NodeDescription {
    Hostname?: string;
    Platform?: Platform;
    Resources?: Resources;
    Engine?: { EngineVersion?: string; Labels?: Labels; Plugins?: { Type: string; Name: string }[] };
    TLSInfo?: unknown;
}

export interface Node extends Meta {
    Spec: NodeSpec;
    Description?: NodeDescription;
    Status: { State: 'unknown' | 'down' | 'ready' | 'disconnected' | string; Message?: string; Addr?: string };
    ManagerStatus?: { Leader?: boolean; Reachability?: 'unknown' | 'unreachable' | 'reachable' | string; Addr?: string };
}

/** `GET /networks` / `GET /networks/{id}` (NetworkResource). */
export interface Network {
    Name: string;
    Id: string;
    Created?: string;
    Scope: string;
    Driver: string;
    EnableIPv6?: boolean;
    IPAM?: IPAM;
    Internal?: boolean;
    Attachable?: boolean;
    Ingress?: boolean;
    ConfigFrom?: { Network: string };
    ConfigOnly?: boolean;
    Containers?: Record<string, unknown>;
    Options?: Record<string, string> | null;
    Labels?: Labels | null;
}

export interface Secret extends Meta {
    Spec: SecretSpec;
}

export interface Config extends Meta {
    Spec: ConfigSpec;
}

/** `GET /distribution/{name}/json`. */
export interface DistributionInspect {
    Descriptor: { mediaType?: string; digest: string; size?: number };
    Platforms: { architecture?: string; os?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] }[];
}
