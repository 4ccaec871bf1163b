import * as assert from 'node:assert/strict';
import type { StackSpecs } from '../../src/core/compose/convert';
import type { Config, Secret, Service } from '../../src/core/specs';
import { CONTENT_HASH_LABEL, changedConfigs, contentHash8, isVersionOf, planRotation, removeUnusedVersions, rotationRequested } from '../../src/core/stack/rotation';
import { SECRET_FINGERPRINT_LABEL, fingerprintKey, fingerprintLabel, secretFingerprint } from '../../src/core/stack/secret-fingerprint';
import { lintCompose } from '../../src/core/stack/lint';
import { runCliCaptured, scriptedEmptySwarm } from './support/cli';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const NS = 'com.docker.stack.namespace';

function specsWith(cfgText: string, secretText: string): StackSpecs {
    return {
        networks: [],
        externalNetworks: [],
        secrets: [{ key: 'token', name: 'prod_token', spec: { Name: 'prod_token', Labels: { [NS]: 'prod' }, Data: b64(secretText) } }],
        configs: [{ key: 'cfg', name: 'prod_cfg', spec: { Name: 'prod_cfg', Labels: { [NS]: 'prod' }, Data: b64(cfgText) } }],
        services: [
            {
                key: 'proxy',
                name: 'prod_proxy',
                image: 'haproxy',
                spec: {
                    Name: 'prod_proxy',
                    TaskTemplate: {
                        ContainerSpec: {
                            Image: 'haproxy',
                            Configs: [{ ConfigID: '', ConfigName: 'prod_cfg', File: { Name: '/etc/cfg', UID: '0', GID: '0', Mode: 0o444 } }],
                            Secrets: [{ SecretID: '', SecretName: 'prod_token', File: { Name: 'token', UID: '0', GID: '0', Mode: 0o444 } }],
                        },
                    },
                },
                secretNames: ['prod_token'],
                configNames: ['prod_cfg'],
            },
        ],
        warnings: [],
    };
}

const config = (id: string, name: string, text: string, labels: Record<string, string> = { [NS]: 'prod' }): Config => ({ ID: id, Version: { Index: 1 }, Spec: { Name: name, Labels: labels, Data: b64(text) } }) as Config;
const secret = (id: string, name: string, labels: Record<string, string> = { [NS]: 'prod' }): Secret => ({ ID: id, Version: { Index: 1 }, Spec: { Name: name, Labels: labels } }) as Secret;

// This machine's key (secret-fingerprint.test.ts has the keys of other machines).
const KEY = fingerprintKey(Buffer.alloc(32, 7));
const key = () => KEY;
const marked = (text: string, k = KEY) => ({ [NS]: 'prod', [SECRET_FINGERPRINT_LABEL]: fingerprintLabel(k, secretFingerprint(k, b64(text))) });

describe('config and secret rotation (core/stack/rotation.ts)', () => {
    it('a first deploy keeps the plain names docker stack deploy gives, labelled with the content hash (configs) and keyed fingerprint (secrets)', () => {
        const plan = planRotation(specsWith('a', 's'), { secrets: [], configs: [] }, key);
        assert.deepEqual(plan.objects.map((o) => [o.kind, o.name, o.rotated]), [['secret', 'prod_token', false], ['config', 'prod_cfg', false]]);
        assert.equal(plan.specs.configs[0].spec.Labels?.[CONTENT_HASH_LABEL], contentHash8(b64('a')));
        assert.deepEqual(plan.specs.secrets[0].spec.Labels, marked('s'));
        assert.equal(plan.specs.services[0].spec.TaskTemplate.ContainerSpec?.Configs?.[0]?.ConfigName, 'prod_cfg');
    });

    it('unchanged content keeps its object: a config compared by its data, a secret by its fingerprint under this key', () => {
        const plan = planRotation(specsWith('a', 's'), { configs: [config('c1', 'prod_cfg', 'a')], secrets: [secret('s1', 'prod_token', marked('s'))] }, key);
        assert.deepEqual(plan.objects.map((o) => [o.name, o.rotated]), [['prod_token', false], ['prod_cfg', false]]);
        assert.deepEqual(plan.problems, []);
    });

    it('changed content goes to <name>-<hash8> at the same target; the services follow', () => {
        const plan = planRotation(specsWith('b', 's'), { configs: [config('c1', 'prod_cfg', 'a')], secrets: [secret('s1', 'prod_token', marked('s-old'))] }, key);
        const cfgName = `prod_cfg-${contentHash8(b64('b'))}`;
        const secretName = `prod_token-${secretFingerprint(KEY, b64('s')).slice(0, 8)}`;
        assert.deepEqual(plan.objects.map((o) => [o.name, o.rotated, o.contentUnknown]), [[secretName, true, undefined], [cfgName, true, undefined]]);
        const cs = plan.specs.services[0].spec.TaskTemplate.ContainerSpec!;
        assert.deepEqual(cs.Configs?.map((c) => [c.ConfigName, c.File?.Name]), [[cfgName, '/etc/cfg']]);
        assert.deepEqual(cs.Secrets?.map((c) => [c.SecretName, c.File?.Name]), [[secretName, 'token']]);
        assert.deepEqual(plan.specs.services[0].configNames, [cfgName]);
        assert.equal(plan.specs.configs[0].spec.Name, cfgName);
    });

    it('content that already has its rotated version reuses it (an edit undone, a deploy repeated)', () => {
        const cfgName = `prod_cfg-${contentHash8(b64('b'))}`;
        const plan = planRotation(specsWith('b', 's'), { configs: [config('c1', 'prod_cfg', 'a'), config('c2', cfgName, 'b')], secrets: [] }, key);
        assert.deepEqual(plan.objects.find((o) => o.kind === 'config'), { kind: 'config', key: 'cfg', baseName: 'prod_cfg', name: cfgName, rotated: false });
    });

    it('names of versions: <base> and <base>-<8 hex> only', () => {
        assert.ok(isVersionOf('prod_cfg', 'prod_cfg'));
        assert.ok(isVersionOf('prod_cfg', 'prod_cfg-0123abcd'));
        assert.ok(!isVersionOf('prod_cfg', 'prod_cfg-2'));
        assert.ok(!isVersionOf('prod_cfg', 'prod_cfg_other'));
        assert.ok(!isVersionOf('prod_cfg', 'prod_cfg-0123abcd-x'));
    });

    it('removes only the stack\'s old versions that no service uses, and names what the engine refused', async () => {
        const removed: string[] = [];
        const inUse: Service = { ID: 'svc', Version: { Index: 1 }, Spec: { Name: 'other_proxy', TaskTemplate: { ContainerSpec: { Image: 'x', Configs: [{ ConfigID: 'used', ConfigName: 'prod_cfg-11111111' }] } } } } as Service;
        const engine = scriptedEmptySwarm({
            listConfigs: async () => [
                config('old', 'prod_cfg', 'a'),
                config('used', 'prod_cfg-11111111', 'x'),
                config('new', 'prod_cfg-22222222', 'b'),
                config('foreign', 'prod_cfg-33333333', 'c', { [NS]: 'other' }),
                config('history', 'prod_swarm-stacks-revision-1', '{}'),
                config('stuck', 'prod_cfg-44444444', 'd'),
            ],
            listSecrets: async () => [],
            listServices: async () => [inUse],
            removeConfig: async (id: string) => {
                if (id === 'stuck') throw new Error('config is in use');
                removed.push(id);
            },
        });
        const result = await removeUnusedVersions(engine, 'prod', [{ kind: 'config', key: 'cfg', baseName: 'prod_cfg', name: 'prod_cfg-22222222', rotated: true }]);
        assert.deepEqual(removed, ['old']);
        assert.deepEqual(result.removed, ['prod_cfg']);
        assert.deepEqual(result.kept, ['prod_cfg-44444444: config is in use']);
    });

    it('the editor\'s warning: configs whose deployed object of the same name holds other content', () => {
        assert.deepEqual(changedConfigs(specsWith('b', 's'), [config('c1', 'prod_cfg', 'a')]), [{ key: 'cfg', name: 'prod_cfg' }]);
        assert.deepEqual(changedConfigs(specsWith('a', 's'), [config('c1', 'prod_cfg', 'a')]), []);
    });

    it('x-swarm-stacks: rotate-configs: true turns it on; anything else does not', () => {
        assert.equal(rotationRequested({ services: {}, 'x-swarm-stacks': { 'rotate-configs': true } }), true);
        assert.equal(rotationRequested({ services: {}, 'x-swarm-stacks': { 'rotate-configs': 'yes' } }), false);
        assert.equal(rotationRequested({ services: {} }), false);
    });
});

describe('lint of x-swarm-stacks (the one pipeline: editor and lint alike)', () => {
    const lintText = (extension: string) =>
        lintCompose([{ path: '/nowhere/docker-compose.yaml', text: `services:\n  web:\n    image: nginx\n${extension}` }], { env: {}, dotEnv: false, readFile: () => new Uint8Array() })
            .diagnostics.filter((d) => d.code === 'rotate-configs');
    it('warns when rotate-configs is not true or false, on the value', () => {
        const found = lintText('x-swarm-stacks:\n  rotate-configs: "yes"\n');
        assert.deepEqual(found.map((d) => [d.severity, d.message, d.range.start.line]), [['warning', 'x-swarm-stacks: rotate-configs takes true or false; config rotation stays off', 4]]);
    });
    it('says nothing for true, false, or no such field', () => {
        assert.deepEqual(lintText('x-swarm-stacks:\n  rotate-configs: true\n'), []);
        assert.deepEqual(lintText('x-swarm-stacks:\n  rotate-configs: false\n'), []);
        assert.deepEqual(lintText(''), []);
    });
});

describe('swarm-stacks update --verify: before the engine', () => {
    const noEngine = () => {
        throw new Error('no engine may be asked');
    };
    it('refuses --detach, a URL that is not http:// and an interval out of range, with no request', async () => {
        for (const [args, message] of [
            [['update', '--image', 'x:2', '--verify', 'http://127.0.0.1:1/', '-d', 'svc'], /cannot go with --detach/],
            [['update', '--image', 'x:2', '--verify', 'https://127.0.0.1/', 'svc'], /takes an http:\/\/ URL/],
            [['update', '--image', 'x:2', '--verify', 'not a url', 'svc'], /takes an http:\/\/ URL/],
            [['update', '--image', 'x:2', '--verify', 'http://127.0.0.1:1/', '--verify-interval', '1', 'svc'], /10 to 10000/],
        ] as const) {
            const run = await runCliCaptured([...args], { connect: noEngine });
            assert.equal(run.code, 2, run.stderr);
            assert.match(run.stderr, message);
        }
    });
});
