/**
 * Where the Docker Engine is, resolved the way the Docker CLI resolves it:
 *   1. the explicit setting (`swarmStacks.docker.host`), passed in as `host`;
 *   2. `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` / `DOCKER_TLS` and `DOCKER_CERT_PATH`);
 *   3. `DOCKER_CONTEXT`;
 *   4. `currentContext` in `config.json` under `DOCKER_CONFIG` or `~/.docker`;
 *   5. the default socket (unix:///var/run/docker.sock, or the named pipe on Windows).
 * A context other than `default` is read from `<configDir>/contexts/meta/<sha256(name)>/meta.json`
 * (`Endpoints.docker.Host`, `SkipTLSVerify`) and `<configDir>/contexts/tls/<sha256(name)>/docker/`.
 *
 * Everything here is pure over the injected `env`, `readFile` and `homedir`, so the unit tests need
 * no disk. How each kind of endpoint is connected to is ./transport.ts.
 */
import * as path from 'path';
import { dockerConfigDir } from '../node/docker-config';
import { describeCharacter, findUnsafeCharacter, sshHostProblem, sshUserProblem } from './sshUrl';

type EndpointSource = 'setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config.json' | 'default';
type EndpointProtocol = 'unix' | 'npipe' | 'tcp' | 'http' | 'https' | 'ssh';

interface EndpointTls {
    /** PEM contents (not paths). Absent when the file does not exist, as in the CLI. */
    ca?: string;
    cert?: string;
    key?: string;
    /** Verify the daemon's certificate (false = `SkipTLSVerify` / `DOCKER_TLS` without verify). */
    verify: boolean;
    /** Folder the material was read from, for messages. */
    dir: string;
}

export interface DockerEndpoint {
    source: EndpointSource;
    /** The context used (`default` included) when the endpoint came from a context. */
    contextName?: string;
    /** As the user would write it: `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://me@host`. */
    url: string;
    protocol: EndpointProtocol;
    /** unix/npipe: the socket; ssh: the engine socket on the remote host, when the URL names one. */
    socketPath?: string;
    host?: string;
    /** ssh: only when the URL names one, so that ~/.ssh/config can set it. */
    port?: number;
    username?: string;
    tls?: EndpointTls;
}

export interface ResolveEndpointOptions {
    /** The explicit setting; empty or blank means "not set". */
    host?: string;
    env: Readonly<Record<string, string | undefined>>;
    /** Synchronous file read returning UTF-8 text; throws (ENOENT...) when the file cannot be read. */
    readFile: (file: string) => string;
    homedir: () => string;
    /** Defaults to `process.platform`; only `win32` changes the default endpoint. */
    platform?: NodeJS.Platform;
}

/** Thrown when the configuration names something that cannot be used; the message says what and where. */
export class EndpointConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'EndpointConfigError';
    }
}

const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
const DEFAULT_NPIPE = '//./pipe/docker_engine';
const DEFAULT_HTTP_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

export function resolveDockerEndpoint(options: ResolveEndpointOptions): DockerEndpoint {
    const env = options.env;
    const configDir = dockerConfigDir(options);

    const setting = options.host?.trim();
    if (setting) {
        return parseHost(setting, 'setting', { tls: tlsFromEnv(options, configDir), env, what: 'the setting swarmStacks.docker.host' });
    }
    const dockerHost = env.DOCKER_HOST?.trim();
    if (dockerHost) {
        return parseHost(dockerHost, 'DOCKER_HOST', { tls: tlsFromEnv(options, configDir), env, what: 'DOCKER_HOST' });
    }
    const envContext = env.DOCKER_CONTEXT?.trim();
    if (envContext) {
        return fromContext(envContext, 'DOCKER_CONTEXT', configDir, options);
    }
    const configFile = path.join(configDir, 'config.json');
    const current = readCurrentContext(configFile, options);
    if (current) {
        return fromContext(current, 'config.json', configDir, options);
    }
    return defaultEndpoint(options, 'default');
}

/** The folder name the CLI's context store uses for a context: the hex SHA-256 of its name. */
export function contextDirName(contextName: string): string {
    // Required here: crypto loads only when a named context is read, not for the default endpoint.
    const { createHash } = require('crypto') as typeof import('crypto');
    return createHash('sha256').update(contextName, 'utf8').digest('hex');
}

function defaultEndpoint(options: ResolveEndpointOptions, source: EndpointSource, contextName?: string): DockerEndpoint {
    const platform = options.platform ?? process.platform;
    const endpoint: DockerEndpoint =
        platform === 'win32'
            ? { source, url: `npipe://${DEFAULT_NPIPE}`, protocol: 'npipe', socketPath: DEFAULT_NPIPE }
            : { source, url: `unix://${DEFAULT_UNIX_SOCKET}`, protocol: 'unix', socketPath: DEFAULT_UNIX_SOCKET };
    if (contextName !== undefined) {
        endpoint.contextName = contextName;
    }
    return endpoint;
}

function readCurrentContext(configFile: string, options: ResolveEndpointOptions): string | undefined {
    let text: string;
    try {
        text = options.readFile(configFile);
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw new EndpointConfigError(`Cannot read the Docker configuration file ${configFile}: ${errorText(error)}`);
    }
    if (!text.trim()) {
        return undefined;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw new EndpointConfigError(`The Docker configuration file ${configFile} is not valid JSON: ${errorText(error)}`);
    }
    const current = isRecord(parsed) ? parsed.currentContext : undefined;
    return typeof current === 'string' && current.trim() ? current.trim() : undefined;
}

function fromContext(
    name: string,
    source: 'DOCKER_CONTEXT' | 'config.json',
    configDir: string,
    options: ResolveEndpointOptions,
): DockerEndpoint {
    if (name === 'default') {
        return defaultEndpoint(options, source, 'default');
    }
    const hash = contextDirName(name);
    const metaFile = path.join(configDir, 'contexts', 'meta', hash, 'meta.json');
    const origin = source === 'DOCKER_CONTEXT' ? 'DOCKER_CONTEXT' : `currentContext in ${path.join(configDir, 'config.json')}`;
    let text: string;
    try {
        text = options.readFile(metaFile);
    } catch (error) {
        if (isNotFound(error)) {
            throw new EndpointConfigError(
                `Docker context "${name}" (from ${origin}) does not exist: ${metaFile} was not found. ` +
                    `Run "docker context ls" to see the contexts, or choose another one with "docker context use".`,
            );
        }
        throw new EndpointConfigError(`Cannot read Docker context "${name}" from ${metaFile}: ${errorText(error)}`);
    }
    let meta: unknown;
    try {
        meta = JSON.parse(text);
    } catch (error) {
        throw new EndpointConfigError(`Docker context "${name}": ${metaFile} is not valid JSON: ${errorText(error)}`);
    }
    const endpoints = isRecord(meta) && isRecord(meta.Endpoints) ? meta.Endpoints : undefined;
    const docker = endpoints && isRecord(endpoints.docker) ? endpoints.docker : undefined;
    const host = docker && typeof docker.Host === 'string' ? docker.Host.trim() : '';
    if (!host) {
        throw new EndpointConfigError(`Docker context "${name}" has no Docker endpoint (Endpoints.docker.Host) in ${metaFile}.`);
    }
    const skipVerify = docker?.SkipTLSVerify === true;
    const tlsDir = path.join(configDir, 'contexts', 'tls', hash, 'docker');
    const material = readTlsMaterial(tlsDir, options, `Docker context "${name}"`);
    const tls: EndpointTls | undefined =
        material.ca !== undefined || material.cert !== undefined || material.key !== undefined || skipVerify
            ? { ...material, verify: !skipVerify, dir: tlsDir }
            : undefined;
    const endpoint = parseHost(host, source, { tls, env: options.env, what: `Docker context "${name}" (${metaFile})` });
    endpoint.contextName = name;
    return endpoint;
}

/**
 * TLS from the environment, as the CLI's flags default from it: `DOCKER_TLS_VERIFY` (any non-empty value)
 * means TLS with verification, `DOCKER_TLS` TLS without; the files come from `DOCKER_CERT_PATH` or the
 * config folder, each only if it exists.
 */
function tlsFromEnv(options: ResolveEndpointOptions, configDir: string): EndpointTls | undefined {
    const verify = !!options.env.DOCKER_TLS_VERIFY?.trim();
    const tls = verify || !!options.env.DOCKER_TLS?.trim();
    if (!tls) {
        return undefined;
    }
    const dir = options.env.DOCKER_CERT_PATH?.trim() || configDir;
    return { ...readTlsMaterial(dir, options, 'DOCKER_CERT_PATH'), verify, dir };
}

function readTlsMaterial(
    dir: string,
    options: ResolveEndpointOptions,
    what: string,
): { ca?: string; cert?: string; key?: string } {
    const read = (file: string): string | undefined => {
        const full = path.join(dir, file);
        try {
            return options.readFile(full);
        } catch (error) {
            if (isNotFound(error)) {
                return undefined;
            }
            throw new EndpointConfigError(`Cannot read the TLS file ${full} for ${what}: ${errorText(error)}`);
        }
    };
    const result: { ca?: string; cert?: string; key?: string } = {};
    const ca = read('ca.pem');
    const cert = read('cert.pem');
    const key = read('key.pem');
    if (ca !== undefined) result.ca = ca;
    if (cert !== undefined) result.cert = cert;
    if (key !== undefined) result.key = key;
    if ((cert === undefined) !== (key === undefined)) {
        throw new EndpointConfigError(
            `TLS for ${what}: ${path.join(dir, cert === undefined ? 'cert.pem' : 'key.pem')} is missing ` +
                `(a client certificate needs both cert.pem and key.pem in ${dir}).`,
        );
    }
    return result;
}

interface ParseContext {
    tls: EndpointTls | undefined;
    env: Readonly<Record<string, string | undefined>>;
    /** Where the string came from, for error messages. */
    what: string;
}

/** Parses a host string the way the CLI's `ParseHost` does (a bare `host:port` is tcp). */
export function parseHost(raw: string, source: EndpointSource, ctx: ParseContext): DockerEndpoint {
    const value = raw.trim();
    const invalid = (why: string): EndpointConfigError =>
        new EndpointConfigError(
            `The Docker host "${value}" from ${ctx.what} is not valid: ${why}. ` +
                `Use unix:///path/to/docker.sock, npipe:////./pipe/docker_engine, tcp://host:port or ssh://user@host.`,
        );

    const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(value);
    const scheme = schemeMatch ? schemeMatch[1].toLowerCase() : 'tcp';
    const rest = schemeMatch ? value.slice(schemeMatch[0].length) : value;

    switch (scheme) {
        case 'unix': {
            const socketPath = rest || DEFAULT_UNIX_SOCKET;
            return { source, url: `unix://${socketPath}`, protocol: 'unix', socketPath };
        }
        case 'npipe': {
            const socketPath = rest || DEFAULT_NPIPE;
            return { source, url: `npipe://${socketPath}`, protocol: 'npipe', socketPath };
        }
        case 'tcp':
        case 'http':
        case 'https': {
            const { host, port } = splitHostPort(rest, invalid);
            const tls = ctx.tls ?? (scheme === 'https' ? { verify: true, dir: '' } : undefined);
            const defaultPort = tls ? DEFAULT_TLS_PORT : DEFAULT_HTTP_PORT;
            const finalPort = port ?? defaultPort;
            const protocol: EndpointProtocol = scheme === 'tcp' ? 'tcp' : scheme === 'https' ? 'https' : 'http';
            const endpoint: DockerEndpoint = {
                source,
                url: `${scheme}://${formatHost(host)}:${finalPort}`,
                protocol,
                host,
                port: finalPort,
            };
            if (tls) {
                endpoint.tls = tls;
            }
            return endpoint;
        }
        case 'ssh': {
            // As docker/cli cli/connhelper/ssh/ssh.go (ParseURL, newSpec): user, host, optional port and optional
            // path (the engine socket on the remote host), percent-decoded; no password, query or fragment. The
            // port is passed to ssh only when given, so a Host entry in ~/.ssh/config keeps its own. Every part is
            // checked here, before any ssh starts (sshUrl.ts says what is accepted).
            const unsafe = findUnsafeCharacter(value);
            if (unsafe !== undefined) {
                throw invalid(`an ssh URL cannot contain whitespace or control characters, and this one has ${describeCharacter(unsafe)}`);
            }
            const badEscape = /%(?![0-9A-Fa-f]{2})/.exec(value);
            if (badEscape) {
                const shown = value.slice(badEscape.index, badEscape.index + 3);
                throw invalid(`"${shown}" is not a percent-escape: "%" must be followed by two hexadecimal digits (%25 stands for "%" itself)`);
            }
            let userInfo: string | undefined;
            let hostPart = rest;
            let remotePath: string | undefined;
            if (/[?#]/.test(hostPart)) {
                throw invalid('an ssh URL cannot have a query or a fragment');
            }
            const slash = hostPart.indexOf('/');
            if (slash >= 0) {
                remotePath = hostPart.slice(slash);
                hostPart = hostPart.slice(0, slash);
            }
            const at = hostPart.lastIndexOf('@');
            if (at >= 0) {
                userInfo = hostPart.slice(0, at);
                hostPart = hostPart.slice(at + 1);
            }
            if (userInfo?.includes(':')) {
                throw invalid('a password in an ssh URL is not supported; use an ssh key or agent');
            }
            const { host: rawHost, port } = splitHostPort(hostPart, invalid, false);
            // Only an IPv6 zone may be escaped in a host (`[fe80::1%25eth0]`), as in Go's url.Parse.
            const host = rawHost.includes(':') ? rawHost.replace(/%25/g, '%') : rawHost;
            const hostProblem = sshHostProblem(host);
            if (hostProblem !== undefined) throw invalid(hostProblem);
            const decoded = (part: string, what: string): string => {
                let text: string;
                try {
                    text = decodeURIComponent(part);
                } catch {
                    throw invalid(`the ${what} is not UTF-8 text once its percent-escapes are decoded`);
                }
                const hidden = findUnsafeCharacter(text);
                if (hidden !== undefined) throw invalid(`the ${what} holds ${describeCharacter(hidden)} once decoded`);
                return text;
            };
            const endpoint: DockerEndpoint = { source, url: value, protocol: 'ssh', host };
            if (port !== undefined) endpoint.port = port;
            if (userInfo) {
                const username = decoded(userInfo, 'user name');
                const userProblem = sshUserProblem(username);
                if (userProblem !== undefined) throw invalid(userProblem);
                endpoint.username = username;
            }
            if (remotePath && remotePath.replace(/\//g, '') !== '') endpoint.socketPath = decoded(remotePath, 'socket path');
            return endpoint;
        }
        default:
            throw invalid(`the scheme "${scheme}" is not supported`);
    }
}

function splitHostPort(
    text: string,
    invalid: (why: string) => EndpointConfigError,
    emptyIsLocalhost = true,
): { host: string; port: number | undefined } {
    const hostPort = text.replace(/\/+$/, '');
    if (hostPort.includes('/')) {
        throw invalid('a path after the address is not supported');
    }
    let host: string;
    let portText: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
    if (bracketed) {
        host = bracketed[1];
        portText = bracketed[2];
    } else {
        const colon = hostPort.lastIndexOf(':');
        if (colon >= 0 && hostPort.indexOf(':') === colon) {
            host = hostPort.slice(0, colon);
            portText = hostPort.slice(colon + 1);
        } else if (colon >= 0) {
            throw invalid('an IPv6 address must be written in brackets, e.g. tcp://[::1]:2375');
        } else {
            host = hostPort;
        }
    }
    // As in the CLI: "tcp://:2375" means localhost.
    if (!host && emptyIsLocalhost) {
        host = '127.0.0.1';
    }
    let port: number | undefined;
    if (portText !== undefined && portText !== '') {
        if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
            throw invalid(`"${portText}" is not a port number`);
        }
        port = Number(portText);
    }
    return { host, port };
}

function formatHost(host: string): string {
    return host.includes(':') ? `[${host}]` : host;
}

function isNotFound(error: unknown): boolean {
    const code = isRecord(error) ? error.code : undefined;
    return code === 'ENOENT' || code === 'ENOTDIR';
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
