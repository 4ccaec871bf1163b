/**
 * One place that turns what the transport (socket, TCP, TLS, ssh) or the daemon says into our own
 * `DockerError`, with a sentence that names the endpoint and says what to do. Cancellation becomes
 * `CancelledError` (src/core/cancellation.ts), which the UI shows as nothing.
 */
import { CancelledError } from '../core/cancellation';

export type DockerErrorKind =
    /** Socket missing, connection refused, host unknown or unreachable. */
    | 'unreachable'
    /** The socket exists but this user may not open it; or ssh authentication failed. */
    | 'permissionDenied'
    /** No answer within the timeout. */
    | 'timeout'
    /** TLS handshake or certificate verification failed. */
    | 'tls'
    /** 503 "This node is not a swarm manager…" */
    | 'notSwarmManager'
    /** 404 */
    | 'notFound'
    /** 409 (name already in use, object in use…) */
    | 'conflict'
    /** `update out of sequence`: the version sent is not the current one; inspect again and retry. */
    | 'outOfSequence'
    /** Any other error response from the daemon; the daemon's message is kept. */
    | 'daemon'
    /** The endpoint configuration cannot be used (bad host string, unreadable TLS files…). */
    | 'invalidEndpoint';

export class DockerError extends Error {
    readonly kind: DockerErrorKind;
    /** The endpoint URL as the user would write it. */
    readonly endpoint: string;
    /** HTTP status of a daemon error response. */
    readonly statusCode?: number;
    /** The daemon's own message (without the "Error response from daemon: " prefix). */
    readonly daemonMessage?: string;
    /** Client method that failed (e.g. `updateService`), for logs. */
    readonly operation?: string;
    readonly cause?: unknown;

    constructor(
        kind: DockerErrorKind,
        message: string,
        details: { endpoint: string; statusCode?: number; daemonMessage?: string; operation?: string; cause?: unknown },
    ) {
        super(message);
        this.name = 'DockerError';
        this.kind = kind;
        this.endpoint = details.endpoint;
        if (details.statusCode !== undefined) this.statusCode = details.statusCode;
        if (details.daemonMessage !== undefined) this.daemonMessage = details.daemonMessage;
        if (details.operation !== undefined) this.operation = details.operation;
        if (details.cause !== undefined) this.cause = details.cause;
    }
}

export function isDockerError(error: unknown, kind?: DockerErrorKind): error is DockerError {
    return error instanceof DockerError && (kind === undefined || error.kind === kind);
}

export function timeoutError(endpoint: string, timeoutMs: number, operation?: string): DockerError {
    return new DockerError(
        'timeout',
        `Docker at ${endpoint} did not answer within ${formatSeconds(timeoutMs)}. ` +
            `Check that the daemon is running and not overloaded, or increase the timeout.`,
        { endpoint, operation },
    );
}

const TLS_CODES = new Set([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'EPROTO',
    'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/**
 * Maps any error from dockerode / docker-modem / Node's http, net, tls or ssh2 to a `DockerError`
 * (or `CancelledError` for an abort). Already-mapped errors pass through unchanged.
 */
export function toDockerError(error: unknown, endpoint: string, operation?: string): DockerError | CancelledError {
    if (error instanceof DockerError || error instanceof CancelledError) {
        return error;
    }
    const e = (typeof error === 'object' && error !== null ? error : {}) as {
        name?: unknown;
        code?: unknown;
        statusCode?: unknown;
        json?: unknown;
        message?: unknown;
        level?: unknown;
        hostname?: unknown;
    };
    const rawMessage = typeof e.message === 'string' ? e.message : String(error);
    const code = typeof e.code === 'string' ? e.code : undefined;

    if (e.name === 'AbortError' || code === 'ABORT_ERR') {
        return new CancelledError();
    }

    if (typeof e.statusCode === 'number') {
        return fromDaemonResponse(e.statusCode, daemonMessageOf(e.json, rawMessage), endpoint, operation, error);
    }

    const details = { endpoint, operation, cause: error };
    switch (code) {
        case 'ECONNREFUSED':
        case 'ENOENT':
        case 'ECONNRESET':
        case 'EPIPE':
        case 'EHOSTUNREACH':
        case 'ENETUNREACH':
        case 'EHOSTDOWN':
        case 'EADDRNOTAVAIL':
            return new DockerError('unreachable', `Cannot reach Docker at ${endpoint}. Is the daemon running?`, details);
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
            return new DockerError(
                'unreachable',
                `Cannot reach Docker at ${endpoint}: the host name` +
                    (typeof e.hostname === 'string' ? ` ${e.hostname}` : '') +
                    ` could not be resolved. Check the Docker host setting.`,
                details,
            );
        case 'EACCES':
        case 'EPERM':
            return new DockerError(
                'permissionDenied',
                `Permission denied while connecting to Docker at ${endpoint}. ` +
                    `Add your user to the "docker" group (sudo usermod -aG docker $USER), then log out and in again; ` +
                    `or use an endpoint you are allowed to open.`,
                details,
            );
        case 'ETIMEDOUT':
        case 'ESOCKETTIMEDOUT':
            return new DockerError(
                'timeout',
                `Docker at ${endpoint} did not answer in time. Check that the daemon is running and the network path to it is open.`,
                details,
            );
    }
    if (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
        return new DockerError(
            'tls',
            `The TLS connection to Docker at ${endpoint} failed: ${rawMessage}. ` +
                `Check the certificates (ca.pem, cert.pem, key.pem) and DOCKER_TLS_VERIFY.`,
            details,
        );
    }
    if (e.level === 'client-authentication') {
        return new DockerError(
            'permissionDenied',
            `ssh authentication to Docker at ${endpoint} failed. Load your key into the ssh agent (ssh-add) ` +
                `and check that "ssh <host> docker version" works.`,
            details,
        );
    }
    if (e.level === 'client-socket' || e.level === 'client-timeout') {
        return new DockerError('unreachable', `Cannot reach Docker at ${endpoint}. Is the ssh host up? (${rawMessage})`, details);
    }
    // docker-modem's "socket hang up" when the connection is cut before a response.
    if (/socket hang up/i.test(rawMessage)) {
        return new DockerError('unreachable', `Cannot reach Docker at ${endpoint}: the connection was closed before an answer.`, details);
    }
    return new DockerError('daemon', `Error talking to Docker at ${endpoint}: ${rawMessage}`, details);
}

/** Maps an HTTP error response from the daemon. `message` is the daemon's own message. */
export function fromDaemonResponse(
    statusCode: number,
    message: string,
    endpoint: string,
    operation?: string,
    cause?: unknown,
): DockerError {
    const details = { endpoint, statusCode, daemonMessage: message, operation, cause };
    const text = `Error response from daemon: ${message}`;
    if (/update out of sequence/i.test(message)) {
        return new DockerError(
            'outOfSequence',
            `${text}. The object changed since it was read; read it again and retry.`,
            details,
        );
    }
    if (statusCode === 503 && /not a swarm manager|not part of a swarm/i.test(message)) {
        const hint = /docker swarm (init|join)/.test(message)
            ? ''
            : ' Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
        return new DockerError('notSwarmManager', `${text}${hint}`, details);
    }
    if (statusCode === 404) {
        return new DockerError('notFound', text, details);
    }
    if (statusCode === 409) {
        return new DockerError('conflict', text, details);
    }
    return new DockerError('daemon', text, details);
}

/**
 * The daemon's message: `{"message": "..."}` from the body when docker-modem parsed it, else the text
 * docker-modem wrapped as "(HTTP code 503) unexpected - <message> ".
 */
function daemonMessageOf(json: unknown, fallback: string): string {
    if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
        return (json as { message: string }).message.trim();
    }
    if (typeof json === 'string' && json.trim()) {
        return json.trim();
    }
    if (Buffer.isBuffer(json) && json.length > 0) {
        return json.toString('utf8').trim();
    }
    const wrapped = /^\(HTTP code \d+\) [^-]*- ([\s\S]*?)\s*$/.exec(fallback);
    return (wrapped ? wrapped[1] : fallback).trim();
}

function formatSeconds(ms: number): string {
    const seconds = ms / 1000;
    return seconds >= 1 && Number.isInteger(seconds) ? `${seconds} s` : `${Number(seconds.toFixed(3))} s`;
}
