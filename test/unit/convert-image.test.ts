import * as assert from 'assert';
import { normalizeImageReference, parseImageReference } from '../../src/core/image-reference';

describe('image reference normalisation (docker/cli `cli/command/stack/deploy_composefile.go`)', () => {
    const hex = 'a'.repeat(64);
    const dig = 'sha256:' + 'b'.repeat(64);
    const cases: [string, string][] = [
        ['nginx', 'nginx:latest'],
        ['nginx:1.25', 'nginx:1.25'],
        ['docker.io/library/nginx:1.25', 'nginx:1.25'],
        ['index.docker.io/library/nginx', 'nginx:latest'],
        ['docker.io/user/app', 'user/app:latest'],
        ['localhost:5000/a/b', 'localhost:5000/a/b:latest'],
        ['localhost/a', 'localhost/a:latest'],
        ['example.com/a/b:1', 'example.com/a/b:1'],
        [`x@${dig}`, `x@${dig}`],
        [`nginx:1.25@${dig}`, `nginx:1.25@${dig}`],
        [hex, hex],
        ['Not/Valid', 'Not/Valid'],
        ['swarm-stacks-testbed/node:20', 'swarm-stacks-testbed/node:20'],
    ];
    for (const [i, o] of cases) it(`${i} → ${o}`, () => assert.strictEqual(normalizeImageReference(i), o));
    const errs: [string, RegExp][] = [
        [hex, /cannot specify 64-byte hexadecimal strings/],
        ['Nginx', /^invalid reference format: repository name \(library\/Nginx\) must be lowercase$/],
        ['a b', /^invalid reference format$/],
        ['x@sha256:abc', /^invalid reference format$/],
        ['', /invalid reference format|at least one component/],
    ];
    for (const [i, re] of errs) it(`parse error for ${JSON.stringify(i)}`, () => assert.throws(() => parseImageReference(i), (e: unknown) => re.test((e as Error).message)));
    it('parts', () => {
        assert.deepStrictEqual(parseImageReference('localhost:5000/a/b:1'), { domain: 'localhost:5000', path: 'a/b', fullName: 'localhost:5000/a/b', familiarName: 'localhost:5000/a/b', tag: '1' });
        assert.deepStrictEqual(parseImageReference('nginx'), { domain: 'docker.io', path: 'library/nginx', fullName: 'docker.io/library/nginx', familiarName: 'nginx' });
    });
});
