/**
 * Pushing an image through the Engine API as `docker push` does (docker/cli `cli/command/image/push.go`):
 * the reference is normalised, `:latest` added when it has no tag, a digest refused; the engine gets
 * `POST /images/{name}/push?tag=…` with the registry's credentials in `X-Registry-Auth`, and streams JSON
 * progress per layer, then `<tag>: digest: sha256:… size: N` and an `aux` message with the digest.
 *
 * A registry that stops answering half-way makes the engine retry each layer for about 50 s (5, 10, 15 and
 * 20 s apart) before it gives up. The push here is bounded instead: when the engine has been retrying for
 * `retryBoundMs` without any progress, or has sent nothing for `idleTimeoutMs`, the connection is closed
 * (the engine then cancels the push) and the error says which layers got there and that the tag was not
 * pushed: the registry has no image under that tag until a push completes, because the manifest goes last.
 */
import { CancelledError, isCancellation } from '../cancellation';
import { familiarString, parseImageReference } from '../image-reference';
import { errorKind } from '../stack/engine';
import { classifyRegistryFailure, engineMessageOf, RegistryError, registryFailureMessage } from './errors';

/** One JSON message of the push stream (moby `jsonmessage.JSONMessage`). */
export interface PushMessage {
    status?: string;
    id?: string;
    progress?: string;
    progressDetail?: { current?: number; total?: number };
    error?: string;
    errorDetail?: { message?: string };
    aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** What the push needs from a Docker client (the Docker door's client has it). */
export interface PushEngine {
    readonly endpoint: { url: string };
    pushImage(image: string, params: { tag?: string; authHeader?: string }, signal?: AbortSignal): Promise<AsyncIterableIterator<PushMessage>>;
}

type LayerState = 'preparing' | 'waiting' | 'pushing' | 'retrying' | 'pushed' | 'exists' | 'mounted';

interface LayerProgress {
    id: string;
    state: LayerState;
    /** The engine's status text: `Pushing`, `Mounted from library/node`, `Retrying in 5 seconds`. */
    status: string;
    current?: number;
    total?: number;
}

export interface PushProgress {
    /** The layer that changed. */
    layer?: LayerProgress;
    /** A line of the engine that is not about one layer (`The push refers to repository […]`, the digest line). */
    line?: string;
    layers: LayerProgress[];
    /** `2/5 layers, 12.3 MB of 104.5 MB`. */
    summary: string;
}

interface PushOptions {
    /** The `X-Registry-Auth` value; the CLI always sends one (`e30=` when there are no credentials). */
    authHeader?: string;
    signal?: AbortSignal;
    onProgress?(progress: PushProgress): void;
    /** Give up when every message for this long has been a retry countdown (default 20 s: two retries). */
    retryBoundMs?: number;
    /** Give up when the engine sends nothing for this long (default 60 s). */
    idleTimeoutMs?: number;
}

export interface PushResult {
    /** The reference pushed, familiar and tagged: `127.0.0.1:5000/app:1`. */
    image: string;
    registry: string;
    tag: string;
    digest: string;
    /** `image@digest`, what a deploy pins. */
    pinned: string;
    size?: number;
    layers: LayerProgress[];
    durationMs: number;
}

const DEFAULT_RETRY_BOUND_MS = 20_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DIGEST_LINE = /^(\S+): digest: (sha256:[a-f0-9]{64}) size: (\d+)$/;

/** The reference `docker push` would push: normalised, `:latest` when untagged; a digest is refused. */
export function pushReference(image: string): { image: string; registry: string; name: string; tag: string; tagDefaulted: boolean } {
    const ref = parseImageReference(image.trim());
    if (ref.digest !== undefined) throw new Error(`cannot push a digest reference (${image}): push a tag, e.g. ${ref.familiarName}:latest`);
    const tag = ref.tag ?? 'latest';
    return { image: familiarString({ ...ref, tag }), registry: ref.domain, name: ref.familiarName, tag, tagDefaulted: ref.tag === undefined };
}

function layerState(status: string): LayerState | undefined {
    if (status === 'Preparing') return 'preparing';
    if (status === 'Waiting') return 'waiting';
    if (status === 'Pushing') return 'pushing';
    if (status === 'Pushed') return 'pushed';
    if (status === 'Layer already exists') return 'exists';
    if (status.startsWith('Mounted from')) return 'mounted';
    if (status.startsWith('Retrying in')) return 'retrying';
    return undefined;
}

const DONE: ReadonlySet<LayerState> = new Set(['pushed', 'exists', 'mounted']);

/** `2/5 layers, 12.3 MB of 104.5 MB`. */
export function summarizeLayers(layers: LayerProgress[]): string {
    const done = layers.filter((l) => DONE.has(l.state)).length;
    let current = 0;
    let total = 0;
    for (const l of layers) {
        if (l.total) {
            total += l.total;
            current += DONE.has(l.state) ? l.total : Math.min(l.current ?? 0, l.total);
        }
    }
    const bytes = total > 0 ? `, ${formatMegabytes(current)} of ${formatMegabytes(total)}` : '';
    const retrying = layers.some((l) => l.state === 'retrying') ? ' (retrying)' : '';
    return `${done}/${layers.length} layers${bytes}${retrying}`;
}

function formatDuration(ms: number): string {
    return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function formatMegabytes(bytes: number): string {
    return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** What an interrupted push left behind, in words. */
function leftBehind(layers: LayerProgress[], tag: string): string {
    const done = layers.filter((l) => DONE.has(l.state)).length;
    const uploaded = layers.length ? `${done} of ${layers.length} layers had reached the registry and ` : '';
    return `${uploaded}the tag ${tag} was not pushed, so the registry does not have this image yet`;
}

/**
 * Pushes `image` and resolves with its digest. Failures are one sentence: a `RegistryError` for what the
 * registry did, the Docker door's error when the engine itself could not be reached; cancellation is a
 * `CancelledError` (the engine stops the push when the connection closes).
 */
export async function pushImage(engine: PushEngine, image: string, options: PushOptions = {}): Promise<PushResult> {
    const ref = pushReference(image);
    const started = Date.now();
    const retryBoundMs = options.retryBoundMs ?? DEFAULT_RETRY_BOUND_MS;
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const layers = new Map<string, LayerProgress>();
    const context = { registry: ref.registry, image: ref.image, operation: 'push' as const, engine: engine.endpoint.url };

    const controller = new AbortController();
    const onUserAbort = (): void => controller.abort();
    if (options.signal?.aborted) throw new CancelledError();
    options.signal?.addEventListener('abort', onUserAbort, { once: true });

    let stalled: RegistryError | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    const stop = (error: RegistryError): void => {
        if (stalled) return;
        stalled = error;
        controller.abort();
    };
    const armIdle = (): void => {
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
            stop(
                new RegistryError(
                    'stalled',
                    ref.registry,
                    registryFailureMessage('unreachable', `no progress from the engine for ${formatDuration(idleTimeoutMs)}`, {
                        ...context,
                        leftBehind: `the push was stopped: ${leftBehind([...layers.values()], ref.tag)}`,
                    }),
                ),
            );
        }, idleTimeoutMs);
    };
    const armRetryBound = (): void => {
        if (retryTimer) return;
        retryTimer = setTimeout(() => {
            const list = [...layers.values()];
            const retrying = list.filter((l) => l.state === 'retrying').map((l) => l.id);
            stop(
                new RegistryError(
                    'stalled',
                    ref.registry,
                    `The registry ${ref.registry} stopped answering half-way through the push of ${ref.image} ` +
                        `(the Docker engine at ${engine.endpoint.url} was still retrying layer${retrying.length === 1 ? '' : 's'} ${retrying.join(', ')} after ${formatDuration(retryBoundMs)}), ` +
                        `so the push was stopped: ${leftBehind(list, ref.tag)}; check that the registry is running, then push again (layers that got there are not sent twice).`,
                ),
            );
        }, retryBoundMs);
    };
    const progressMade = (): void => {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = undefined;
    };

    let digest: string | undefined;
    let size: number | undefined;
    try {
        armIdle();
        const stream = await engine.pushImage(ref.name, { tag: ref.tag, authHeader: options.authHeader }, controller.signal);
        for await (const message of stream) {
            armIdle();
            if (message.error !== undefined || message.errorDetail?.message !== undefined) {
                // The Docker door turns these into errors; a client that passes them through is handled the same way.
                throw Object.assign(new Error(message.errorDetail?.message ?? message.error ?? ''), { daemonMessage: message.errorDetail?.message ?? message.error });
            }
            if (message.aux?.Digest) {
                digest = message.aux.Digest;
                size = message.aux.Size;
                continue;
            }
            const status = message.status ?? '';
            const state = message.id ? layerState(status) : undefined;
            if (message.id && state) {
                const previous = layers.get(message.id);
                const layer: LayerProgress = { id: message.id, state, status };
                const current = message.progressDetail?.current ?? (state === 'retrying' ? previous?.current : undefined);
                const total = message.progressDetail?.total ?? previous?.total;
                if (current !== undefined) layer.current = current;
                if (total !== undefined) layer.total = total;
                layers.set(message.id, layer);
                if (state === 'retrying') armRetryBound();
                else if (state !== 'preparing' && state !== 'waiting') progressMade();
                options.onProgress?.({ layer, layers: [...layers.values()], summary: summarizeLayers([...layers.values()]) });
                continue;
            }
            const digestLine = DIGEST_LINE.exec(status);
            if (digestLine) {
                digest = digest ?? digestLine[2];
                size = size ?? Number(digestLine[3]);
            }
            if (status) options.onProgress?.({ line: status, layers: [...layers.values()], summary: summarizeLayers([...layers.values()]) });
        }
    } catch (error) {
        if (stalled) throw stalled;
        if (options.signal?.aborted || isCancellation(error)) throw new CancelledError();
        throw pushFailure(error, context, [...layers.values()], ref.tag);
    } finally {
        if (idleTimer) clearTimeout(idleTimer);
        if (retryTimer) clearTimeout(retryTimer);
        options.signal?.removeEventListener('abort', onUserAbort);
    }
    if (stalled) throw stalled;
    if (options.signal?.aborted) throw new CancelledError();
    if (!digest) {
        throw new RegistryError(
            'other',
            ref.registry,
            `The Docker engine at ${engine.endpoint.url} ended the push of ${ref.image} without a digest, so it is not known whether ${ref.registry} has the image: push again.`,
        );
    }
    return {
        image: ref.image,
        registry: ref.registry,
        tag: ref.tag,
        digest,
        pinned: `${ref.image}@${digest}`,
        ...(size !== undefined ? { size } : {}),
        layers: [...layers.values()],
        durationMs: Date.now() - started,
    };
}

/** A failure of the push as one sentence; the engine's own errors (unreachable, timeout…) keep their message. */
function pushFailure(error: unknown, context: { registry: string; image: string; operation: 'push'; engine: string }, layers: LayerProgress[], tag: string): Error {
    const kind = errorKind(error);
    const { message, statusCode } = engineMessageOf(error);
    if (kind !== undefined && kind !== 'daemon' && kind !== 'notFound') {
        // The engine itself was lost or refused: its message names it; say what the push left behind.
        const text = error instanceof Error ? error.message : String(error);
        return Object.assign(new Error(`${text.replace(/\.?\s*$/, '')}; the push of ${context.image} stopped: ${leftBehind(layers, tag)}.`), { cause: error });
    }
    if (kind === 'notFound' || /^An image does not exist locally|no such image/i.test(message)) {
        return new Error(`There is no image ${context.image} on the Docker engine at ${context.engine} to push: build or tag it first (${message}).`);
    }
    const registryKind = classifyRegistryFailure(message, statusCode);
    const started = layers.some((l) => l.state !== 'preparing' && l.state !== 'waiting');
    return new RegistryError(
        registryKind,
        context.registry,
        registryFailureMessage(registryKind, message, { ...context, ...(started ? { leftBehind: leftBehind(layers, tag) } : {}) }),
        message,
    );
}
