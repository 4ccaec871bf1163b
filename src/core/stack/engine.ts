/**
 * What the stack engine needs from a Docker client. The Docker door's client satisfies it; the core
 * stays free of the Engine API client and can be driven by any implementation.
 */
import type { Config, ConfigSpec, DistributionInspect, Network, NetworkCreateRequest, Node, NodeSpec, Secret, SecretSpec, Service, ServiceSpec, Task } from '../specs';

type Filters = Record<string, string[]>;

export interface CallOptions {
    signal?: AbortSignal;
    timeoutMs?: number;
}

interface StackEngineEvent {
    Type: string;
    Action: string;
    Actor: { ID: string; Attributes: Record<string, string> };
    time: number;
}

export interface StackEngine {
    readonly endpoint: { url: string };
    /**
     * Sends the reads `send` makes now, each answer kept for the first call that makes the same read (DockerClient):
     * for reads a command will make whatever its input, started before its work on that input.
     */
    readAhead?(send: (engine: StackEngine) => Promise<unknown>[]): void;
    info(options?: CallOptions): Promise<{ swarm: { controlAvailable: boolean; localNodeState: string; nodes?: number; nodeId?: string } }>;
    /**
     * The Engine API version of this client's requests: the lower of the engine's and the newest the client knows,
     * negotiated once per client as the Docker CLI does, or the one DOCKER_API_VERSION pins.
     */
    apiVersion(options?: CallOptions): Promise<string>;

    listServices(filters?: Filters, params?: { status?: boolean }, options?: CallOptions): Promise<Service[]>;
    inspectService(id: string, options?: CallOptions): Promise<Service>;
    createService(spec: ServiceSpec, params?: { authHeader?: string }, options?: CallOptions): Promise<{ id: string; warnings: string[] }>;
    updateService(
        id: string,
        version: number,
        spec: ServiceSpec,
        params?: { rollback?: 'previous'; registryAuthFrom?: 'spec' | 'previous-spec'; authHeader?: string },
        options?: CallOptions,
    ): Promise<{ warnings: string[] }>;
    removeService(id: string, options?: CallOptions): Promise<void>;

    listTasks(filters?: Filters, options?: CallOptions): Promise<Task[]>;
    listNodes(filters?: Filters, options?: CallOptions): Promise<Node[]>;
    inspectNode(id: string, options?: CallOptions): Promise<Node>;
    /** `POST /nodes/{id}/update?version=N` with the whole NodeSpec. */
    updateNode(id: string, version: number, spec: NodeSpec, options?: CallOptions): Promise<void>;
    /** Whether this engine holds an image (multi-node deploys ask about images in no registry). */
    inspectImage(name: string, options?: CallOptions): Promise<unknown>;

    listNetworks(filters?: Filters, options?: CallOptions): Promise<Network[]>;
    inspectNetwork(id: string, options?: CallOptions, params?: { scope?: 'swarm' | 'local' }): Promise<Network>;
    createNetwork(request: NetworkCreateRequest, options?: CallOptions): Promise<{ id: string; warning?: string }>;
    removeNetwork(id: string, options?: CallOptions): Promise<void>;

    listSecrets(filters?: Filters, options?: CallOptions): Promise<Secret[]>;
    createSecret(spec: SecretSpec, options?: CallOptions): Promise<{ id: string }>;
    updateSecret(id: string, version: number, spec: SecretSpec, options?: CallOptions): Promise<void>;
    removeSecret(id: string, options?: CallOptions): Promise<void>;

    listConfigs(filters?: Filters, options?: CallOptions): Promise<Config[]>;
    createConfig(spec: ConfigSpec, options?: CallOptions): Promise<{ id: string }>;
    updateConfig(id: string, version: number, spec: ConfigSpec, options?: CallOptions): Promise<void>;
    removeConfig(id: string, options?: CallOptions): Promise<void>;

    distributionInspect(image: string, params?: { timeoutMs?: number; authHeader?: string }, options?: CallOptions): Promise<DistributionInspect>;

    events(params: { filters?: Filters; since?: number | string }, signal?: AbortSignal): Promise<AsyncIterableIterator<StackEngineEvent>>;
}

/** Error kinds of the Docker door, read without importing it. */
export function errorKind(error: unknown): string | undefined {
    const kind = (error as { kind?: unknown } | null)?.kind;
    return typeof kind === 'string' ? kind : undefined;
}

/** Runs `work` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    const results = new Array<PromiseSettledResult<R>>(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const index = next++;
            try {
                results[index] = { status: 'fulfilled', value: await work(items[index], index) };
            } catch (reason) {
                results[index] = { status: 'rejected', reason };
            }
        }
    });
    await Promise.all(workers);
    return results;
}
