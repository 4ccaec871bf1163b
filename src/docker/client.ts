/**
 * The Docker door: the extension's own interface to the Engine API, built on dockerode's transport
 * (docker-modem: unix socket, named pipe, tcp/TLS, ssh). It returns our own types (src/core/specs.ts,
 * ./types.ts), gives every method an optional AbortSignal and a timeout, maps every failure through
 * ./errors.ts, and counts the HTTP requests it makes per method (for benchmarks).
 *
 * All requests go through `modem.dial` with `{_query, _body}` so that the query string and the JSON body
 * are exactly what we build (a ServiceSpec goes into the body unchanged, never into the query).
 */
import Docker from 'dockerode';
import type { IncomingMessage } from 'http';
import { Readable } from 'stream';
import { StringDecoder } from 'string_decoder';

import { CancelledError } from '../core/cancellation';
import type {
    Config,
    ConfigSpec,
    DistributionInspect,
    Network,
    NetworkCreateRequest,
    Node,
    Secret,
    SecretSpec,
    Service,
    ServiceSpec,
    Task,
} from '../core/specs';
import { DockerEndpoint, toDockerodeOptions } from './endpoint';
import { DockerError, timeoutError, toDockerError } from './errors';
import type {
    BuildProgress,
    EngineEvent,
    EngineInfo,
    EngineVersion,
    Filters,
    ImageInspect,
    ImageSummary,
    PingResult,
} from './types';

export interface DockerClientOptions {
    /** Timeout of one request (for streams: until the answer starts). Default 30 s. */
    timeoutMs?: number;
}

/** Per-call options every method accepts. */
export interface CallOptions {
    signal?: AbortSignal;
    /** Overrides the client's timeout for this call. */
    timeoutMs?: number;
}

export interface LogOptions {
    follow?: boolean;
    /** Number of lines from the end, or `all`. */
    tail?: number | 'all';
    timestamps?: boolean;
    /** Unix seconds. */
    since?: number;
}

/** A tar stream for the build context: a Node Readable or anything that pipes like one (tar-fs `pack`). */
export interface TarStream {
    pipe<T extends NodeJS.WritableStream>(destination: T): T;
    on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface BuildOptions {
    t: string[];
    dockerfile?: string;
    buildargs?: Record<string, string>;
    labels?: Record<string, string>;
    nocache?: boolean;
    target?: string;
    /** Wait for the first byte of the answer; by default none (the daemon reads the whole context first). */
    timeoutMs?: number;
}

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'DELETE';

interface RequestSpec {
    method: HttpMethod;
    path: string;
    query?: Record<string, string | number | boolean | string[] | undefined>;
    /** JSON body (POST). */
    body?: unknown;
    /** Raw body stream (build context). */
    file?: TarStream;
    headers?: Record<string, string>;
    /** Value of the X-Registry-Auth header, sent only when non-empty. */
    registryAuth?: string;
}

/** The part of docker-modem we use; @types/dockerode types `modem` loosely. */
interface Modem {
    dial(options: ModemDialOptions, callback: (error: unknown, data: unknown) => void): void;
}

interface ModemDialOptions {
    path: string;
    method: HttpMethod;
    options: { _query: Record<string, unknown>; _body: unknown };
    statusCodes: Record<number, true>;
    isStream: true;
    abortSignal: AbortSignal;
    authconfig?: { base64: string };
    file?: TarStream;
    headers?: Record<string, string>;
}

interface Response {
    statusCode: number;
    headers: IncomingMessage['headers'];
    body: Buffer;
}

const SUCCESS: Record<number, true> = { 200: true, 201: true, 204: true, 304: true };
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DISTRIBUTION_TIMEOUT_MS = 10_000;

export class DockerClient {
    readonly endpoint: DockerEndpoint;
    readonly timeoutMs: number;
    private readonly modem: Modem;
    private readonly counts = new Map<string, number>();

    constructor(endpoint: DockerEndpoint, options: DockerClientOptions = {}) {
        this.endpoint = endpoint;
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        let docker: Docker;
        try {
            docker = new Docker(toDockerodeOptions(endpoint));
        } catch (error) {
            // docker-modem also reads process.env.DOCKER_HOST / DOCKER_CERT_PATH on construction.
            throw new DockerError(
                'invalidEndpoint',
                `Cannot use the Docker endpoint ${endpoint.url}: ${error instanceof Error ? error.message : String(error)}`,
                { endpoint: endpoint.url, cause: error },
            );
        }
        this.modem = docker.modem as unknown as Modem;
    }

    /** HTTP requests made so far, per client method. */
    get callCount(): Readonly<Record<string, number>> {
        return Object.fromEntries(this.counts);
    }

    get totalCalls(): number {
        let total = 0;
        for (const n of this.counts.values()) total += n;
        return total;
    }

    resetCallCount(): void {
        this.counts.clear();
    }

    // -----------------------------------------------------------------------------------------
    // System

    async ping(options: CallOptions = {}): Promise<PingResult> {
        const res = await this.request('ping', { method: 'GET', path: '/_ping' }, options);
        const result: PingResult = {};
        const api = header(res, 'api-version');
        const os = header(res, 'ostype');
        const swarm = header(res, 'swarm');
        if (api) result.apiVersion = api;
        if (os) result.osType = os;
        if (swarm) result.swarm = swarm;
        return result;
    }

    async info(options: CallOptions = {}): Promise<EngineInfo> {
        const res = await this.request('info', { method: 'GET', path: '/info' }, options);
        const raw = json<RawInfo>(res);
        const swarm = raw.Swarm ?? {};
        const info: EngineInfo = {
            serverVersion: raw.ServerVersion ?? '',
            name: raw.Name ?? '',
            operatingSystem: raw.OperatingSystem ?? '',
            osType: raw.OSType ?? '',
            architecture: raw.Architecture ?? '',
            ncpu: raw.NCPU ?? 0,
            memTotal: raw.MemTotal ?? 0,
            swarm: {
                nodeId: swarm.NodeID ?? '',
                nodeAddr: swarm.NodeAddr ?? '',
                localNodeState: swarm.LocalNodeState ?? 'inactive',
                controlAvailable: swarm.ControlAvailable === true,
            },
        };
        const api = header(res, 'api-version');
        if (api) info.apiVersion = api;
        if (swarm.Cluster?.ID) info.swarm.clusterId = swarm.Cluster.ID;
        if (typeof swarm.Managers === 'number') info.swarm.managers = swarm.Managers;
        if (typeof swarm.Nodes === 'number') info.swarm.nodes = swarm.Nodes;
        if (swarm.Error) info.swarm.error = swarm.Error;
        return info;
    }

    async version(options: CallOptions = {}): Promise<EngineVersion> {
        const raw = json<RawVersion>(await this.request('version', { method: 'GET', path: '/version' }, options));
        const v: EngineVersion = {
            version: raw.Version ?? '',
            apiVersion: raw.ApiVersion ?? '',
            os: raw.Os ?? '',
            arch: raw.Arch ?? '',
        };
        if (raw.MinAPIVersion) v.minApiVersion = raw.MinAPIVersion;
        if (raw.KernelVersion) v.kernelVersion = raw.KernelVersion;
        if (raw.GoVersion) v.goVersion = raw.GoVersion;
        return v;
    }

    // -----------------------------------------------------------------------------------------
    // Swarm

    /** `POST /swarm/init`; returns the new node ID. */
    async init(params: { advertiseAddr: string; listenAddr?: string }, options: CallOptions = {}): Promise<string> {
        const res = await this.request(
            'init',
            {
                method: 'POST',
                path: '/swarm/init',
                body: { ListenAddr: params.listenAddr ?? '0.0.0.0:2377', AdvertiseAddr: params.advertiseAddr },
            },
            options,
        );
        const id = json<unknown>(res);
        return typeof id === 'string' ? id : '';
    }

    async leave(params: { force?: boolean } = {}, options: CallOptions = {}): Promise<void> {
        await this.request('leave', { method: 'POST', path: '/swarm/leave', query: { force: params.force ? 'true' : undefined } }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Services

    async listServices(filters?: Filters, params: { status?: boolean } = {}, options: CallOptions = {}): Promise<Service[]> {
        const res = await this.request(
            'listServices',
            { method: 'GET', path: '/services', query: { filters: filtersQuery(filters), status: params.status ? 'true' : undefined } },
            options,
        );
        return jsonArray<Service>(res);
    }

    async inspectService(id: string, options: CallOptions = {}): Promise<Service> {
        return json<Service>(await this.request('inspectService', { method: 'GET', path: `/services/${pathPart(id)}` }, options));
    }

    /** `POST /services/create`. `authHeader` is the X-Registry-Auth value (base64url JSON), sent only when set. */
    async createService(
        spec: ServiceSpec,
        params: { authHeader?: string } = {},
        options: CallOptions = {},
    ): Promise<{ id: string; warnings: string[] }> {
        const res = await this.request(
            'createService',
            { method: 'POST', path: '/services/create', body: spec, registryAuth: params.authHeader },
            options,
        );
        const raw = json<{ ID?: string; Warnings?: string[] | null }>(res);
        return { id: raw.ID ?? '', warnings: raw.Warnings ?? [] };
    }

    /**
     * `POST /services/{id}/update?version=N[&rollback=previous][&registryAuthFrom=…]` with the spec as the
     * body, unchanged. A stale `version` fails with kind `outOfSequence`.
     */
    async updateService(
        id: string,
        version: number,
        spec: ServiceSpec,
        params: { rollback?: 'previous'; registryAuthFrom?: 'spec' | 'previous-spec'; authHeader?: string } = {},
        options: CallOptions = {},
    ): Promise<{ warnings: string[] }> {
        const res = await this.request(
            'updateService',
            {
                method: 'POST',
                path: `/services/${pathPart(id)}/update`,
                query: { version, rollback: params.rollback, registryAuthFrom: params.registryAuthFrom },
                body: spec,
                registryAuth: params.authHeader,
            },
            options,
        );
        const raw = json<{ Warnings?: string[] | null } | null>(res);
        return { warnings: raw?.Warnings ?? [] };
    }

    async removeService(id: string, options: CallOptions = {}): Promise<void> {
        await this.request('removeService', { method: 'DELETE', path: `/services/${pathPart(id)}` }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Tasks and nodes

    async listTasks(filters?: Filters, options: CallOptions = {}): Promise<Task[]> {
        return jsonArray<Task>(await this.request('listTasks', { method: 'GET', path: '/tasks', query: { filters: filtersQuery(filters) } }, options));
    }

    async listNodes(filters?: Filters, options: CallOptions = {}): Promise<Node[]> {
        return jsonArray<Node>(await this.request('listNodes', { method: 'GET', path: '/nodes', query: { filters: filtersQuery(filters) } }, options));
    }

    async inspectNode(id: string, options: CallOptions = {}): Promise<Node> {
        return json<Node>(await this.request('inspectNode', { method: 'GET', path: `/nodes/${pathPart(id)}` }, options));
    }

    // -----------------------------------------------------------------------------------------
    // Networks

    async listNetworks(filters?: Filters, options: CallOptions = {}): Promise<Network[]> {
        return jsonArray<Network>(
            await this.request('listNetworks', { method: 'GET', path: '/networks', query: { filters: filtersQuery(filters) } }, options),
        );
    }

    /** `scope: 'swarm'` gives the swarm's view of a network, e.g. the swarm ID of `host` that services store. */
    async inspectNetwork(id: string, options: CallOptions = {}, params: { scope?: 'swarm' | 'local' } = {}): Promise<Network> {
        return json<Network>(await this.request('inspectNetwork', { method: 'GET', path: `/networks/${pathPart(id)}`, query: { scope: params.scope } }, options));
    }

    async createNetwork(request: NetworkCreateRequest, options: CallOptions = {}): Promise<{ id: string; warning?: string }> {
        const res = await this.request('createNetwork', { method: 'POST', path: '/networks/create', body: request }, options);
        const raw = json<{ Id?: string; Warning?: string }>(res);
        const result: { id: string; warning?: string } = { id: raw.Id ?? '' };
        if (raw.Warning) result.warning = raw.Warning;
        return result;
    }

    async removeNetwork(id: string, options: CallOptions = {}): Promise<void> {
        await this.request('removeNetwork', { method: 'DELETE', path: `/networks/${pathPart(id)}` }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Secrets

    async listSecrets(filters?: Filters, options: CallOptions = {}): Promise<Secret[]> {
        return jsonArray<Secret>(await this.request('listSecrets', { method: 'GET', path: '/secrets', query: { filters: filtersQuery(filters) } }, options));
    }

    async inspectSecret(id: string, options: CallOptions = {}): Promise<Secret> {
        return json<Secret>(await this.request('inspectSecret', { method: 'GET', path: `/secrets/${pathPart(id)}` }, options));
    }

    async createSecret(spec: SecretSpec, options: CallOptions = {}): Promise<{ id: string }> {
        const raw = json<{ ID?: string }>(await this.request('createSecret', { method: 'POST', path: '/secrets/create', body: spec }, options));
        return { id: raw.ID ?? '' };
    }

    /** Only labels can change on a secret; the daemon rejects other changes. */
    async updateSecret(id: string, version: number, spec: SecretSpec, options: CallOptions = {}): Promise<void> {
        await this.request('updateSecret', { method: 'POST', path: `/secrets/${pathPart(id)}/update`, query: { version }, body: spec }, options);
    }

    async removeSecret(id: string, options: CallOptions = {}): Promise<void> {
        await this.request('removeSecret', { method: 'DELETE', path: `/secrets/${pathPart(id)}` }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Configs

    async listConfigs(filters?: Filters, options: CallOptions = {}): Promise<Config[]> {
        return jsonArray<Config>(await this.request('listConfigs', { method: 'GET', path: '/configs', query: { filters: filtersQuery(filters) } }, options));
    }

    async inspectConfig(id: string, options: CallOptions = {}): Promise<Config> {
        return json<Config>(await this.request('inspectConfig', { method: 'GET', path: `/configs/${pathPart(id)}` }, options));
    }

    async createConfig(spec: ConfigSpec, options: CallOptions = {}): Promise<{ id: string }> {
        const raw = json<{ ID?: string }>(await this.request('createConfig', { method: 'POST', path: '/configs/create', body: spec }, options));
        return { id: raw.ID ?? '' };
    }

    /** Only labels can change on a config; the daemon rejects other changes. */
    async updateConfig(id: string, version: number, spec: ConfigSpec, options: CallOptions = {}): Promise<void> {
        await this.request('updateConfig', { method: 'POST', path: `/configs/${pathPart(id)}/update`, query: { version }, body: spec }, options);
    }

    async removeConfig(id: string, options: CallOptions = {}): Promise<void> {
        await this.request('removeConfig', { method: 'DELETE', path: `/configs/${pathPart(id)}` }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Images

    /**
     * `GET /distribution/<image>/json`: the registry's digest and platforms for an image. Without a
     * reachable registry the daemon answers 500 within about half a second; the timeout (default 10 s)
     * bounds a registry that hangs.
     */
    async distributionInspect(
        image: string,
        params: { timeoutMs?: number; authHeader?: string } = {},
        options: CallOptions = {},
    ): Promise<DistributionInspect> {
        const res = await this.request(
            'distributionInspect',
            { method: 'GET', path: `/distribution/${imagePath(image)}/json`, registryAuth: params.authHeader },
            { signal: options.signal, timeoutMs: params.timeoutMs ?? options.timeoutMs ?? Math.min(this.timeoutMs, DEFAULT_DISTRIBUTION_TIMEOUT_MS) },
        );
        return json<DistributionInspect>(res);
    }

    async listImages(filters?: Filters, options: CallOptions = {}): Promise<ImageSummary[]> {
        const raw = jsonArray<Partial<ImageSummary>>(
            await this.request('listImages', { method: 'GET', path: '/images/json', query: { filters: filtersQuery(filters) } }, options),
        );
        return raw.map((i) => ({
            Id: i.Id ?? '',
            RepoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
            RepoDigests: (i.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
            Created: i.Created ?? 0,
            Size: i.Size ?? 0,
            Labels: i.Labels ?? null,
        }));
    }

    async inspectImage(name: string, options: CallOptions = {}): Promise<ImageInspect> {
        return json<ImageInspect>(await this.request('inspectImage', { method: 'GET', path: `/images/${imagePath(name)}/json` }, options));
    }

    async removeImage(name: string, params: { force?: boolean } = {}, options: CallOptions = {}): Promise<void> {
        await this.request(
            'removeImage',
            { method: 'DELETE', path: `/images/${imagePath(name)}`, query: { force: params.force ? 'true' : undefined } },
            options,
        );
    }

    /**
     * `POST /build` (the classic builder) with a tar context. Resolves once the daemon answers; the
     * iterable yields its JSON messages ({stream} | {error} | {aux} | {status}) and ends when the build
     * ends. Aborting the signal stops the build (the daemon cancels it when the connection closes) and
     * ends the iterable without an error.
     */
    async buildImage(tar: TarStream, params: BuildOptions, signal?: AbortSignal): Promise<AsyncIterableIterator<BuildProgress>> {
        const query: RequestSpec['query'] = { t: params.t, dockerfile: params.dockerfile };
        if (params.buildargs) query.buildargs = JSON.stringify(params.buildargs);
        if (params.labels) query.labels = JSON.stringify(params.labels);
        if (params.nocache) query.nocache = 'true';
        if (params.target) query.target = params.target;
        const stream = await this.openStream(
            'buildImage',
            { method: 'POST', path: '/build', query, file: tar, headers: { 'Content-Type': 'application/x-tar' } },
            signal,
            params.timeoutMs,
        );
        return jsonLines<BuildProgress>(stream, this.endpoint.url, 'buildImage');
    }

    // -----------------------------------------------------------------------------------------
    // Logs and events

    /**
     * Service logs as an object-mode Readable of text lines (strings without the newline), stdout and
     * stderr demultiplexed. With `follow` it stays open until the signal aborts or the Readable is
     * destroyed; either ends it cleanly and closes the connection.
     */
    async serviceLogs(id: string, params: LogOptions = {}, signal?: AbortSignal): Promise<Readable> {
        return this.logs('serviceLogs', `/services/${pathPart(id)}/logs`, params, signal);
    }

    async taskLogs(id: string, params: LogOptions = {}, signal?: AbortSignal): Promise<Readable> {
        return this.logs('taskLogs', `/tasks/${pathPart(id)}/logs`, params, signal);
    }

    /**
     * `GET /events` as an async iterable of EngineEvent. Resolves once connected (connection errors are
     * thrown here); the iteration ends cleanly when the signal aborts or the consumer stops (break),
     * and the connection is closed either way.
     */
    async events(params: { filters?: Filters; since?: number | string; until?: number | string } = {}, signal?: AbortSignal): Promise<AsyncIterableIterator<EngineEvent>> {
        const stream = await this.openStream(
            'events',
            {
                method: 'GET',
                path: '/events',
                query: {
                    filters: filtersQuery(params.filters),
                    since: params.since === undefined ? undefined : String(params.since),
                    until: params.until === undefined ? undefined : String(params.until),
                },
            },
            signal,
            this.timeoutMs,
        );
        return jsonLines<EngineEvent>(stream, this.endpoint.url, 'events');
    }

    private async logs(operation: string, path: string, params: LogOptions, signal?: AbortSignal): Promise<Readable> {
        const stream = await this.openStream(
            operation,
            {
                method: 'GET',
                path,
                query: {
                    stdout: 'true',
                    stderr: 'true',
                    follow: params.follow ? 'true' : undefined,
                    timestamps: params.timestamps ? 'true' : undefined,
                    tail: params.tail === undefined ? undefined : String(params.tail),
                    since: params.since === undefined ? undefined : String(params.since),
                },
            },
            signal,
            this.timeoutMs,
        );
        return Readable.from(logLines(stream), { objectMode: true });
    }

    // -----------------------------------------------------------------------------------------
    // Transport

    /** One request, body read completely, within the timeout; errors mapped. */
    private async request(operation: string, spec: RequestSpec, options: CallOptions): Promise<Response> {
        const timeoutMs = options.timeoutMs ?? this.timeoutMs;
        const stream = await this.openStream(operation, spec, options.signal, timeoutMs, true);
        try {
            const chunks: Buffer[] = [];
            for await (const chunk of stream.res) {
                chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
            }
            if (!stream.res.complete) {
                throw connectionLost();
            }
            return { statusCode: stream.res.statusCode ?? 0, headers: stream.res.headers, body: Buffer.concat(chunks) };
        } catch (error) {
            throw stream.mapError(error);
        } finally {
            stream.close();
        }
    }

    /**
     * Sends a request and resolves with the response stream once the status is known (error statuses are
     * turned into DockerError by docker-modem + errors.ts). The timeout runs until then; with
     * `timeoutWholeBody` it keeps running until `close()`.
     */
    private openStream(
        operation: string,
        spec: RequestSpec,
        signal: AbortSignal | undefined,
        timeoutMs: number | undefined,
        timeoutWholeBody = false,
    ): Promise<OpenStream> {
        if (signal?.aborted) {
            return Promise.reject(new CancelledError());
        }
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        const endpoint = this.endpoint.url;
        const controller = new AbortController();
        let timedOut = false;
        let closed = false;
        /** Closed before the answer was complete, on purpose (abort, consumer stopped reading). */
        let stopped = false;
        let timer: NodeJS.Timeout | undefined;
        let res: IncomingMessage | undefined;

        const onUserAbort = (): void => {
            stopped = true;
            controller.abort();
            res?.destroy();
        };
        signal?.addEventListener('abort', onUserAbort, { once: true });
        /** Frees the timer and the signal listener (also when the response closes by itself). */
        const release = (): void => {
            if (timer) clearTimeout(timer);
            timer = undefined;
            signal?.removeEventListener('abort', onUserAbort);
        };
        /** The consumer is done: release, and cut the connection if the answer is not complete. */
        const close = (): void => {
            release();
            if (closed) return;
            closed = true;
            if (res && !res.complete) {
                stopped = true;
                res.destroy();
            }
        };
        const mapError = (error: unknown): Error => {
            if (signal?.aborted) return new CancelledError();
            if (timedOut) return timeoutError(endpoint, timeoutMs ?? 0, operation);
            return toDockerError(error, endpoint, operation);
        };

        return new Promise<OpenStream>((resolve, reject) => {
            let settled = false;
            const fail = (error: unknown): void => {
                if (settled) return;
                settled = true;
                const mapped = mapError(error);
                close();
                reject(mapped);
            };
            if (timeoutMs !== undefined && timeoutMs > 0) {
                timer = setTimeout(() => {
                    timedOut = true;
                    controller.abort();
                    res?.destroy();
                    // docker-modem may still be waiting for a socket path promise: do not wait for it.
                    fail(new Error('timeout'));
                }, timeoutMs);
            }
            controller.signal.addEventListener('abort', () => fail(new CancelledError()), { once: true });

            const query: Record<string, unknown> = {};
            for (const [key, value] of Object.entries(spec.query ?? {})) {
                if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
                    query[key] = value;
                }
            }
            const hasQuery = Object.keys(query).length > 0;
            const dialOptions: ModemDialOptions = {
                path: hasQuery ? `${spec.path}?` : spec.path,
                method: spec.method,
                options: { _query: query, _body: spec.body ?? {} },
                statusCodes: SUCCESS,
                isStream: true,
                abortSignal: controller.signal,
            };
            if (spec.registryAuth) dialOptions.authconfig = { base64: spec.registryAuth };
            if (spec.file) dialOptions.file = spec.file;
            if (spec.headers) dialOptions.headers = { ...spec.headers };

            try {
                this.modem.dial(dialOptions, (error, data) => {
                    if (error) {
                        fail(error);
                        return;
                    }
                    const response = data as IncomingMessage;
                    if (settled) {
                        response.destroy();
                        return;
                    }
                    settled = true;
                    res = response;
                    if (!timeoutWholeBody && timer) {
                        clearTimeout(timer);
                        timer = undefined;
                    }
                    response.once('close', release);
                    resolve({ res: response, close, mapError, isStopped: () => stopped && !timedOut });
                });
            } catch (error) {
                fail(error);
            }
        });
    }
}

interface OpenStream {
    res: IncomingMessage;
    close: () => void;
    mapError: (error: unknown) => Error;
    /** True once the stream was closed on purpose (abort, consumer stopped). */
    isStopped: () => boolean;
}

/** Newline-delimited JSON messages; ends cleanly on abort or when the consumer stops. */
async function* jsonLines<T>(stream: OpenStream, endpoint: string, operation: string): AsyncIterableIterator<T> {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    try {
        try {
            for await (const chunk of stream.res) {
                pending += decoder.write(chunk as Buffer);
                let newline: number;
                while ((newline = pending.indexOf('\n')) >= 0) {
                    const line = pending.slice(0, newline).trim();
                    pending = pending.slice(newline + 1);
                    if (line) {
                        yield parseLine<T>(line, endpoint, operation);
                    }
                }
            }
        } catch (error) {
            if (stream.isStopped()) return;
            throw stream.mapError(error);
        }
        if (stream.isStopped()) return;
        if (!stream.res.complete) throw stream.mapError(connectionLost());
        const last = (pending + decoder.end()).trim();
        if (last) {
            yield parseLine<T>(last, endpoint, operation);
        }
    } finally {
        stream.close();
    }
}

function parseLine<T>(line: string, endpoint: string, operation: string): T {
    try {
        return JSON.parse(line) as T;
    } catch (error) {
        throw new DockerError('daemon', `Docker at ${endpoint} sent a message that is not JSON: ${line.slice(0, 200)}`, {
            endpoint,
            operation,
            cause: error,
        });
    }
}

/**
 * Lines of a log stream. Service and task logs are multiplexed (8-byte headers: stream type 0/1/2,
 * three zero bytes, big-endian length) unless the service has a TTY; the first header tells.
 */
async function* logLines(stream: OpenStream): AsyncIterableIterator<string> {
    let buffer: Buffer = Buffer.alloc(0);
    let multiplexed: boolean | undefined;
    const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8'), new StringDecoder('utf8')];
    const partial = ['', '', ''];

    function* take(streamIndex: number, payload: Buffer): Generator<string> {
        partial[streamIndex] += decoders[streamIndex].write(payload);
        let newline: number;
        while ((newline = partial[streamIndex].indexOf('\n')) >= 0) {
            const line = partial[streamIndex].slice(0, newline).replace(/\r$/, '');
            partial[streamIndex] = partial[streamIndex].slice(newline + 1);
            yield line;
        }
    }

    try {
        try {
            for await (const chunk of stream.res) {
                buffer = buffer.length ? Buffer.concat([buffer, chunk as Buffer]) : (chunk as Buffer);
                if (multiplexed === undefined) {
                    if (buffer.length < 8) continue;
                    multiplexed = buffer[0] <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
                }
                if (!multiplexed) {
                    yield* take(1, buffer);
                    buffer = Buffer.alloc(0);
                    continue;
                }
                while (buffer.length >= 8) {
                    const type = buffer[0];
                    const length = buffer.readUInt32BE(4);
                    if (buffer.length < 8 + length) break;
                    const payload = buffer.subarray(8, 8 + length);
                    buffer = buffer.subarray(8 + length);
                    yield* take(type === 2 ? 2 : 1, payload);
                }
            }
        } catch (error) {
            if (stream.isStopped()) return;
            throw stream.mapError(error);
        }
        if (stream.isStopped()) return;
        if (!stream.res.complete) throw stream.mapError(connectionLost());
        if (multiplexed === undefined && buffer.length > 0) {
            yield* take(1, buffer);
        }
        for (let i = 0; i < 3; i++) {
            const rest = partial[i] + decoders[i].end();
            if (rest) yield rest.replace(/\r$/, '');
        }
    } finally {
        stream.close();
    }
}

// ---------------------------------------------------------------------------------------------
// helpers

interface RawInfo {
    ServerVersion?: string;
    Name?: string;
    OperatingSystem?: string;
    OSType?: string;
    Architecture?: string;
    NCPU?: number;
    MemTotal?: number;
    Swarm?: {
        NodeID?: string;
        NodeAddr?: string;
        LocalNodeState?: string;
        ControlAvailable?: boolean;
        Error?: string;
        Managers?: number;
        Nodes?: number;
        Cluster?: { ID?: string };
    };
}

interface RawVersion {
    Version?: string;
    ApiVersion?: string;
    MinAPIVersion?: string;
    Os?: string;
    Arch?: string;
    KernelVersion?: string;
    GoVersion?: string;
}

/** The daemon closed the connection in the middle of an answer (restart, crash, network cut). */
function connectionLost(): Error {
    return Object.assign(new Error('The connection to Docker was closed in the middle of an answer.'), { code: 'ECONNRESET' });
}

function header(res: Response, name: string): string | undefined {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

function json<T>(res: Response): T {
    const text = res.body.toString('utf8').trim();
    if (!text) {
        return null as T;
    }
    try {
        return JSON.parse(text) as T;
    } catch {
        return text as unknown as T;
    }
}

function jsonArray<T>(res: Response): T[] {
    const value = json<unknown>(res);
    return Array.isArray(value) ? (value as T[]) : [];
}

/** Filters as the Engine expects them: `{"label":["a=b"]}` JSON; omitted when empty. */
export function filtersQuery(filters: Filters | undefined): string | undefined {
    if (!filters) return undefined;
    const entries = Object.entries(filters).filter(([, values]) => values.length > 0);
    return entries.length ? JSON.stringify(Object.fromEntries(entries)) : undefined;
}

function pathPart(id: string): string {
    return encodeURIComponent(id);
}

/** Image references keep `/`, `:` and `@` (the Engine routes `/distribution/{name:.*}/json`). */
function imagePath(image: string): string {
    return encodeURI(image).replace(/[?#]/g, encodeURIComponent);
}
