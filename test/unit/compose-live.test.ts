import * as assert from 'node:assert/strict';
import { placeComposeLenses } from '../../src/core/compose/lens-placement';
import { associateStack, declaredReplicas, matchingStacks, replicaDrift, replicasEdit, sameRepository } from '../../src/core/stack/compose-live';
import type { ServiceSummary, StackSummary } from '../../src/core/swarm-snapshot';

function live(stack: string, key: string, image: string, desired = 1, mode: ServiceSummary['mode'] = 'replicated'): ServiceSummary {
    return {
        id: `${stack}_${key}-id`,
        name: `${stack}_${key}`,
        stack,
        key,
        image,
        mode,
        running: desired,
        desired,
        ports: [],
        hasPreviousSpec: false,
        tasks: [],
        version: 1,
    } as unknown as ServiceSummary;
}

function stack(name: string, ...services: Array<[string, string]>): StackSummary {
    const list = services.map(([key, image]) => live(name, key, image));
    return { name, services: list, running: list.length, desired: list.length };
}

const FILE = [
    { key: 'web', image: 'web:v1' },
    { key: 'proxy', image: 'haproxytech/haproxy-alpine:2.6' },
];

describe('compose file ↔ stack association', () => {
    it('learns the one stack with the file\'s services and image repositories', () => {
        const stacks = [stack('prod', ['web', 'web:v2'], ['proxy', 'haproxytech/haproxy-alpine:2.6']), stack('other', ['api', 'api:1'])];
        assert.deepEqual(matchingStacks(FILE, stacks), ['prod']);
        assert.deepEqual(associateStack(FILE, stacks), { kind: 'associated', stack: 'prod', how: 'learned' });
    });

    it('does not take a stack whose services of the same name run another image', () => {
        const stacks = [stack('prod', ['web', 'nginx:1.25'], ['proxy', 'haproxytech/haproxy-alpine:2.6'])];
        assert.deepEqual(matchingStacks(FILE, stacks), []);
        assert.deepEqual(associateStack(FILE, stacks), { kind: 'none' });
    });

    it('lets the user pick when several deployed stacks are the file', () => {
        const stacks = [
            stack('prod', ['web', 'web:v1'], ['proxy', 'haproxytech/haproxy-alpine:2.6']),
            stack('staging', ['web', 'docker.io/library/web:v3'], ['proxy', 'haproxytech/haproxy-alpine:2.6']),
        ];
        assert.deepEqual(associateStack(FILE, stacks), { kind: 'ambiguous', candidates: ['prod', 'staging'] });
    });

    it('prefers stacks with exactly the file\'s services over partial ones', () => {
        const stacks = [stack('old', ['web', 'web:v1']), stack('prod', ['web', 'web:v1'], ['proxy', 'haproxytech/haproxy-alpine:2.6'])];
        assert.deepEqual(matchingStacks(FILE, stacks), ['prod']);
    });

    it('takes a partial stack when no exact one exists: a service added to the file, or left running', () => {
        assert.deepEqual(matchingStacks(FILE, [stack('prod', ['web', 'web:v1'])]), ['prod']);
        assert.deepEqual(matchingStacks(FILE, [stack('prod', ['web', 'web:v1'], ['proxy', 'haproxytech/haproxy-alpine:2.6'], ['gone', 'x:1'])]), ['prod']);
        // Sharing one service name, but each with services the other has not: another application.
        assert.deepEqual(matchingStacks(FILE, [stack('mixed', ['web', 'web:v1'], ['db', 'postgres:16'])]), []);
    });

    it('a remembered stack wins, deployed or not; without a snapshot nothing is known', () => {
        const stacks = [stack('prod', ['web', 'web:v1'], ['proxy', 'haproxytech/haproxy-alpine:2.6'])];
        assert.deepEqual(associateStack(FILE, stacks, 'mine'), { kind: 'associated', stack: 'mine', how: 'remembered' });
        assert.deepEqual(associateStack(FILE, undefined), { kind: 'unknown' });
        assert.deepEqual(associateStack([], stacks), { kind: 'none' });
    });

    it('compares image repositories, not tags or digests', () => {
        assert.ok(sameRepository('nginx', 'docker.io/library/nginx:1.25'));
        assert.ok(sameRepository('app:v1', 'app@sha256:' + 'a'.repeat(64)));
        assert.ok(!sameRepository('app:v1', 'other/app:v1'));
        assert.ok(!sameRepository('localhost:5000/app:v1', 'app:v1'));
    });
});

describe('replica drift', () => {
    it('is the file\'s count when the swarm runs another', () => {
        assert.equal(replicaDrift(4, live('prod', 'web', 'web:v1', 6)), 4);
        assert.equal(replicaDrift(6, live('prod', 'web', 'web:v1', 6)), undefined);
        assert.equal(replicaDrift(undefined, live('prod', 'web', 'web:v1', 6)), undefined);
        assert.equal(replicaDrift(1, live('prod', 'web', 'web:v1', 3, 'global')), undefined);
    });

    it('a replicated service without deploy.replicas declares 1; a global one declares none', () => {
        assert.equal(declaredReplicas({}), 1);
        assert.equal(declaredReplicas({ mode: 'replicated', replicas: 4 }), 4);
        assert.equal(declaredReplicas({ mode: 'global' }), undefined);
    });
});

describe('writing a replica count into a compose file', () => {
    function apply(text: string, key: string, replicas: number): string | undefined {
        const service = placeComposeLenses(text).services.find((s) => s.key === key)!;
        const edit = replicasEdit(text, service, replicas);
        if (!edit) return undefined;
        const lines = text.split('\n');
        const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
        return text.slice(0, offset(edit.range.start)) + edit.text + text.slice(offset(edit.range.end));
    }

    it('replaces an own deploy.replicas value', () => {
        const text = 'services:\n  web:\n    image: web:v1\n    deploy:\n      replicas: 4 # four\n';
        assert.equal(apply(text, 'web', 6), 'services:\n  web:\n    image: web:v1\n    deploy:\n      replicas: 6 # four\n');
    });

    it('adds replicas to an existing deploy block, indented as its keys', () => {
        const text = 'services:\n  web:\n    deploy:\n        mode: replicated\n    image: web:v1\n';
        const out = apply(text, 'web', 3)!;
        assert.equal(out, 'services:\n  web:\n    deploy:\n        replicas: 3\n        mode: replicated\n    image: web:v1\n');
        assert.equal(placeComposeLenses(out).services[0].replicas, 3);
    });

    it('adds a deploy block when the service has none', () => {
        const text = 'services:\n   web:\n      image: web:v1\n   db:\n      image: db\n';
        const out = apply(text, 'web', 2)!;
        assert.equal(out, 'services:\n   web:\n      deploy:\n         replicas: 2\n      image: web:v1\n   db:\n      image: db\n');
        assert.equal(placeComposeLenses(out).services[0].replicas, 2);
    });

    it('leaves a flow-style deploy to the user', () => {
        assert.equal(apply('services:\n  web:\n    image: w\n    deploy: {mode: replicated}\n', 'web', 2), undefined);
    });
});
