/**
 * What a stack holds in the engine, normalised so that two stacks deployed from the same compose
 * file under different names (and by different tools) compare equal: the stack name becomes
 * `<stack>`, object IDs become the objects' names.
 */
import * as fs from 'fs';
import { parse } from 'yaml';

import type { Config, Network, Secret, Service } from '../../../src/core/specs';
import type { DockerClient } from '../../../src/docker/client';
import { REVISION_LABEL } from '../../../src/core/stack/history';
import { STACK_LABEL } from './names';

export interface StackSnapshot {
    services: Record<string, unknown>;
    networks: Record<string, unknown>;
    secrets: Record<string, unknown>;
    configs: Record<string, unknown>;
    /** Raw objects, for version checks. */
    raw: { services: Service[]; networks: Network[]; secrets: Secret[]; configs: Config[] };
}

export interface SnapshotOptions {
    /** Normalised names of networks whose IPAM subnets come from the compose file (others are allocated by the engine). */
    subnetNetworks?: Set<string>;
}

function replaceAll(value: unknown, from: string, to: string): unknown {
    return JSON.parse(JSON.stringify(value).split(from).join(to));
}

export async function snapshotStack(client: DockerClient, stack: string, options: SnapshotOptions = {}): Promise<StackSnapshot> {
    const filter = { label: [`${STACK_LABEL}=${stack}`] };
    const [services, networks, secrets, configs, allNetworks, allSecrets, allConfigs] = await Promise.all([
        client.listServices(filter),
        client.listNetworks(filter),
        client.listSecrets(filter),
        // The stack's history (a Swarm Stacks revision, src/core/stack/history.ts) is an extra object of ours,
        // not part of what the compose file deploys: compared separately (test/engine/history.test.ts).
        client.listConfigs(filter).then((list) => list.filter((c) => c.Spec.Labels?.[REVISION_LABEL] === undefined)),
        client.listNetworks(),
        client.listSecrets(),
        client.listConfigs(),
    ]);
    const networkNames = new Map(allNetworks.map((n) => [n.Id, n.Name]));
    const secretNames = new Map(allSecrets.map((s) => [s.ID, s.Spec.Name]));
    const configNames = new Map(allConfigs.map((c) => [c.ID, c.Spec.Name]));
    const norm = (v: unknown) => replaceAll(v, stack, '<stack>');

    const snap: StackSnapshot = { services: {}, networks: {}, secrets: {}, configs: {}, raw: { services, networks, secrets, configs } };
    for (const s of services) {
        const spec = JSON.parse(JSON.stringify(s.Spec)) as Service['Spec'];
        const t = spec.TaskTemplate;
        // Network attachments are stored by ID: compare by name.
        for (const n of t.Networks ?? []) n.Target = `<network ${networkNames.get(n.Target) ?? `unknown id ${n.Target}`}>`;
        const c = t.ContainerSpec;
        for (const r of c?.Secrets ?? []) r.SecretID = `<secret ${secretNames.get(r.SecretID ?? '') ?? `unknown id ${r.SecretID}`}>`;
        for (const r of c?.Configs ?? []) r.ConfigID = `<config ${configNames.get(r.ConfigID ?? '') ?? `unknown id ${r.ConfigID}`}>`;
        const cred = c?.Privileges?.CredentialSpec;
        if (cred?.Config) cred.Config = `<config ${configNames.get(cred.Config) ?? `unknown id ${cred.Config}`}>`;
        snap.services[String(norm(spec.Name))] = norm(spec);
    }
    for (const n of networks) {
        const name = String(norm(n.Name));
        const netOptions = { ...(n.Options ?? {}) };
        // Allocated by the engine per network.
        delete netOptions['com.docker.network.driver.overlay.vxlanid_list'];
        const ipam = n.IPAM
            ? {
                  Driver: n.IPAM.Driver,
                  Options: n.IPAM.Options ?? null,
                  // Subnets the file does not give are allocated by the engine and differ per network.
                  Config: options.subnetNetworks?.has(name) ? n.IPAM.Config : undefined,
              }
            : undefined;
        snap.networks[name] = norm({
            Name: n.Name,
            Driver: n.Driver,
            Scope: n.Scope,
            Internal: n.Internal ?? false,
            Attachable: n.Attachable ?? false,
            Ingress: n.Ingress ?? false,
            EnableIPv6: n.EnableIPv6 ?? false,
            Labels: n.Labels ?? {},
            Options: netOptions,
            IPAM: ipam,
        });
    }
    for (const s of secrets) {
        snap.secrets[String(norm(s.Spec.Name))] = norm({ Name: s.Spec.Name, Labels: s.Spec.Labels ?? {}, Driver: s.Spec.Driver, Templating: s.Spec.Templating });
    }
    for (const c of configs) {
        snap.configs[String(norm(c.Spec.Name))] = norm({ Name: c.Spec.Name, Labels: c.Spec.Labels ?? {}, Data: c.Spec.Data, Templating: c.Spec.Templating });
    }
    return snap;
}

/** What the compose file itself says about names, read with `yaml` (independently of our loader). */
export interface FileFacts {
    /** Normalised names of networks with `ipam.config` subnets. */
    subnetNetworks: Set<string>;
    /** Objects with a fixed `name:` (two stacks from this file would share them) or fixed subnets. */
    fixedNames: string[];
}

export function fileFacts(file: string): FileFacts {
    const doc = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, Record<string, Record<string, unknown> | null> | undefined>;
    const subnetNetworks = new Set<string>();
    const fixedNames: string[] = [];
    for (const [key, svc] of Object.entries((doc.services ?? {}) as Record<string, { ports?: unknown[] } | null>)) {
        // Published ingress ports are unique in the swarm; host-mode ones on this one node too.
        if (svc?.ports?.length) fixedNames.push(`published ports of service ${key}`);
    }
    for (const [key, net] of Object.entries(doc.networks ?? {})) {
        if (!net || net.external) continue;
        const name = typeof net.name === 'string' ? net.name : `<stack>_${key}`;
        if (typeof net.name === 'string') fixedNames.push(`network ${net.name}`);
        const ipam = net.ipam as { config?: { subnet?: string }[] } | undefined;
        if (ipam?.config?.some((c) => c.subnet)) {
            subnetNetworks.add(name);
            fixedNames.push(`subnet of network ${key}`);
        }
    }
    for (const kind of ['secrets', 'configs'] as const) {
        for (const [key, obj] of Object.entries(doc[kind] ?? {})) {
            if (obj && !obj.external && typeof obj.name === 'string') fixedNames.push(`${kind.slice(0, -1)} ${obj.name} (${key})`);
        }
    }
    return { subnetNetworks, fixedNames };
}
