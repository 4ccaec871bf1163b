/**
 * Which Engine API version the client's requests speak, chosen as the Docker CLI chooses it (docker/cli v28.2.2,
 * the moby client it vendors: `client/client.go` negotiateAPIVersionPing, `client/ping.go`,
 * `client/options.go` WithVersionFromEnv):
 * - `DOCKER_API_VERSION` set: that version, without negotiation (a leading `v` is dropped);
 * - otherwise the lower of the engine's version (the `Api-Version` header of its answer to `/_ping`) and the
 *   newest this client knows, 1.50 — what the Docker CLI 28.2.2 speaks, so that both send the same requests to
 *   the same engine (1.50 to Docker 28.5, 1.45 to 26.1, 1.41 to 20.10).
 * Every path but `/_ping` then starts with `/v<version>`.
 *
 * Older than the CLI: an engine below API 1.41 (Docker 20.10, the oldest engine the tests run) is refused with a
 * sentence naming both versions, where the CLI would go on; the conversion and the stored-field rules
 * (src/core/api-version.ts) are only known from there.
 */
import { compareApiVersions, parseApiVersion } from '../core/api-version';
import { DockerError } from './errors';

/** The newest Engine API version this client speaks: api.DefaultVersion of the moby client in docker/cli v28.2.2. */
export const NEWEST_API_VERSION = '1.50';
/** The oldest Engine API version this client speaks. */
export const OLDEST_API_VERSION = '1.41';
/** The Docker release of OLDEST_API_VERSION, for messages. */
const OLDEST_DOCKER_RELEASE = 'Docker 20.10';

const NEEDS = `Swarm Stacks needs Engine API ${OLDEST_API_VERSION} (${OLDEST_DOCKER_RELEASE}) or newer`;

/**
 * The version `DOCKER_API_VERSION` pins, or undefined when it is unset or empty (then the client negotiates).
 * A value that is no API version, or one older than the oldest supported, is an error naming it.
 */
export function pinnedApiVersion(value: string | undefined, endpoint: string): string | undefined {
    if (value === undefined || value.trim().replace(/^v/, '') === '') return undefined;
    const version = parseApiVersion(value);
    if (version === undefined) {
        throw new DockerError(
            'invalidEndpoint',
            `DOCKER_API_VERSION is ${JSON.stringify(value)}, which is not an Engine API version: write it as 1.NN (e.g. 1.45), or unset it to use the version the engine and Swarm Stacks both speak.`,
            { endpoint },
        );
    }
    if (compareApiVersions(version, OLDEST_API_VERSION) < 0) {
        throw new DockerError('unsupportedApiVersion', `DOCKER_API_VERSION asks for Engine API ${version}, but ${NEEDS}.`, { endpoint });
    }
    return version;
}

/**
 * The version to speak to an engine whose `/_ping` answer carried `engineVersion` (its `Api-Version` header):
 * the lower of it and NEWEST_API_VERSION. An engine below the oldest supported version is an error naming both; an
 * answer without a version, an error asking whether the endpoint is an engine at all.
 */
export function negotiatedApiVersion(engineVersion: string | undefined, endpoint: string): string {
    const version = engineVersion === undefined ? undefined : parseApiVersion(engineVersion);
    if (version === undefined) {
        // Every engine since API 1.25 (Docker 1.13) names its version there: this is more likely not an engine.
        const said = engineVersion ? `an Api-Version header that is no API version (${JSON.stringify(engineVersion.slice(0, 40))})` : 'no Api-Version header';
        throw new DockerError(
            'unsupportedApiVersion',
            `Docker at ${endpoint} answered /_ping with ${said}, which every engine since Docker 1.13 sends. Is ${endpoint} a Docker engine (and not a proxy or another server)?`,
            { endpoint },
        );
    }
    if (compareApiVersions(version, OLDEST_API_VERSION) < 0) {
        throw new DockerError('unsupportedApiVersion', `Docker at ${endpoint} speaks Engine API ${version}, but ${NEEDS}.`, { endpoint });
    }
    return compareApiVersions(version, NEWEST_API_VERSION) < 0 ? version : NEWEST_API_VERSION;
}
