/**
 * Config and secret rotation (opt-in). Swarm configs and secrets cannot change: the engine refuses any update but
 * to labels ("only updates to Labels are allowed", swarmkit `manager/controlapi/config.go` and `secret.go`). With
 * rotation, a file whose content changed is created under `<name>-<hash8>` and the services are pointed at it at the
 * same target; once they have converged, the stack's old versions that no service uses any more are removed.
 *
 * A stack deployed for the first time keeps the plain names `docker stack deploy` gives, and content that did not
 * change keeps the object it has: only a change makes a new name, so nothing restarts for nothing.
 *
 * A config's data is visible, so its version is named by a content hash. A secret's is not, and its name and label
 * carry a keyed fingerprint instead (secret-fingerprint.ts): nobody who lists secrets can test guesses against them.
 * A secret whose fingerprint was made with another key (another machine, an older Swarm Stacks) is deployed again as
 * a new version: whether it changed cannot be told, and the services must run what the file holds.
 */
import type { StackSpecs } from '../compose/convert';
import type { ComposeConfig } from '../compose/types';
import type { Config, Secret, Service } from '../specs';
import type { CallOptions, StackEngine } from './engine';
import { NAMESPACE_LABEL, stackLabelFilter } from './names';
import { SECRET_FINGERPRINT_LABEL, compareFingerprint, fingerprintLabel, secretFingerprint, type FingerprintKeySource } from './secret-fingerprint';

/** The label that records the content hash of a config this rotation created (a secret has a keyed fingerprint). */
export const CONTENT_HASH_LABEL = 'com.swarm-stacks.content-hash';

/** The compose extension that turns rotation on for one stack: `x-swarm-stacks: { rotate-configs: true }`. */
export const ROTATION_EXTENSION = 'x-swarm-stacks';
export const ROTATION_EXTENSION_KEY = 'rotate-configs';

type ObjectKind = 'secret' | 'config';

export interface RotatedObject {
    kind: ObjectKind;
    /** The compose key. */
    key: string;
    /** The name `docker stack deploy` gives the object. */
    baseName: string;
    /** The name this deploy uses: the base name, or `<base>-<hash8>` when the content changed. */
    name: string;
    /** True when this deploy creates a new version under a new name. */
    rotated: boolean;
    /** A secret deployed again because its fingerprint in the swarm was not made with this machine's key. */
    contentUnknown?: boolean;
}

export interface RotationPlan {
    specs: StackSpecs;
    objects: RotatedObject[];
    /** Conflicts that stop the deploy before anything is sent. */
    problems: string[];
}

/** Whether the compose file asks for rotation (`x-swarm-stacks: { rotate-configs: true }` at the top level). */
export function rotationRequested(config: ComposeConfig | undefined): boolean {
    const extension = (config as Record<string, unknown> | undefined)?.[ROTATION_EXTENSION];
    return typeof extension === 'object' && extension !== null && (extension as Record<string, unknown>)[ROTATION_EXTENSION_KEY] === true;
}

/** The first 8 hex digits of the SHA-256 of a config's content (`Data` is base64). Never for a secret: see above. */
export function contentHash8(dataBase64: string | undefined, templating?: string): string {
    // Required here: lint reads this module's names and should not pay for loading crypto.
    const { createHash } = require('crypto') as typeof import('crypto');
    const hash = createHash('sha256').update(Buffer.from(dataBase64 ?? '', 'base64'));
    // Templated content renders differently: the driver is part of what the object is.
    if (templating) hash.update(`\0template:${templating}`);
    return hash.digest('hex').slice(0, 8);
}

/** True for `<base>` and `<base>-<8 hex>`: the versions rotation makes of one object. */
export function isVersionOf(baseName: string, name: string): boolean {
    return name === baseName || (name.startsWith(`${baseName}-`) && /^[0-9a-f]{8}$/.test(name.slice(baseName.length + 1)));
}

/** How a version is named and marked, and whether a held one has the wanted content. */
interface ContentMark {
    suffix: string;
    labels: Record<string, string>;
    /** `unknown`: the held object's mark was not made here (a secret fingerprinted with another key). */
    compare(held: Secret | Config): 'same' | 'changed' | 'unknown';
}

/** The one place that marks content: a config by its hash, a secret by its keyed fingerprint. */
function contentMark(kind: ObjectKind, spec: { Data?: string; Templating?: { Name: string } }, secretKey: FingerprintKeySource | undefined): ContentMark {
    if (kind === 'config') {
        const hash = contentHash8(spec.Data, spec.Templating?.Name);
        return { suffix: hash, labels: { [CONTENT_HASH_LABEL]: hash }, compare: (held) => ((held.Spec.Data ?? '') === (spec.Data ?? '') ? 'same' : 'changed') };
    }
    if (!secretKey) throw new Error('the rotation of a secret needs the secret fingerprint key');
    const key = secretKey();
    const fingerprint = secretFingerprint(key, spec.Data, spec.Templating?.Name);
    return {
        suffix: fingerprint.slice(0, 8),
        labels: { [SECRET_FINGERPRINT_LABEL]: fingerprintLabel(key, fingerprint) },
        compare: (held) => compareFingerprint(key, held.Spec.Labels, fingerprint),
    };
}

/**
 * Chooses each file-backed object's name from what the engine holds (pure but for the key's first read).
 * `existing` are the secrets and configs whose names begin with a base name. Secrets with a driver (no data here)
 * are left as they are. `secretKey` is asked for only when a file-backed secret is to be fingerprinted.
 */
export function planRotation(specs: StackSpecs, existing: { secrets: readonly Secret[]; configs: readonly Config[] }, secretKey?: FingerprintKeySource): RotationPlan {
    const objects: RotatedObject[] = [];
    const problems: string[] = [];
    const choose = <S extends { Name: string; Labels?: Record<string, string>; Data?: string; Templating?: { Name: string } }>(
        kind: ObjectKind,
        wanted: { key: string; name: string; spec: S },
        held: readonly (Secret | Config)[],
    ): { key: string; name: string; spec: S } => {
        if (kind === 'secret' && (wanted.spec as { Driver?: unknown }).Driver) return wanted;
        const mark = contentMark(kind, wanted.spec, secretKey);
        const versions = held.filter((o) => isVersionOf(wanted.name, o.Spec.Name));
        const rotatedName = `${wanted.name}-${mark.suffix}`;
        const plain = versions.find((o) => o.Spec.Name === wanted.name);
        const taken = versions.find((o) => o.Spec.Name === rotatedName);
        let name: string;
        if (taken) {
            name = rotatedName;
            // Objects cannot change: one of this name that holds something else is not this content's version.
            if (mark.compare(taken) !== 'same') problems.push(`${kind} ${rotatedName} exists but does not hold the content of ${wanted.key}: remove it, or remove the stack first`);
        } else if (plain && mark.compare(plain) === 'same') name = wanted.name;
        else if (!versions.length) name = wanted.name;
        else name = rotatedName;
        const rotated = name !== wanted.name && !taken;
        const contentUnknown = rotated && kind === 'secret' && versions.every((o) => mark.compare(o) === 'unknown');
        objects.push({ kind, key: wanted.key, baseName: wanted.name, name, rotated, ...(contentUnknown ? { contentUnknown } : {}) });
        // The mark lets a later deploy know whether the content changed; for a secret, only with this key.
        const spec = { ...wanted.spec, Name: name, Labels: { ...wanted.spec.Labels, ...mark.labels } };
        return { ...wanted, name, spec };
    };
    const secrets = specs.secrets.map((s) => choose('secret', s, existing.secrets));
    const configs = specs.configs.map((c) => choose('config', c, existing.configs));
    const renamed = (kind: ObjectKind) => new Map(objects.filter((o) => o.kind === kind && o.name !== o.baseName).map((o) => [o.baseName, o.name]));
    const secretNames = renamed('secret');
    const configNames = renamed('config');
    const services = specs.services.map((s) => {
        const cs = s.spec.TaskTemplate.ContainerSpec;
        if (!cs || (!secretNames.size && !configNames.size)) return s;
        const containerSpec = {
            ...cs,
            ...(cs.Secrets ? { Secrets: cs.Secrets.map((r) => ({ ...r, SecretName: secretNames.get(r.SecretName) ?? r.SecretName })) } : {}),
            ...(cs.Configs ? { Configs: cs.Configs.map((r) => ({ ...r, ConfigName: configNames.get(r.ConfigName) ?? r.ConfigName })) } : {}),
        };
        return {
            ...s,
            spec: { ...s.spec, TaskTemplate: { ...s.spec.TaskTemplate, ContainerSpec: containerSpec } },
            secretNames: s.secretNames.map((n) => secretNames.get(n) ?? n).sort(),
            configNames: s.configNames.map((n) => configNames.get(n) ?? n).sort(),
        };
    });
    return { specs: { ...specs, secrets, configs, services }, objects, problems };
}

/** Reads every version of the stack's file-backed objects (one list call per kind; name filters match prefixes). */
export async function readObjectVersions(engine: StackEngine, specs: StackSpecs, call: CallOptions): Promise<{ secrets: Secret[]; configs: Config[] }> {
    const secretNames = specs.secrets.map((s) => s.name);
    const configNames = specs.configs.map((c) => c.name);
    const [secrets, configs] = await Promise.all([
        secretNames.length ? engine.listSecrets({ name: secretNames }, call) : Promise.resolve([] as Secret[]),
        configNames.length ? engine.listConfigs({ name: configNames }, call) : Promise.resolve([] as Config[]),
    ]);
    const versionOfAny = (names: string[]) => (o: Secret | Config) => names.some((n) => isVersionOf(n, o.Spec.Name));
    return { secrets: secrets.filter(versionOfAny(secretNames)), configs: configs.filter(versionOfAny(configNames)) };
}

/** Reads what the engine holds and renames the changed objects of `specs`. */
export async function prepareRotation(engine: StackEngine, specs: StackSpecs, secretKey: FingerprintKeySource | undefined, call: CallOptions = {}): Promise<RotationPlan> {
    return planRotation(specs, await readObjectVersions(engine, specs, call), secretKey);
}

/**
 * Removes the stack's older versions of the rotated objects that no service uses (call once the services have
 * converged: a service whose update rolled back uses its old version again, which then stays). Returns the names
 * removed; an object the engine will not remove is left and named in `kept`.
 */
export async function removeUnusedVersions(
    engine: StackEngine,
    stackName: string,
    objects: readonly RotatedObject[],
    call: CallOptions = {},
): Promise<{ removed: string[]; kept: string[] }> {
    const [secrets, configs, services] = await Promise.all([
        engine.listSecrets(stackLabelFilter(stackName), call),
        engine.listConfigs(stackLabelFilter(stackName), call),
        // Every service, not only the stack's: another stack may use an object by name as external.
        engine.listServices(undefined, {}, call),
    ]);
    const used = usedObjectIds(services);
    const stale = (kind: ObjectKind, held: readonly (Secret | Config)[]) =>
        held.filter(
            (o) =>
                o.Spec.Labels?.[NAMESPACE_LABEL] === stackName &&
                !used.has(o.ID) &&
                objects.some((r) => r.kind === kind && r.name !== o.Spec.Name && isVersionOf(r.baseName, o.Spec.Name)),
        );
    const removed: string[] = [];
    const kept: string[] = [];
    const remove = async (o: Secret | Config, work: (id: string) => Promise<void>) => {
        try {
            await work(o.ID);
            removed.push(o.Spec.Name);
        } catch (error) {
            if (call.signal?.aborted) throw error;
            kept.push(`${o.Spec.Name}: ${error instanceof Error ? error.message : String(error)}`);
        }
    };
    await Promise.all([
        ...stale('secret', secrets).map((s) => remove(s, (id) => engine.removeSecret(id, call))),
        ...stale('config', configs).map((c) => remove(c, (id) => engine.removeConfig(id, call))),
    ]);
    return { removed: removed.sort(), kept: kept.sort() };
}

function usedObjectIds(services: readonly Service[]): Set<string> {
    const ids = new Set<string>();
    for (const service of services) {
        // The current spec only, as the engine counts use (swarmkit `manager/controlapi/config.go`): keeping what a
        // previous spec named would keep every old version, and `docker service rollback` past a rotation is refused.
        const cs = service.Spec.TaskTemplate.ContainerSpec;
        for (const r of cs?.Secrets ?? []) ids.add(r.SecretID);
        for (const r of cs?.Configs ?? []) ids.add(r.ConfigID);
    }
    return ids;
}

/**
 * The configs of `specs` whose deployed object (same name) holds other content: without rotation the deploy stops
 * on each of them. The editor warns on them, with a quick fix that turns rotation on.
 */
export function changedConfigs(specs: StackSpecs, deployed: readonly Config[]): { key: string; name: string }[] {
    return specs.configs
        .filter((c) => {
            const held = deployed.find((d) => d.Spec.Name === c.name);
            return held !== undefined && held.Spec.Data !== undefined && c.spec.Data !== undefined && held.Spec.Data !== c.spec.Data;
        })
        .map((c) => ({ key: c.key, name: c.name }));
}
