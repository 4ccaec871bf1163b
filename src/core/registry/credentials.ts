/**
 * Registry credentials, read as the Docker CLI reads them, and the `X-Registry-Auth` value it sends.
 *
 * - The registry of an image is the domain of its normalised reference (the project's one grammar,
 *   ../image-reference.ts); Docker Hub's credentials live under `https://index.docker.io/v1/`
 *   (docker/cli `cli/config/configfile/file.go`, getAuthConfigKey).
 * - `config.json` under `DOCKER_CONFIG` or `~/.docker`: `auths` (base64 `auth` = "user:password", or
 *   `username`/`password`, `identitytoken`), then `credHelpers[<registry>]`, else `credsStore`, which name a
 *   program `docker-credential-<name>` that gets the server address on stdin for `get`
 *   (`cli/config/credentials/native_store.go`, docker-credential-helpers `client/client.go`).
 * - `DOCKER_AUTH_CONFIG` (an `auths` JSON in the environment) comes first when set, as in `file.go`
 *   GetCredentialsStore.
 * - The header is the auth config as JSON, base64url encoded (`cli/command/registry.go`
 *   RetrieveAuthTokenFromImage, moby `api/pkg/authconfig`). With no credentials it is the encoding of `{}`,
 *   which the CLI sends too.
 *
 * Pure except for the injected `CredentialsIo` (file reads, running the helper): ./node-io.ts has the real one.
 */
import * as path from 'path';
import { parseImageReference } from '../image-reference';

/** The key of Docker Hub's credentials (`registry.IndexServer`). */
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_DOMAIN = 'docker.io';
const HELPER_PREFIX = 'docker-credential-';
/** What a helper's `get` writes when it has nothing for the server (docker-credential-helpers `credentials/error.go`). */
const HELPER_NOT_FOUND = 'credentials not found in native keychain';
/** The username a helper stores for an identity token (`native_store.go` tokenUsername). */
const TOKEN_USERNAME = '<token>';
/** A helper may ask for a passphrase (pass, secretservice): long enough for that, but bounded. */
const DEFAULT_HELPER_TIMEOUT_MS = 15_000;

/** moby `api/types/registry.AuthConfig`, in its JSON field order; empty fields are left out (`omitempty`). */
interface AuthConfig {
    username?: string;
    password?: string;
    auth?: string;
    serveraddress?: string;
    identitytoken?: string;
    registrytoken?: string;
}

/** The credential settings of one config.json. */
interface DockerCredentialConfig {
    /** Entries of `auths` with `auth` decoded into username/password and `serveraddress` set to the key. */
    auths: Map<string, AuthConfig>;
    credsStore?: string;
    credHelpers: Record<string, string>;
}

/** A credentials problem: the message names the file or helper and what to do. */
export class RegistryCredentialsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'RegistryCredentialsError';
    }
}

export interface HelperRun {
    /** Exit code; undefined when the program could not be started or was stopped. */
    exitCode?: number;
    stdout: string;
    /** `notFound`: no such program on the PATH; `timeout`: stopped after the bound. */
    failure?: 'notFound' | 'timeout' | 'other';
    /** The start error's text (for `other`). */
    detail?: string;
}

/** The file system and process access the lookup needs; injected so unit tests need neither. */
export interface CredentialsIo {
    /** `DOCKER_CONFIG` or `~/.docker`. */
    configDir: string;
    /** `DOCKER_AUTH_CONFIG`, when set. */
    envAuthConfig?: string;
    /** UTF-8 text, or undefined when the file does not exist. Throws for other read errors. */
    readFile(file: string): string | undefined;
    /** Runs `program args…` with `input` on stdin, killed after `timeoutMs`. Never rejects. */
    runHelper(program: string, args: string[], input: string, timeoutMs: number): Promise<HelperRun>;
}

/** Where a registry's credentials came from, for logs and messages. */
interface FoundCredentials {
    registry: string;
    /** The key looked up: the registry host, or `https://index.docker.io/v1/`. */
    key: string;
    config: AuthConfig;
    /** `DOCKER_AUTH_CONFIG`, `auths in <file>`, `docker-credential-<name>`, or `none`. */
    source: string;
}

/** The registry host of an image reference, normalised as docker does: `nginx` → `docker.io`. */
export function registryOfImage(image: string): string {
    return parseImageReference(image).domain;
}

/** `getAuthConfigKey`: Docker Hub's credentials are stored under its historical index address. */
export function authConfigKey(registry: string): string {
    return registry === DOCKER_HUB_DOMAIN || registry === 'index.docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

/** Docker Hub, under any of its names. */
export function isDockerHub(registry: string): boolean {
    return authConfigKey(registry) === DOCKER_HUB_AUTH_KEY;
}

/** How a person logs in to the registry: `docker login` for Docker Hub, `docker login <host>` otherwise. */
export function loginCommand(registry: string): string {
    return authConfigKey(registry) === DOCKER_HUB_AUTH_KEY ? 'docker login' : `docker login ${registry}`;
}

/** The registry as a person knows it. */
export function registryDisplayName(registry: string): string {
    return authConfigKey(registry) === DOCKER_HUB_AUTH_KEY ? 'Docker Hub (docker.io)' : registry;
}

/**
 * `decodeAuth` of `file.go`: standard base64 of "user:password"; the user must not be empty, trailing
 * NULs of the password are dropped.
 */
function decodeAuth(auth: string): { username: string; password: string } {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth) || auth.length % 4 === 1) {
        throw new Error('the auth value is not base64');
    }
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new Error('invalid auth configuration file');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}

/**
 * `ConvertToHostname` (`cli/config/credentials/file_store.go`): `https://host:5000/v1/` → `host:5000`,
 * for config files that stored keys with a scheme.
 */
function convertToHostname(maybeUrl: string): string {
    let rest = maybeUrl;
    const scheme = rest.indexOf('://');
    if (scheme >= 0) rest = rest.slice(scheme + 3);
    const slash = rest.indexOf('/');
    return slash >= 0 ? rest.slice(0, slash) : rest;
}

/** Parses config.json's credential settings (`LoadFromReader`); throws naming the file when it cannot be used. */
export function parseDockerConfig(text: string, file: string): DockerCredentialConfig {
    let raw: unknown;
    try {
        raw = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
        throw new RegistryCredentialsError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}): fix or remove it, then log in again with docker login.`);
    }
    const object = isRecord(raw) ? raw : {};
    const auths = new Map<string, AuthConfig>();
    for (const [address, value] of Object.entries(isRecord(object.auths) ? object.auths : {})) {
        const entry = isRecord(value) ? value : {};
        const config: AuthConfig = {};
        if (typeof entry.username === 'string' && entry.username) config.username = entry.username;
        if (typeof entry.password === 'string' && entry.password) config.password = entry.password;
        if (typeof entry.auth === 'string' && entry.auth) {
            try {
                Object.assign(config, decodeAuth(entry.auth));
            } catch (error) {
                throw new RegistryCredentialsError(
                    `The credentials for ${address} in ${file} cannot be read (${error instanceof Error ? error.message : String(error)}): log in again with ${loginCommand(convertToHostname(address))}.`,
                );
            }
        }
        if (typeof entry.identitytoken === 'string' && entry.identitytoken) config.identitytoken = entry.identitytoken;
        if (typeof entry.registrytoken === 'string' && entry.registrytoken) config.registrytoken = entry.registrytoken;
        config.serveraddress = address;
        auths.set(address, config);
    }
    const credHelpers: Record<string, string> = {};
    if (isRecord(object.credHelpers)) {
        for (const [registry, helper] of Object.entries(object.credHelpers)) {
            if (typeof helper === 'string' && helper) credHelpers[registry] = helper;
        }
    }
    const result: DockerCredentialConfig = { auths, credHelpers };
    if (typeof object.credsStore === 'string' && object.credsStore) result.credsStore = object.credsStore;
    return result;
}

/** `fileStore.Get`: the exact key, else a legacy key whose host matches. */
function fileStoreGet(config: DockerCredentialConfig, key: string): AuthConfig | undefined {
    const exact = config.auths.get(key);
    if (exact) return exact;
    for (const [address, entry] of config.auths) {
        if (convertToHostname(address) === key) return entry;
    }
    return undefined;
}

/** `getConfiguredCredentialStore`: the registry's own helper, else the default store. */
function helperFor(config: DockerCredentialConfig, key: string): string | undefined {
    return config.credHelpers[key] ?? config.credsStore;
}

/** `DOCKER_AUTH_CONFIG` as `file.go` parseEnvConfig reads it: `{"auths": {"<addr>": {"auth": "<base64>"}}}`. */
function parseEnvAuthConfig(value: string): Map<string, AuthConfig> {
    let raw: unknown;
    try {
        raw = JSON.parse(value);
    } catch (error) {
        throw new RegistryCredentialsError(`DOCKER_AUTH_CONFIG is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
    }
    const auths = new Map<string, AuthConfig>();
    const object = isRecord(raw) && isRecord(raw.auths) ? raw.auths : {};
    for (const [address, entry] of Object.entries(object)) {
        const auth = isRecord(entry) && typeof entry.auth === 'string' ? entry.auth : '';
        if (!auth) throw new RegistryCredentialsError(`DOCKER_AUTH_CONFIG environment variable is missing key \`auth\` for ${address}.`);
        try {
            auths.set(address, { ...decodeAuth(auth), serveraddress: address });
        } catch (error) {
            throw new RegistryCredentialsError(`DOCKER_AUTH_CONFIG has unreadable credentials for ${address} (${error instanceof Error ? error.message : String(error)}).`);
        }
    }
    return auths;
}

/**
 * The `X-Registry-Auth` value: the auth config as JSON in moby's field order, base64url with padding
 * (Go's `base64.URLEncoding`). `{}` when there are no credentials, as the CLI sends.
 */
export function encodeAuthHeader(config: AuthConfig): string {
    const ordered: AuthConfig = {};
    for (const field of ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
        const value = config[field];
        if (value) ordered[field] = value;
    }
    return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Reads the header back (tests, logs without the secret). */
export function decodeAuthHeader(header: string): AuthConfig {
    return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as AuthConfig;
}

/**
 * The credentials the CLI would use for `registry` (a host such as `127.0.0.1:5000`, or `docker.io`).
 * No credentials is not an error (an empty config, source `none`); an unreadable file or a helper that is
 * missing, fails or does not answer in time is, with a sentence naming it.
 */
export async function lookupCredentials(registry: string, io: CredentialsIo, options: { helperTimeoutMs?: number } = {}): Promise<FoundCredentials> {
    const key = authConfigKey(registry);
    if (io.envAuthConfig) {
        const fromEnv = parseEnvAuthConfig(io.envAuthConfig);
        const entry = fromEnv.get(key) ?? [...fromEnv].find(([address]) => convertToHostname(address) === key)?.[1];
        if (entry) return { registry, key, config: entry, source: 'DOCKER_AUTH_CONFIG' };
    }
    const file = path.join(io.configDir, 'config.json');
    let text: string | undefined;
    try {
        text = io.readFile(file);
    } catch (error) {
        throw new RegistryCredentialsError(`Cannot read ${file} for the credentials of ${registryDisplayName(registry)}: ${error instanceof Error ? error.message : String(error)}.`);
    }
    const config = parseDockerConfig(text ?? '', file);
    const helper = helperFor(config, key);
    const stored = fileStoreGet(config, key);
    if (!helper) {
        return stored ? { registry, key, config: stored, source: `auths in ${file}` } : { registry, key, config: {}, source: 'none' };
    }
    const fromHelper = await helperGet(helper, key, registry, file, io, options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS);
    const program = HELPER_PREFIX + helper;
    return fromHelper ? { registry, key, config: fromHelper, source: program } : { registry, key, config: {}, source: 'none' };
}

/** `client.Get` + `nativeStore.getCredentialsFromStore`: undefined when the helper has nothing for the server. */
async function helperGet(helper: string, key: string, registry: string, file: string, io: CredentialsIo, timeoutMs: number): Promise<AuthConfig | undefined> {
    const program = HELPER_PREFIX + helper;
    const origin = `configured in ${file}`;
    const login = loginCommand(registry);
    const run = await io.runHelper(program, ['get'], key, timeoutMs);
    if (run.failure === 'notFound') {
        throw new RegistryCredentialsError(
            `The credential helper ${program} (${origin}) is not installed or not on the PATH, so the credentials for ${registryDisplayName(registry)} cannot be read: install it, or remove it from the file and log in again with ${login}.`,
        );
    }
    if (run.failure === 'timeout') {
        throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} for ${registryDisplayName(registry)}: check that it works with \`echo ${key} | ${program} get\`.`);
    }
    const out = run.stdout.trim();
    if (run.failure === 'other' || run.exitCode !== 0) {
        if (out.includes(HELPER_NOT_FOUND)) return undefined;
        const why = out || run.detail || `exit code ${String(run.exitCode)}`;
        throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) failed for ${registryDisplayName(registry)} (${why}): log in again with ${login}.`);
    }
    let answer: unknown;
    try {
        answer = JSON.parse(out);
    } catch {
        throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) answered something that is not JSON for ${registryDisplayName(registry)}: log in again with ${login}.`);
    }
    const record = isRecord(answer) ? answer : {};
    const username = typeof record.Username === 'string' ? record.Username : '';
    const secret = typeof record.Secret === 'string' ? record.Secret : '';
    if (username === TOKEN_USERNAME) return { identitytoken: secret, serveraddress: key };
    const config: AuthConfig = { serveraddress: key };
    if (username) config.username = username;
    if (secret) config.password = secret;
    return config;
}

/**
 * Whether the Docker configuration names credentials for `registry`, read from the files alone: an `auths` entry
 * (with a `credsStore`, `docker login` leaves an empty one there), a `credHelpers` entry, or DOCKER_AUTH_CONFIG. No
 * credential helper runs: asking whether to send credentials must not read them. A file that cannot be read
 * counts as none (the deploy that would send them says why).
 */
export function hasStoredCredentials(registry: string, io: CredentialsIo): boolean {
    const key = authConfigKey(registry);
    const names = (record: unknown): string[] => (isRecord(record) ? Object.keys(record).map(convertToHostname) : []);
    try {
        if (io.envAuthConfig) {
            const env: unknown = JSON.parse(io.envAuthConfig);
            if (names(isRecord(env) ? env.auths : undefined).includes(convertToHostname(key))) return true;
        }
        const text = io.readFile(path.join(io.configDir, 'config.json'));
        const config: unknown = text && text.trim() ? JSON.parse(text) : {};
        if (!isRecord(config)) return false;
        return names(config.auths).includes(convertToHostname(key)) || Object.prototype.hasOwnProperty.call(isRecord(config.credHelpers) ? config.credHelpers : {}, key);
    } catch {
        return false;
    }
}

/** Finds the auth header for images, once per registry; what deploy, update and push share. */
export interface RegistryAuthSource {
    /**
     * The `X-Registry-Auth` value for the image's registry (`e30=`, i.e. `{}`, when there are no credentials), or
     * `''` when nothing may be sent for that registry (the person declined): then no header goes at all.
     */
    authHeaderFor(image: string): Promise<string>;
    /** Where the credentials for the image's registry came from (after authHeaderFor). */
    describe(image: string): string | undefined;
}

export function registryAuthSource(io: CredentialsIo, options: { helperTimeoutMs?: number } = {}): RegistryAuthSource {
    const found = new Map<string, Promise<FoundCredentials>>();
    const sources = new Map<string, string>();
    const lookup = (image: string): Promise<FoundCredentials> => {
        const registry = registryOfImage(image);
        let pending = found.get(registry);
        if (!pending) {
            pending = lookupCredentials(registry, io, options);
            found.set(registry, pending);
            pending.then((f) => sources.set(registry, f.source), () => undefined);
        }
        return pending;
    };
    return {
        async authHeaderFor(image) {
            return encodeAuthHeader((await lookup(image)).config);
        },
        describe(image) {
            try {
                return sources.get(registryOfImage(image));
            } catch {
                return undefined;
            }
        },
    };
}

/**
 * Every credential of the Docker CLI's configuration, keyed by registry, as `docker build` sends them to the engine
 * in `X-Registry-Config` so that a `FROM` image from a private registry can be pulled (docker/cli
 * `cli/command/image/build.go` → `cli/config/configfile/file.go` GetAllCredentials): the default store (`credsStore`'s
 * helper, `list` then `get` for each, else `auths` of config.json, with `DOCKER_AUTH_CONFIG` first as for push),
 * then each registry of `credHelpers`, whose helper wins. Read as push reads them (lookupCredentials).
 *
 * The CLI goes on without what it cannot read (it ignores the error, warning only for a credHelpers entry): so does
 * this, returning what it could read and a sentence per problem, for the caller to show.
 */
export async function allCredentials(io: CredentialsIo, options: { helperTimeoutMs?: number } = {}): Promise<{ auths: Record<string, AuthConfig>; problems: string[] }> {
    const auths: Record<string, AuthConfig> = {};
    const problems: string[] = [];
    const timeoutMs = options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
    const file = path.join(io.configDir, 'config.json');
    let config: DockerCredentialConfig = { auths: new Map(), credHelpers: {} };
    try {
        config = parseDockerConfig(io.readFile(file) ?? '', file);
    } catch (error) {
        problems.push(error instanceof RegistryCredentialsError ? error.message : `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}.`);
    }
    try {
        if (config.credsStore) {
            for (const key of await helperList(config.credsStore, file, io, timeoutMs)) {
                const found = await helperGet(config.credsStore, key, convertToHostname(key), file, io, timeoutMs);
                if (found) auths[key] = { ...config.auths.get(key), ...found };
            }
        } else {
            for (const [key, entry] of config.auths) auths[key] = entry;
        }
        if (io.envAuthConfig) Object.assign(auths, Object.fromEntries(parseEnvAuthConfig(io.envAuthConfig)));
    } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
    }
    for (const registry of Object.keys(config.credHelpers)) {
        try {
            const found = await lookupCredentials(registry, io, options);
            if (found.source !== 'none') auths[registry] = found.config;
        } catch (error) {
            problems.push(error instanceof Error ? error.message : String(error));
        }
    }
    return { auths, problems };
}

/**
 * The `X-Registry-Config` value: the credentials by registry as JSON (keys sorted, each in moby's field order, as Go's
 * encoder writes a map), base64url with padding (moby `client/image_build.go`).
 */
export function encodeRegistryConfigHeader(auths: Record<string, AuthConfig>): string {
    const ordered: Record<string, AuthConfig> = {};
    for (const key of Object.keys(auths).sort()) {
        const entry: AuthConfig = {};
        for (const field of ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
            const value = auths[key][field];
            if (value) entry[field] = value;
        }
        ordered[key] = entry;
    }
    return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `docker-credential-<helper> list`: the server addresses it holds credentials for (`client.List`). */
async function helperList(helper: string, file: string, io: CredentialsIo, timeoutMs: number): Promise<string[]> {
    const program = HELPER_PREFIX + helper;
    const run = await io.runHelper(program, ['list'], '', timeoutMs);
    const origin = `configured in ${file}`;
    if (run.failure === 'notFound') throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) is not installed or not on the PATH, so no stored credentials can be read.`);
    if (run.failure === 'timeout') throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) did not list its credentials within ${Math.round(timeoutMs / 1000)} s.`);
    const out = run.stdout.trim();
    if (run.failure === 'other' || run.exitCode !== 0) {
        throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) failed to list its credentials (${out || run.detail || `exit code ${String(run.exitCode)}`}).`);
    }
    let answer: unknown;
    try {
        answer = JSON.parse(out || '{}');
    } catch {
        throw new RegistryCredentialsError(`The credential helper ${program} (${origin}) listed something that is not JSON.`);
    }
    return isRecord(answer) ? Object.keys(answer) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
