/**
 * Where the Docker CLI keeps its configuration (config.json, contexts/, certificates): read by the endpoint
 * resolution (src/docker) and by the registry credentials (src/core/registry), so it lives below both.
 * docker/cli `cli/config/config.go` (Dir): `DOCKER_CONFIG`, else `.docker` in the home directory.
 */
import * as path from 'path';

export interface DockerConfigDirSources {
    env: Readonly<Record<string, string | undefined>>;
    homedir: () => string;
}

/** `DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(options: DockerConfigDirSources): string {
    const fromEnv = options.env.DOCKER_CONFIG?.trim();
    return fromEnv ? fromEnv : path.join(options.homedir(), '.docker');
}
