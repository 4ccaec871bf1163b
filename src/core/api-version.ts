/**
 * Engine API versions (`1.41`, `1.50`) as plain strings: how they compare, and which service spec fields an
 * engine stores at the API version a request is made at. The Docker door negotiates the version
 * (src/docker/api-version.ts) and the core receives it as a plain option; nothing here speaks to an engine.
 */
import type { ServiceSpec } from './specs';

/** `1.NN` with both parts decimal numbers, as the Engine API writes its versions. */
const API_VERSION = /^(\d+)\.(\d+)$/;

/** `1.41`, `v1.41` or ` 1.041 ` as `1.41`; undefined when the text is not an API version. */
export function parseApiVersion(text: string): string | undefined {
    const match = API_VERSION.exec(text.trim().replace(/^v/, ''));
    return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

/** Negative when a is older than b, 0 when equal, positive when newer (numerically: 1.9 < 1.10). */
export function compareApiVersions(a: string, b: string): number {
    const [a1, a2] = a.split('.').map(Number);
    const [b1, b2] = b.split('.').map(Number);
    return a1 !== b1 ? a1 - b1 : (a2 || 0) - (b2 || 0);
}

/**
 * Service spec fields an engine drops from a create or update request made at an API version older than the one
 * that introduced them: moby `api/server/router/swarm/helpers.go` (adjustForAPIVersion, v28.5.2) for the versions
 * from the oldest this code supports (1.41); an engine older than the field drops it too, since its decoder does
 * not know it. The Docker CLI sends these fields whatever the version (docker/cli v28.2.2
 * `cli/compose/convert/service.go` has no version gate at or above 1.30), so what the engine stores depends on the
 * API version of the request alone.
 */
const FIELDS_STORED_FROM: { version: string; fields: string; drop(spec: ServiceSpec): void }[] = [
    {
        version: '1.44',
        fields: 'Healthcheck.StartInterval, Privileges.Seccomp, Privileges.AppArmor, Privileges.NoNewPrivileges',
        drop: (spec) => {
            const container = spec.TaskTemplate.ContainerSpec;
            if (container?.Healthcheck) delete container.Healthcheck.StartInterval;
            if (container?.Privileges) {
                delete container.Privileges.Seccomp;
                delete container.Privileges.AppArmor;
                delete container.Privileges.NoNewPrivileges;
            }
        },
    },
    {
        version: '1.46',
        fields: 'OomScoreAdj, the tmpfs mounts’ TmpfsOptions.Options',
        drop: (spec) => {
            const container = spec.TaskTemplate.ContainerSpec;
            if (!container) return;
            delete container.OomScoreAdj;
            for (const mount of container.Mounts ?? []) {
                if (mount.TmpfsOptions) delete mount.TmpfsOptions.Options;
            }
        },
    },
];

/** The spec as an engine stores it from a request at `apiVersion` (a copy; the spec itself is left alone). */
export function asStoredAtApiVersion(spec: ServiceSpec, apiVersion: string): ServiceSpec {
    const dropped = FIELDS_STORED_FROM.filter((f) => compareApiVersions(apiVersion, f.version) < 0);
    if (!dropped.length) return spec;
    const copy = JSON.parse(JSON.stringify(spec)) as ServiceSpec;
    for (const f of dropped) f.drop(copy);
    return copy;
}
