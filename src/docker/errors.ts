/**
 * One place that turns what the transport (socket, TCP, TLS, ssh) or the daemon says into our own
 * `DockerError`, with a sentence that names the endpoint and says what to do. Cancellation becomes
 * `CancelledError` (src/core/cancellation.ts), which the UI shows as nothing.
 */
import { STATUS_CODES } from 'http';

import { CancelledError } from '../core/cancellation';
import { SshProcessError, lastLines } from './sshErrors';

type DockerErrorKind =
    /** Socket missing, connection refused, host unknown or unreachable. */
    | 'unreachable'
    /** The socket exists but this user may not open it; or ssh authentication failed. */
    | 'permissionDenied'
    /** No answer within the timeout. */
    | 'timeout'
    /** TLS handshake or certificate verification failed, or the endpoint wants TLS and got none. */
    | 'tls'
    /** ssh refused the remote host's key (unknown or changed): ssh's own message is kept. */
    | 'hostKey'
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
    /** The endpoint configuration cannot be used (bad host string, unreadable TLS files, DOCKER_API_VERSION…). */
    | 'invalidEndpoint'
    /** The engine (or DOCKER_API_VERSION) speaks an Engine API older than the oldest this client supports. */
    | 'unsupportedApiVersion';

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
 * Maps any error from Node's http, net and tls or from the ssh process (./sshConnection.ts) to a
 * `DockerError` (or `CancelledError` for an abort). Already-mapped errors pass through unchanged.
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
    if (error instanceof SshProcessError) {
        return fromSshProcess(error, endpoint, operation);
    }
    // Node's "socket hang up" when the connection is cut before a response.
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
    if (statusCode === 400 && /HTTP request to an HTTPS server/i.test(message)) {
        return new DockerError(
            'tls',
            `Docker at ${endpoint} expects TLS, but the connection was plain HTTP. ` +
                `Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (the folder with ca.pem, cert.pem, key.pem), or use a context with TLS.`,
            details,
        );
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
 * An error status that carries no message of the daemon (a bodiless 502 from a proxy, a redirect, a web server's
 * error page): what was asked, what came back, and what that suggests, instead of "Error response from daemon: ".
 * The kind follows the status as for the daemon's own errors.
 */
export function answerWithoutMessage(
    statusCode: number,
    endpoint: string,
    request: string,
    details: { operation?: string; location?: string; htmlPage?: boolean } = {},
): DockerError {
    const reason = STATUS_CODES[statusCode];
    const status = `HTTP ${statusCode}${reason ? ` ${reason}` : ''}`;
    let text = `Docker at ${endpoint} answered ${request} with ${status} and ${details.htmlPage ? 'a web page' : 'no message'}`;
    if (statusCode >= 300 && statusCode < 400) {
        text += `: a redirect${details.location ? ` to ${details.location}` : ''}, which Docker never sends. Is ${endpoint} a Docker engine (and not a proxy or another server)?`;
    } else if (statusCode === 502 || statusCode === 503 || statusCode === 504 || details.htmlPage) {
        text += `: a proxy or gateway between here and Docker answered in its place. Check that Docker at ${endpoint} is running and reachable from it.`;
    } else {
        text += '.';
    }
    const kind: DockerErrorKind = statusCode === 404 ? 'notFound' : statusCode === 409 ? 'conflict' : 'daemon';
    return new DockerError(kind, text, { endpoint, statusCode, operation: details.operation });
}

/**
 * The daemon's message: `{"message": "..."}` when the error carries the parsed body, else the text of
 * a wrapped message such as "(HTTP code 503) unexpected - <message> ".
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

/**
 * Why the ssh process ended, told apart as ssh tells it: the OpenSSH client is missing, the host key is
 * unknown or changed, authentication failed, the host cannot be reached, or ssh got in but the remote
 * `docker system dial-stdio` failed. ssh's own words are kept in every message.
 */
function fromSshProcess(error: SshProcessError, endpoint: string, operation?: string): DockerError {
    const details = { endpoint, operation, cause: error };
    const said = lastLines(error.stderr);
    const ssh = said ? ` ssh said: ${said}` : '';
    if (error.spawnCode === 'ENOENT') {
        return new DockerError(
            'invalidEndpoint',
            `Cannot reach Docker at ${endpoint}: the OpenSSH client "ssh" is not on the PATH. ` +
                `Install OpenSSH (Debian/Ubuntu: apt-get install openssh-client; Windows: the "OpenSSH Client" optional feature); ` +
                `the Docker CLI uses the same client for ssh:// endpoints.`,
            details,
        );
    }
    if (error.spawnCode !== undefined) {
        return new DockerError('invalidEndpoint', `Cannot run ssh for Docker at ${endpoint}: ${error.message}`, details);
    }
    const text = error.stderr;
    if (error.exitCode === 255 || error.exitCode === null) {
        if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed|No .*host key is known/i.test(text)) {
            // ssh's warning about a changed key is a banner of many lines; keep the ones that say what happened.
            const keyLines = text
                .split(/\r?\n/)
                .map((l) => l.replace(/@/g, '').trim())
                .filter((l) => /host key|IDENTIFICATION HAS CHANGED|verification failed|Offending/i.test(l) && !/It is also possible/i.test(l));
            return new DockerError(
                'hostKey',
                `ssh refused the host key of ${endpoint}. ssh said: ${keyLines.join(' ')} ` +
                    `Check the host's key, then accept it once in a terminal (ssh to the host) or fix known_hosts.`,
                details,
            );
        }
        if (/Permission denied|Too many authentication failures|no matching (host key type|key exchange)|Authentication failed/i.test(text)) {
            return new DockerError(
                'permissionDenied',
                `ssh authentication to ${endpoint} failed.${ssh} ` +
                    `Check that ssh to the same host works in a terminal without a prompt (a key in ~/.ssh, an agent, or IdentityFile in ~/.ssh/config).`,
                details,
            );
        }
        return new DockerError(
            'unreachable',
            `Cannot reach Docker at ${endpoint} over ssh.${ssh || ` ${error.message}.`}`,
            details,
        );
    }
    return new DockerError(
        'unreachable',
        `ssh reached the host of ${endpoint}, but "docker system dial-stdio" failed there (status ${error.exitCode}).${ssh} ` +
            `The remote host needs Docker 18.09 or later on the PATH of a non-interactive shell.`,
        details,
    );
}
