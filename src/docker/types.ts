/**
 * Our own shapes for Engine answers that are not stack specs (those are in src/core/specs.ts).
 * Plain types: importing this file loads no transport code.
 */

export type Filters = Record<string, string[]>;

type LocalNodeState = 'inactive' | 'pending' | 'active' | 'error' | 'locked' | string;

export interface EngineInfo {
    serverVersion: string;
    /** From the `Api-Version` header of the same answer (the API version the daemon speaks). */
    apiVersion?: string;
    name: string;
    operatingSystem: string;
    osType: string;
    architecture: string;
    ncpu: number;
    memTotal: number;
    swarm: {
        nodeId: string;
        nodeAddr: string;
        localNodeState: LocalNodeState;
        controlAvailable: boolean;
        clusterId?: string;
        managers?: number;
        nodes?: number;
        error?: string;
    };
}

export interface EngineVersion {
    version: string;
    apiVersion: string;
    minApiVersion?: string;
    os: string;
    arch: string;
    kernelVersion?: string;
    goVersion?: string;
}

export interface PingResult {
    apiVersion?: string;
    osType?: string;
    /** `Swarm` header (API ≥ 1.40): e.g. `active/manager`, `inactive`. */
    swarm?: string;
}

/** One message of `GET /events` (PascalCase as on the wire). */
export interface EngineEvent {
    Type: string;
    Action: string;
    Actor: { ID: string; Attributes: Record<string, string> };
    scope?: string;
    /** Unix seconds. */
    time: number;
    timeNano?: number;
}

/** One JSON message of `POST /build`: the core's build reader defines the shape. */
export type { BuildMessage as BuildProgress } from '../core/build/progress';

/** `GET /images/json` (subset). */
export interface ImageSummary {
    Id: string;
    RepoTags: string[];
    RepoDigests: string[];
    Created: number;
    Size: number;
    Labels?: Record<string, string> | null;
}

/** `GET /images/{name}/json` (subset). */
export interface ImageInspect {
    Id: string;
    RepoTags?: string[];
    RepoDigests?: string[];
    Created?: string;
    Architecture?: string;
    Os?: string;
    Size?: number;
    Config?: {
        Env?: string[] | null;
        Cmd?: string[] | null;
        Entrypoint?: string[] | null;
        WorkingDir?: string;
        User?: string;
        Labels?: Record<string, string> | null;
        ExposedPorts?: Record<string, unknown> | null;
        Healthcheck?: unknown;
    };
}
