import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Config, Service, ServiceSpec } from '../../src/core/specs';
import {
    changedOutside,
    composeContentHash,
    decodeRevision,
    encodeRevision,
    MAX_REVISION_BYTES,
    REVISION_LABEL,
    REVISION_SHA256_LABEL,
    revisionConfigName,
    type RevisionPayload,
} from '../../src/core/stack/history';
import { describeRevisionChange, revisionDocument } from '../../src/core/stack/rollback';

const NS = 'com.docker.stack.namespace';

function spec(name: string, image: string, replicas = 1): ServiceSpec {
    return {
        Name: name,
        Labels: { [NS]: 'prod', 'com.docker.stack.image': image },
        TaskTemplate: { ContainerSpec: { Image: image }, ForceUpdate: 0 },
        Mode: { Replicated: { Replicas: replicas } },
    };
}

function payload(revision = 1, overrides: Partial<RevisionPayload> = {}): RevisionPayload {
    return {
        schema: 1,
        stack: 'prod',
        revision,
        time: '2026-11-26T09:00:00.000Z',
        deployedBy: 'ada@host',
        version: '0.1.0',
        composeHash: composeContentHash(['services: {}\n']),
        reason: 'deploy',
        networks: [{ id: 'n1', name: 'prod_default', request: { Name: 'prod_default', Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: { [NS]: 'prod' } } }],
        services: [{ name: 'prod_web', spec: spec('prod_web', 'nginx:1') }],
        ...overrides,
    };
}

function asConfig(encoded: { Name: string; Labels: Record<string, string>; Data: string }, id = 'cfg1'): Config {
    return { ID: id, Version: { Index: 1 }, Spec: { Name: encoded.Name, Labels: encoded.Labels, Data: encoded.Data } } as Config;
}

/** A config holding arbitrary JSON with a matching checksum: what another tool (or a hand) could write. */
function forged(content: unknown, revision = 1, stack = 'prod'): Config {
    const data = gzipSync(Buffer.from(JSON.stringify(content)));
    return asConfig({
        Name: revisionConfigName(stack, revision),
        Labels: { [NS]: stack, [REVISION_LABEL]: String(revision), [REVISION_SHA256_LABEL]: createHash('sha256').update(data).digest('hex') },
        Data: data.toString('base64'),
    });
}

function reasonOf(config: Config): string {
    const entry = decodeRevision(config, 'prod');
    assert.equal(entry.kind, 'refused', `expected a refusal, got ${JSON.stringify(entry).slice(0, 200)}`);
    return entry.kind === 'refused' ? entry.reason : '';
}

describe('stack history: revision objects', () => {
    it('a revision survives encoding: labels, name and payload', () => {
        const encoded = encodeRevision(payload(3));
        assert.equal(encoded.Name, 'prod_swarm-stacks-revision-3');
        assert.equal(encoded.Labels[NS], 'prod');
        assert.equal(encoded.Labels[REVISION_LABEL], '3');
        const entry = decodeRevision(asConfig(encoded), 'prod');
        assert.equal(entry.kind, 'revision');
        assert.deepEqual(entry.kind === 'revision' ? entry.payload : undefined, payload(3));
    });

    it('refuses a revision whose content was replaced (checksum mismatch), saying what the checksum tells: damage, not authorship', () => {
        const encoded = encodeRevision(payload(1));
        const other = encodeRevision(payload(1, { services: [{ name: 'prod_web', spec: spec('prod_web', 'evil:latest') }] }));
        const reason = reasonOf(asConfig({ ...encoded, Data: other.Data }));
        assert.match(reason, /does not match its sha256 checksum label: it is damaged or was changed after it was written/);
        assert.doesNotMatch(reason, /by hand|not written by|another tool/);
        const { [REVISION_SHA256_LABEL]: _dropped, ...noSum } = encoded.Labels;
        assert.match(reasonOf(asConfig({ ...encoded, Labels: noSum })), /has no .*sha256 checksum label/);
    });

    it('refuses revisions of foreign origin: another stack, services or networks outside the stack, unknown schema', () => {
        assert.match(reasonOf(forged(payload(1, { stack: 'other' }))), /names stack "other", not prod/);
        const outsider = spec('other_db', 'postgres');
        assert.match(reasonOf(forged(payload(1, { services: [{ name: 'other_db', spec: outsider }] }))), /not a service of stack prod/);
        const unlabelled = { ...spec('prod_web', 'nginx'), Labels: {} };
        assert.match(reasonOf(forged(payload(1, { services: [{ name: 'prod_web', spec: unlabelled }] }))), /not labelled with stack prod/);
        const hostNet = payload(1);
        hostNet.networks = [{ id: 'x', name: 'ingress', request: { ...hostNet.networks[0].request!, Name: 'ingress' } }];
        assert.match(reasonOf(forged(hostNet)), /network "ingress" in it is not a network of stack prod/);
        assert.match(reasonOf(forged({ ...payload(1), schema: 7 })), /newer Swarm Stacks \(revision schema 7\)/);
        assert.match(reasonOf(forged({ ...payload(1), revision: 2 })), /says revision 2, its label 1/);
        assert.match(reasonOf(forged(['not', 'an', 'object'])), /not a revision object/);
        // The label says one stack, the lookup another.
        assert.match(reasonOf(forged(payload(1), 1, 'other')), /belongs to stack "other"/);
        // A name that is not ours.
        assert.match(reasonOf({ ...forged(payload(1)), Spec: { ...forged(payload(1)).Spec, Name: 'prod_whatever' } }), /name should be prod_swarm-stacks-revision-1/);
    });

    it('refuses content that is not compressed JSON, and too large objects, before decoding them', () => {
        const junk = Buffer.from('{"schema":1}');
        const config = asConfig({ Name: revisionConfigName('prod', 1), Labels: { [NS]: 'prod', [REVISION_LABEL]: '1', [REVISION_SHA256_LABEL]: createHash('sha256').update(junk).digest('hex') }, Data: junk.toString('base64') });
        assert.match(reasonOf(config), /not a compressed JSON revision/);
        const huge = Buffer.alloc(MAX_REVISION_BYTES + 10, 7).toString('base64');
        assert.match(reasonOf({ ...config, Spec: { ...config.Spec, Data: huge } }), /larger than 500 KiB/);
        // A gzip bomb: a few KiB that inflate to 16 MiB.
        const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 32));
        assert.ok(bomb.length < MAX_REVISION_BYTES);
        const bombConfig = asConfig({ Name: revisionConfigName('prod', 1), Labels: { [NS]: 'prod', [REVISION_LABEL]: '1', [REVISION_SHA256_LABEL]: createHash('sha256').update(bomb).digest('hex') }, Data: bomb.toString('base64') });
        assert.match(reasonOf(bombConfig), /inflates past 8 MiB/);
    });

    it('a stack too large for one config is refused when recording, with the size', () => {
        const services = Array.from({ length: 400 }, (_, i) => {
            const s = spec(`prod_s${i}`, 'nginx');
            s.TaskTemplate.ContainerSpec!.Env = Array.from({ length: 50 }, () => `K=${createHash('sha256').update(String(Math.random())).digest('hex')}`);
            return { name: `prod_s${i}`, spec: s };
        });
        assert.throws(() => encodeRevision(payload(1, { services })), /KiB compressed; swarm configs hold at most 500 KiB/);
    });

    it('changes outside Swarm Stacks: a changed, an added and a removed service; engine bookkeeping is not a change', () => {
        const recorded = payload(1, { services: [{ name: 'prod_web', spec: spec('prod_web', 'nginx:1') }, { name: 'prod_gone', spec: spec('prod_gone', 'x') }] });
        const live = (s: ServiceSpec, updatedAt: string): Service => ({ ID: s.Name!, Version: { Index: 99 }, UpdatedAt: updatedAt, Spec: s }) as Service;
        assert.equal(changedOutside(payload(1), [live(spec('prod_web', 'nginx:1'), '2026-11-26T10:00:00Z')]), undefined);
        assert.deepEqual(changedOutside(recorded, [live(spec('prod_web', 'nginx:2'), '2026-11-26T10:00:00Z'), live(spec('prod_new', 'y'), '2026-11-26T11:00:00Z')]), {
            services: ['prod_gone', 'prod_new', 'prod_web'],
            at: '2026-11-26T11:00:00Z',
        });
    });

    it('a revision made by anyone with a correct checksum is listed as a revision: the checksum proves no authorship', () => {
        const entry = decodeRevision(forged(payload(1, { services: [{ name: 'prod_web', spec: spec('prod_web', 'evil:latest') }] })), 'prod');
        assert.equal(entry.kind, 'revision');
    });

    it('a diff between two revisions reads like the deploy plan', () => {
        const one = payload(1, { services: [{ name: 'prod_web', spec: spec('prod_web', 'nginx:1') }, { name: 'prod_old', spec: spec('prod_old', 'x') }] });
        const two = payload(2, { services: [{ name: 'prod_web', spec: spec('prod_web', 'nginx:2', 3) }, { name: 'prod_new', spec: spec('prod_new', 'y') }] });
        assert.deepEqual(describeRevisionChange(one, two), [
            'service prod_new: create',
            'service prod_old: remove (prune)',
            'service prod_web: update',
            '    Labels.com.docker.stack.image: nginx:1 → nginx:2',
            '    Mode.Replicated.Replicas: 1 → 3',
            '    TaskTemplate.ContainerSpec.Image: nginx:1 → nginx:2',
        ]);
        assert.match(revisionDocument(two), /^# Stack prod, revision 2: deploy\n# 2026-11-26T09:00:00.000Z by ada@host/);
    });
});
