/**
 * The Docker door: the extension's own interface to the Engine API, over Node's http with the
 * connection the endpoint needs (./transport.ts: unix socket, named pipe, tcp, TLS, or the system ssh
 * client as the Docker CLI uses it). It returns our own types (src/core/specs.ts, ./types.ts), gives
 * every method an optional AbortSignal and a timeout, maps every failure through ./errors.ts, and
 * counts the HTTP requests it makes per method (for benchmarks).
 *
 * Query strings and JSON bodies are exactly what we build (a ServiceSpec goes into the body unchanged).
 * Answers are read strictly: an endpoint that answers with something other than the JSON the Engine
 * API promises is an error naming the endpoint, never an empty list.
 */
import type { ClientRequest, IncomingMessage } from 'http';
import { Readable } from 'stream';

import { CancelledError } from '../core/cancellation';
import type {
    Config,
    ConfigSpec,
    DistributionInspect,
    Network,
    NetworkCreateRequest,
    Node,
    NodeSpec,
    Secret,
    SecretSpec,
    Service,
    ServiceSpec,
    Task,
} from '../core/specs';
import { negotiatedApiVersion, pinnedApiVersion } from './api-version';
import type { DockerEndpoint } from './endpoint';
import { DockerError, answerWithoutMessage, fromDaemonResponse, timeoutError, toDockerError } from './errors';
import { SHAPES, objectOrNull } from './shapes';
import { type OpenStream, connectionLost, formatBytes, jsonLines, logLines } from './streams';
import { EngineTransport, createTransport } from './transport';
import type { PushMessage } from '../core/registry/push';
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
    /**
     * Environment of the ssh process for ssh endpoints (PATH, SSH_AUTH_SOCK…), and where `DOCKER_API_VERSION` is read
     * (./api-version.ts); `process.env` by default.
     */
    env?: NodeJS.ProcessEnv;
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
    /**
     * Prefix each line with the log details (`com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,
     * com.docker.swarm.task.id=… `): the task and node context `docker service logs` prints
     * (docker/cli `cli/command/service/logs.go`).
     */
    details?: boolean;
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
    /** The `X-Registry-Config` value: credentials by registry, for the `FROM` images (moby `client/image_build.go`). */
    registryConfig?: string;
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
    /** Sent as is, without the `/v1.NN` prefix (the ping that negotiates). */
    unversioned?: boolean;
    /** Answered whatever its status, which the caller reads (the HEAD ping). */
    anyStatus?: boolean;
    headers?: Record<string, string>;
    /** Value of the X-Registry-Auth header, sent only when non-empty. */
    registryAuth?: string;
    /** May hold the connection for long (a registry lookup): see EngineRequest.long. */
    long?: boolean;
    /** The most bytes of answer read (MAX_BODY_BYTES unless said). */
    maxBodyBytes?: number;
}

interface Response {
    statusCode: number;
    headers: IncomingMessage['headers'];
    body: Buffer;
    /** `GET /services`, for messages. */
    what: string;
    endpoint: string;
    operation: string;
}

const SUCCESS: Record<number, true> = { 200: true, 201: true, 204: true, 304: true };
/** Failures of a ping that got no answer at all, after which the GET ping is not tried. */
const NO_ANSWER: Partial<Record<DockerError['kind'], true>> = { unreachable: true, timeout: true, permissionDenied: true, tls: true, hostKey: true };
const MIB = 1024 * 1024;
/**
 * The most bytes of one answer read: an inspect, a create or the engine's info is far smaller. Past it the answer is
 * cut off, the connection closed, and the call fails naming the request, before the answer could exhaust memory.
 */
const MAX_BODY_BYTES = 16 * MIB;
/** Lists grow with the swarm (every task of every service, every revision kept in a config): generously more. */
const MAX_LIST_BODY_BYTES = 128 * MIB;
/** The daemon's error message: a sentence, whatever else comes with it. */
const MAX_ERROR_BODY_BYTES = 1 * MIB;
/** An error that is not the daemon's JSON is shown up to this many characters. */
const MAX_MESSAGE_CHARS = 2000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DISTRIBUTION_TIMEOUT_MS = 10_000;

export class DockerClient {
    readonly endpoint: DockerEndpoint;
    readonly timeoutMs: number;
    private readonly transport: EngineTransport;
    private readonly counts = new Map<string, number>();
    /** Reads sent ahead (readAhead), by method, path and query, each for the first call that makes the same read. */
    private readonly readsAhead = new Map<string, Promise<Response>>();
    private readingAhead = false;
    /** The API version every request but the ping speaks, once pinned or negotiated (./api-version.ts). */
    private requestApiVersion: string | undefined;
    /** A DOCKER_API_VERSION that cannot be used: every request fails with it. */
    private readonly pinProblem: Error | undefined;
    /** The ping in flight that negotiates, shared by the requests that wait for it (moby's negotiateLock). */
    private negotiation: Promise<string> | undefined;

    constructor(endpoint: DockerEndpoint, options: DockerClientOptions = {}) {
        this.endpoint = endpoint;
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        const env = options.env ?? process.env;
        this.transport = createTransport(endpoint, { env: options.env });
        try {
            this.requestApiVersion = pinnedApiVersion(env.DOCKER_API_VERSION, endpoint.url);
        } catch (error) {
            this.pinProblem = error instanceof Error ? error : new Error(String(error));
        }
    }

    /**
     * The Engine API version of this client's requests: pinned by DOCKER_API_VERSION, else negotiated by the first
     * request (one ping per client, as the Docker CLI does: docker/cli `cli/command/cli.go` initializeFromClient).
     */
    async apiVersion(options: CallOptions = {}): Promise<string> {
        return this.requestApiVersion ?? this.negotiate(options.signal, options.timeoutMs ?? this.timeoutMs);
    }

    /**
     * Sends now the reads that `send` makes, and keeps each answer for the first call that makes the same read (same
     * path and query): a command starts the reads it will need whatever its input says before its own work on that
     * input (a deploy: before parsing and validating the compose file), so that the engine answers meanwhile. A kept
     * answer is used once; a read that failed is made again when asked, so errors come as they would have.
     */
    readAhead(send: (engine: this) => Promise<unknown>[]): void {
        this.readingAhead = true;
        try {
            for (const read of send(this)) read.catch(() => undefined);
        } finally {
            this.readingAhead = false;
        }
    }

    /** Ends the kept-alive connections (for ssh: the ssh processes). Requests after this open new ones. */
    close(): void {
        this.transport.close();
    }

    /** ssh endpoints: how many ssh processes this client has started. */
    get sshProcessesStarted(): number {
        return this.transport.connectionsOpened;
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

    /**
     * `HEAD /_ping`, and `GET /_ping` when the HEAD is answered other than 200 or 500 or fails after connecting (moby
     * `client/ping.go`, v28.2.2). The first ping of a client negotiates its API version when nothing pinned one; an
     * engine too old for this client is then an error.
     */
    async ping(options: CallOptions = {}): Promise<PingResult> {
        const res = await this.pingExchange(options);
        const result: PingResult = {};
        const api = header(res, 'api-version');
        const os = header(res, 'ostype');
        const swarm = header(res, 'swarm');
        if (api) result.apiVersion = api;
        if (os) result.osType = os;
        if (swarm) result.swarm = swarm;
        if (this.pinProblem === undefined) this.adoptApiVersion(result);
        return result;
    }

    /** The version negotiated from a ping's answer, kept for every later request (docker/cli pings once per client). */
    private adoptApiVersion(ping: PingResult): string {
        this.requestApiVersion ??= negotiatedApiVersion(ping.apiVersion, this.endpoint.url);
        return this.requestApiVersion;
    }

    private async pingExchange(options: CallOptions): Promise<Response> {
        let head: Response | undefined;
        try {
            head = await this.exchange('ping', { method: 'HEAD', path: '/_ping', unversioned: true, anyStatus: true }, options);
        } catch (error) {
            // Not connected at all (or cancelled, out of time, refused by TLS or ssh): a GET would fare no better.
            if (!(error instanceof DockerError) || NO_ANSWER[error.kind]) throw error;
        }
        if (head && (head.statusCode === 200 || head.statusCode === 500)) return head;
        return this.exchange('ping', { method: 'GET', path: '/_ping', unversioned: true }, options);
    }

    /** Pings once for every request waiting for the version; a failed ping is tried again by the next request. */
    private negotiate(signal: AbortSignal | undefined, timeoutMs: number): Promise<string> {
        if (this.pinProblem !== undefined) return Promise.reject(this.pinProblem);
        if (!this.negotiation) {
            const negotiation = this.ping({ signal, timeoutMs }).then(
                (ping) => {
                    this.negotiation = undefined;
                    return this.adoptApiVersion(ping);
                },
                (error: unknown) => {
                    this.negotiation = undefined;
                    throw error;
                },
            );
            this.negotiation = negotiation;
        }
        return this.negotiation;
    }

    async info(options: CallOptions = {}): Promise<EngineInfo> {
        const res = await this.request('info', { method: 'GET', path: '/info' }, options);
        const raw = json<RawInfo>(res, SHAPES.anyObject);
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
        const raw = json<RawVersion>(await this.request('version', { method: 'GET', path: '/version' }, options), SHAPES.anyObject);
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
        return json<string>(res, SHAPES.nodeId);
    }

    async leave(params: { force?: boolean } = {}, options: CallOptions = {}): Promise<void> {
        await this.request('leave', { method: 'POST', path: '/swarm/leave', query: { force: params.force ? 'true' : undefined } }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Services

    async listServices(filters?: Filters, params: { status?: boolean } = {}, options: CallOptions = {}): Promise<Service[]> {
        const res = await this.request(
            'listServices',
            { method: 'GET', path: '/services', query: { filters: filtersQuery(filters), status: params.status ? 'true' : undefined }, maxBodyBytes: MAX_LIST_BODY_BYTES },
            options,
        );
        return json<Service[]>(res, SHAPES.listOf(SHAPES.service));
    }

    async inspectService(id: string, options: CallOptions = {}): Promise<Service> {
        return json<Service>(await this.request('inspectService', { method: 'GET', path: `/services/${pathPart(id)}` }, options), SHAPES.service);
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
        const raw = json<{ ID?: string; Warnings?: string[] | null }>(res, SHAPES.createdId);
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
        const raw = jsonOrNull<{ Warnings?: string[] | null }>(res, objectOrNull);
        return { warnings: raw?.Warnings ?? [] };
    }

    async removeService(id: string, options: CallOptions = {}): Promise<void> {
        await this.request('removeService', { method: 'DELETE', path: `/services/${pathPart(id)}` }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Tasks and nodes

    async listTasks(filters?: Filters, options: CallOptions = {}): Promise<Task[]> {
        return json<Task[]>(
            await this.request('listTasks', { method: 'GET', path: '/tasks', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.task),
        );
    }

    async listNodes(filters?: Filters, options: CallOptions = {}): Promise<Node[]> {
        return json<Node[]>(
            await this.request('listNodes', { method: 'GET', path: '/nodes', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.node),
        );
    }

    async inspectNode(id: string, options: CallOptions = {}): Promise<Node> {
        return json<Node>(await this.request('inspectNode', { method: 'GET', path: `/nodes/${pathPart(id)}` }, options), SHAPES.node);
    }

    /**
     * `POST /nodes/{id}/update?version=N` with the whole NodeSpec, as `docker node update` sends it
     * (role, availability and labels all live in the spec). A stale `version` fails with kind `outOfSequence`.
     */
    async updateNode(id: string, version: number, spec: NodeSpec, options: CallOptions = {}): Promise<void> {
        await this.request('updateNode', { method: 'POST', path: `/nodes/${pathPart(id)}/update`, query: { version }, body: spec }, options);
    }

    // -----------------------------------------------------------------------------------------
    // Networks

    async listNetworks(filters?: Filters, options: CallOptions = {}): Promise<Network[]> {
        return json<Network[]>(
            await this.request('listNetworks', { method: 'GET', path: '/networks', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.network),
        );
    }

    /** `scope: 'swarm'` gives the swarm's view of a network, e.g. the swarm ID of `host` that services store. */
    async inspectNetwork(id: string, options: CallOptions = {}, params: { scope?: 'swarm' | 'local' } = {}): Promise<Network> {
        return json<Network>(
            await this.request('inspectNetwork', { method: 'GET', path: `/networks/${pathPart(id)}`, query: { scope: params.scope } }, options),
            SHAPES.network,
        );
    }

    async createNetwork(request: NetworkCreateRequest, options: CallOptions = {}): Promise<{ id: string; warning?: string }> {
        const res = await this.request('createNetwork', { method: 'POST', path: '/networks/create', body: request }, options);
        const raw = json<{ Id?: string; Warning?: string }>(res, SHAPES.createdNetwork);
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
        return json<Secret[]>(
            await this.request('listSecrets', { method: 'GET', path: '/secrets', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.secret),
        );
    }

    async inspectSecret(id: string, options: CallOptions = {}): Promise<Secret> {
        return json<Secret>(await this.request('inspectSecret', { method: 'GET', path: `/secrets/${pathPart(id)}` }, options), SHAPES.secret);
    }

    async createSecret(spec: SecretSpec, options: CallOptions = {}): Promise<{ id: string }> {
        const raw = json<{ ID?: string }>(await this.request('createSecret', { method: 'POST', path: '/secrets/create', body: spec }, options), SHAPES.createdId);
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
        return json<Config[]>(
            await this.request('listConfigs', { method: 'GET', path: '/configs', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.config),
        );
    }

    async inspectConfig(id: string, options: CallOptions = {}): Promise<Config> {
        return json<Config>(await this.request('inspectConfig', { method: 'GET', path: `/configs/${pathPart(id)}` }, options), SHAPES.config);
    }

    async createConfig(spec: ConfigSpec, options: CallOptions = {}): Promise<{ id: string }> {
        const raw = json<{ ID?: string }>(await this.request('createConfig', { method: 'POST', path: '/configs/create', body: spec }, options), SHAPES.createdId);
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
            { method: 'GET', path: `/distribution/${imagePath(image)}/json`, registryAuth: params.authHeader, long: true },
            { signal: options.signal, timeoutMs: params.timeoutMs ?? options.timeoutMs ?? Math.min(this.timeoutMs, DEFAULT_DISTRIBUTION_TIMEOUT_MS) },
        );
        return json<DistributionInspect>(res, SHAPES.distribution);
    }

    async listImages(filters?: Filters, options: CallOptions = {}): Promise<ImageSummary[]> {
        const raw = json<Partial<ImageSummary>[]>(
            await this.request('listImages', { method: 'GET', path: '/images/json', query: { filters: filtersQuery(filters) }, maxBodyBytes: MAX_LIST_BODY_BYTES }, options),
            SHAPES.listOf(SHAPES.image),
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
        return json<ImageInspect>(await this.request('inspectImage', { method: 'GET', path: `/images/${imagePath(name)}/json` }, options), SHAPES.image);
    }

    async removeImage(name: string, params: { force?: boolean } = {}, options: CallOptions = {}): Promise<void> {
        await this.request(
            'removeImage',
            { method: 'DELETE', path: `/images/${imagePath(name)}`, query: { force: params.force ? 'true' : undefined } },
            options,
        );
    }

    /**
     * `POST /images/{name}/push?tag=…` as the CLI's client sends it (moby `client/image_push.go`): the
     * repository in the path, the tag in the query, the credentials in X-Registry-Auth. Resolves once the
     * engine answers; the iterable yields its JSON progress messages and ends when the push ends. An error
     * inside the stream (`{"error": "unauthorized: …"}`, with status 200) is thrown as a DockerError carrying
     * the engine's message. Aborting the signal closes the connection (the engine cancels the push) and ends
     * the iterable without an error.
     */
    async pushImage(
        name: string,
        params: { tag?: string; authHeader?: string } = {},
        signal?: AbortSignal,
    ): Promise<AsyncIterableIterator<PushMessage>> {
        const stream = await this.openStream(
            'pushImage',
            { method: 'POST', path: `/images/${imagePath(name)}/push`, query: { tag: params.tag }, registryAuth: params.authHeader },
            signal,
            this.timeoutMs,
        );
        return streamErrorsThrown(jsonLines<PushMessage>(stream, SHAPES.anyObject), this.endpoint.url, 'pushImage');
    }

    /**
     * `POST /build` (the classic builder) with a tar context and, as `docker build` sends them, the user's registry
     * credentials in X-Registry-Config. Resolves once the daemon answers; the
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
        // The classic builder, named as docker/cli names it when BuildKit is off (cli/command/image/build.go BuilderV1).
        query.version = '1';
        const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
        if (params.registryConfig) headers['X-Registry-Config'] = params.registryConfig;
        const stream = await this.openStream(
            'buildImage',
            { method: 'POST', path: '/build', query, file: tar, headers },
            signal,
            params.timeoutMs,
        );
        return jsonLines<BuildProgress>(stream, SHAPES.anyObject);
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
        return jsonLines<EngineEvent>(stream, SHAPES.event);
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
                    details: params.details ? 'true' : undefined,
                },
            },
            signal,
            this.timeoutMs,
        );
        return Readable.from(logLines(stream), { objectMode: true });
    }

    // -----------------------------------------------------------------------------------------
    // Transport

    /** One request, body read completely, within the timeout; errors mapped. A GET may take a read sent ahead. */
    private async request(operation: string, spec: RequestSpec, options: CallOptions): Promise<Response> {
        if (spec.method !== 'GET' || (!this.readingAhead && this.readsAhead.size === 0)) return this.exchange(operation, spec, options);
        const key = `${spec.path}${queryString(spec.query)}`;
        if (this.readingAhead) {
            const read = this.exchange(operation, spec, options);
            read.catch(() => undefined);
            this.readsAhead.set(key, read);
            return read;
        }
        const ahead = this.readsAhead.get(key);
        if (ahead) {
            this.readsAhead.delete(key);
            const answer = await ahead.catch(() => undefined);
            if (answer) return answer;
        }
        return this.exchange(operation, spec, options);
    }

    private async exchange(operation: string, spec: RequestSpec, options: CallOptions): Promise<Response> {
        const timeoutMs = options.timeoutMs ?? this.timeoutMs;
        const stream = await this.openStream(operation, spec, options.signal, timeoutMs, true);
        try {
            const body = await wholeBody(stream, spec.maxBodyBytes ?? MAX_BODY_BYTES);
            return {
                statusCode: stream.res.statusCode ?? 0,
                headers: stream.res.headers,
                body,
                what: stream.origin.request,
                endpoint: this.endpoint.url,
                operation,
            };
        } catch (error) {
            throw stream.mapError(error);
        } finally {
            stream.close();
        }
    }

    /**
     * Sends a request and resolves with the response stream once the status is known (error statuses
     * become DockerError, see `send`). The timeout runs until then; with
     * `timeoutWholeBody` it keeps running until `close()`.
     */
    private openStream(
        operation: string,
        spec: RequestSpec,
        signal: AbortSignal | undefined,
        timeoutMs: number | undefined,
        timeoutWholeBody = false,
    ): Promise<OpenStream> {
        if (this.requestApiVersion === undefined && !spec.unversioned && !signal?.aborted) {
            // The first request of a client waits for the ping that negotiates (a stream without a timeout: the
            // client's own for the ping).
            return this.negotiate(signal, timeoutMs || this.timeoutMs).then(() => this.openStream(operation, spec, signal, timeoutMs, timeoutWholeBody));
        }
        if (signal?.aborted) {
            return Promise.reject(new CancelledError());
        }
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        const endpoint = this.endpoint.url;
        const exchange: Exchange = { cut: false };
        let timedOut = false;
        let closed = false;
        /** Closed before the answer was complete, on purpose (abort, consumer stopped reading). */
        let stopped = false;
        let timer: NodeJS.Timeout | undefined;
        let res: IncomingMessage | undefined;
        let fail: (error: unknown) => void = () => undefined;
        /**
         * Ends the exchange where it is (its request not yet answered, or its answer being read). The request and the
         * response are destroyed directly rather than through an AbortSignal given to Node's http: that costs a
         * signal, listeners and stream plumbing on every request, which a 300-service deploy sends 300 times.
         */
        const cut = (): void => {
            exchange.cut = true;
            exchange.request?.destroy();
            res?.destroy();
            fail(new CancelledError());
        };

        const onUserAbort = (): void => {
            stopped = true;
            cut();
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
            fail = (error: unknown): void => {
                if (settled) return;
                settled = true;
                const mapped = mapError(error);
                close();
                reject(mapped);
            };
            if (timeoutMs !== undefined && timeoutMs > 0) {
                timer = setTimeout(() => {
                    timedOut = true;
                    cut();
                }, timeoutMs);
            }

            // A stream (the answer is read beyond this call) holds its connection for as long as it is read.
            this.send(operation, timeoutWholeBody ? spec : { ...spec, long: true }, exchange, (error, response) => {
                if (error || !response) {
                    fail(error);
                    return;
                }
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
                resolve({ res: response, close, mapError, isStopped: () => stopped && !timedOut, origin: { endpoint, operation, request: `${spec.method} ${spec.path}` } });
            });
        });
    }

    /**
     * One HTTP exchange: calls back with the response once its status is a success, or with the error
     * (an error status is read to its end and becomes a DockerError with the daemon's message). A GET
     * that fails on a kept-alive connection the other side had already closed is sent once more on a
     * fresh one, as Node's http documentation advises; other methods are never repeated.
     */
    private send(
        operation: string,
        spec: RequestSpec,
        exchange: Exchange,
        callback: (error: unknown, response?: IncomingMessage) => void,
        isRetry = false,
    ): void {
        let done = false;
        const finish = (error: unknown, response?: IncomingMessage): void => {
            if (done) return;
            done = true;
            callback(error, response);
        };
        let request: ClientRequest;
        try {
            request = this.transport.request({
                method: spec.method,
                path: (spec.unversioned ? spec.path : `/v${this.requestApiVersion}${spec.path}`) + queryString(spec.query),
                headers: requestHeaders(spec),
                long: spec.long === true,
            });
        } catch (error) {
            finish(error);
            return;
        }
        exchange.request = request;
        request.on('error', (error) => {
            const reused = (request as ClientRequest & { reusedSocket?: boolean }).reusedSocket === true;
            if (!done && reused && !isRetry && (spec.method === 'GET' || spec.method === 'HEAD') && isStaleConnection(error)) {
                done = true;
                if (!exchange.cut) this.send(operation, spec, exchange, callback, true);
                return;
            }
            finish(error);
        });
        request.on('response', (response) => {
            const status = response.statusCode ?? 0;
            if (SUCCESS[status] || spec.anyStatus) {
                finish(null, response);
                return;
            }
            readErrorBody(response, (text) => {
                // A web page is some server's error page, not the daemon's message (moby answers JSON or plain text).
                const page = /html/i.test(header(response, 'content-type') ?? '') && text.trim() !== '';
                const message = page ? '' : daemonMessage(text);
                const location = header(response, 'location');
                finish(
                    message
                        ? fromDaemonResponse(status, message, this.endpoint.url, operation)
                        : answerWithoutMessage(status, this.endpoint.url, `${spec.method} ${spec.path}`, {
                              operation,
                              htmlPage: page,
                              ...(location !== undefined ? { location } : {}),
                          }),
                );
            });
        });
        if (spec.file) {
            spec.file.on('error', (error) => {
                request.destroy(error);
            });
            spec.file.pipe(request);
        } else if (spec.body !== undefined) {
            request.end(JSON.stringify(spec.body));
        } else {
            request.end();
        }
    }
}

/** One exchange as openStream follows it: the request in flight (a GET sent again replaces it), and whether it was cut. */
interface Exchange {
    request?: ClientRequest;
    cut: boolean;
}

/**
 * A response's whole body, up to `maxBytes`: a longer answer (announced by its Content-Length, or counted as it
 * comes) is cut off there and its connection closed, and the call fails naming the request. Read by its events rather
 * than an async iterator, which costs a good part of a small request's time. A response destroyed before its end (cut,
 * or its connection lost) is an error.
 */
function wholeBody(stream: OpenStream, maxBytes: number): Promise<Buffer> {
    const res = stream.res;
    return new Promise((resolve, reject) => {
        const tooLong = (): void => {
            reject(answerTooLong(stream.origin, maxBytes));
            res.destroy();
        };
        const announced = Number(res.headers['content-length']);
        if (announced > maxBytes) {
            tooLong();
            return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer | string) => {
            const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
            size += bytes.length;
            if (size > maxBytes) {
                chunks.length = 0;
                tooLong();
                return;
            }
            chunks.push(bytes);
        });
        res.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
        res.once('error', reject);
        res.once('close', () => {
            if (!res.complete) reject(connectionLost());
        });
    });
}

function answerTooLong(origin: OpenStream['origin'], maxBytes: number): DockerError {
    return new DockerError(
        'daemon',
        `Docker at ${origin.endpoint} sent more than ${formatBytes(maxBytes)} in answer to ${origin.request}; the answer was cut off there and the connection closed.`,
        { endpoint: origin.endpoint, operation: origin.operation },
    );
}

/** A `{"error": …}` message of a progress stream as a DockerError with the engine's message (push, pull). */
async function* streamErrorsThrown(
    messages: AsyncIterableIterator<PushMessage>,
    endpoint: string,
    operation: string,
): AsyncIterableIterator<PushMessage> {
    for await (const message of messages) {
        const text = message.errorDetail?.message ?? message.error;
        if (text !== undefined) {
            throw new DockerError('daemon', `Error response from daemon: ${text}`, { endpoint, daemonMessage: text, operation });
        }
        yield message;
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

function header(res: { headers: IncomingMessage['headers'] }, name: string): string | undefined {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

/**
 * The answer as JSON of the shape `check` expects (./shapes.ts). An empty, non-JSON or misshapen answer where the
 * Engine API promises JSON is an error naming the endpoint and the request: a proxy or another server answering in
 * Docker's place must not read as "no stacks", nor fail later on a field that is not there.
 */
function json<T>(res: Response, check: (value: unknown) => string | undefined): T {
    const text = res.body.toString('utf8').trim();
    if (!text) {
        throw notEngineAnswer(res, 'an empty answer');
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw notEngineAnswer(res, `an answer that is not JSON (${JSON.stringify(text.slice(0, 80))})`);
    }
    const wrong = check(value);
    if (wrong !== undefined) throw notEngineAnswer(res, wrong);
    return value as T;
}

/** As `json`, for the few calls where the Engine may answer 200 with no body at all. */
function jsonOrNull<T>(res: Response, check: (value: unknown) => string | undefined): T | null {
    return res.body.toString('utf8').trim() ? json<T>(res, check) : null;
}

function notEngineAnswer(res: Response, what: string): DockerError {
    return new DockerError(
        'daemon',
        `Docker at ${res.endpoint} sent ${what} in answer to ${res.what}. Is ${res.endpoint} a Docker engine (and not a proxy or another server)?`,
        { endpoint: res.endpoint, statusCode: res.statusCode, operation: res.operation },
    );
}

/** `?a=1&t=x&t=y`: undefined values and empty lists left out, lists repeated as the Engine reads them. */
function queryString(query: RequestSpec['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
        if (value === undefined) continue;
        if (Array.isArray(value)) {
            for (const item of value) params.append(key, item);
        } else {
            params.append(key, String(value));
        }
    }
    const text = params.toString();
    return text ? `?${text}` : '';
}

function requestHeaders(spec: RequestSpec): Record<string, string> {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.registryAuth) headers['X-Registry-Auth'] = spec.registryAuth;
    if (spec.file) return headers;
    if (spec.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(JSON.stringify(spec.body)));
    } else if (spec.method !== 'GET' && spec.method !== 'HEAD') {
        headers['Content-Length'] = '0';
    }
    return headers;
}

/** A kept-alive connection that the other side had closed before our request reached it. */
function isStaleConnection(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ESSHPROCESS';
}

/** The body of an error answer, bounded: past MAX_ERROR_BODY_BYTES the connection is closed. Calls back once with what arrived. */
function readErrorBody(response: IncomingMessage, done: (text: string) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let called = false;
    const finish = (): void => {
        if (called) return;
        called = true;
        done(Buffer.concat(chunks).toString('utf8'));
    };
    response.on('data', (chunk: Buffer) => {
        if (size + chunk.length > MAX_ERROR_BODY_BYTES) {
            chunks.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - size));
            size = MAX_ERROR_BODY_BYTES;
            finish();
            response.destroy();
            return;
        }
        size += chunk.length;
        chunks.push(chunk);
    });
    response.on('end', finish);
    response.on('error', finish);
    response.on('close', finish);
}

/** The daemon's message: `{"message": "..."}`, else the text as sent. */
function daemonMessage(text: string): string {
    const trimmed = text.trim();
    try {
        const parsed = JSON.parse(trimmed) as { message?: unknown };
        if (parsed && typeof parsed.message === 'string') return parsed.message.trim();
    } catch {
        // Not JSON: a plain-text error (a proxy, or Go's "Client sent an HTTP request to an HTTPS server.").
    }
    return trimmed.length > MAX_MESSAGE_CHARS ? `${trimmed.slice(0, MAX_MESSAGE_CHARS)} …` : trimmed;
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
