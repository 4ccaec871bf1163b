/**
 * The registry parts of the command line and the scaffold: `scaffold --registry`, `push` usage errors, and the
 * deploy's and diff's credentials: X-Registry-Auth to the engine (digest lookup and services) only with
 * --with-registry-auth, a wrong password refused under it (a scripted engine; the real registry is in
 * test/engine/registry.test.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { decodeAuthHeader, encodeAuthHeader, type RegistryAuthSource } from '../../src/core/registry/credentials';
import { registrySentences } from '../../src/core/registry/errors';
import { completeScaffoldInput, imageInRegistry, validateRegistry } from '../../src/core/scaffold/input';
import type { StackEngine } from '../../src/core/stack/engine';
import { runCliCaptured, scriptedEmptySwarm } from './support/cli';

function cli(args: string[], io: { connect?: () => StackEngine; registryAuth?: RegistryAuthSource } = {}) {
    return runCliCaptured(args, io);
}

describe('scaffold with a registry', () => {
    it('prefixes the app image with the registry', () => {
        assert.strictEqual(imageInRegistry('127.0.0.1:5000', 'web'), '127.0.0.1:5000/web:latest');
        assert.strictEqual(imageInRegistry(' https://registry.example.com/team/ ', 'web'), 'registry.example.com/team/web:latest');
        assert.strictEqual(imageInRegistry('', 'web'), 'web:latest');
        assert.strictEqual(completeScaffoldInput({ targetDir: '/tmp/shop', registry: '127.0.0.1:5000' }).image, '127.0.0.1:5000/shop:latest');
        assert.strictEqual(completeScaffoldInput({ targetDir: '/tmp/shop', registry: '127.0.0.1:5000', image: 'x:1' }).image, 'x:1');
        assert.strictEqual(validateRegistry('127.0.0.1:5000'), undefined);
        assert.strictEqual(validateRegistry('docker.io/me'), undefined);
        assert.match(validateRegistry('bad registry!') ?? '', /^The registry "bad registry!" cannot prefix an image name/);
        assert.match(validateRegistry('Reg.example.com/Team') ?? '', /lowercase/);
    });

    it('swarm-stacks scaffold --registry writes <registry>/<name>:latest into the compose file and says to push', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-cli-registry-'));
        try {
            const target = path.join(dir, 'shop');
            const r = await cli(['scaffold', '--registry', '127.0.0.1:5000', '--base-image', 'swarm-stacks-testbed/node:20', target]);
            assert.strictEqual(r.code, 0, r.stderr);
            assert.match(fs.readFileSync(path.join(target, 'docker-compose.yaml'), 'utf8'), /^ {4}image: 127\.0\.0\.1:5000\/shop:latest$/m);
            assert.match(r.stderr, /swarm-stacks push 127\.0\.0\.1:5000\/shop:latest/);
            assert.match(r.stderr, /--with-registry-auth/);
            assert.strictEqual((await cli(['scaffold', '--registry', 'Bad Host', target])).code, 2);
            assert.strictEqual((await cli(['scaffold', '--registry', '127.0.0.1:5000', '--image', 'x:1', target])).code, 2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('swarm-stacks push (usage)', () => {
    it('needs one image and refuses a digest', async () => {
        assert.strictEqual((await cli(['push'])).code, 2);
        assert.strictEqual((await cli(['push', 'a', 'b'])).code, 2);
        const digest = await cli(['push', `app@sha256:${'a'.repeat(64)}`]);
        assert.strictEqual(digest.code, 2);
        assert.match(digest.stderr, /cannot push a digest reference/);
        assert.strictEqual((await cli(['push', '--stall-timeout', 'x', 'app'])).code, 2);
        const help = await cli(['push', '--help']);
        assert.strictEqual(help.code, 0);
        assert.match(help.stdout, /Usage: swarm-stacks push/);
    });
});

/** A scripted single-node swarm with no stack yet, whose registry accepts only `good`. */
function scriptedSwarm() {
    const seen = { distribution: [] as { image: string; authHeader?: string }[], created: [] as { image?: string; authHeader?: string }[] };
    const engine = scriptedEmptySwarm({
        distributionInspect: async (image: string, params?: { authHeader?: string }) => {
            seen.distribution.push({ image, authHeader: params?.authHeader });
            const password = params?.authHeader ? decodeAuthHeader(params.authHeader).password : undefined;
            if (password === undefined) throw Object.assign(new Error('x'), { kind: 'daemon', statusCode: 500, daemonMessage: `Head "http://127.0.0.1:5000/v2/app/manifests/1": no basic auth credentials` });
            if (password !== 'good') throw Object.assign(new Error('x'), { kind: 'daemon', statusCode: 401, daemonMessage: 'unauthorized: authentication required' });
            return { Descriptor: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: `sha256:${'d'.repeat(64)}`, size: 528 }, Platforms: [{ architecture: 'amd64', os: 'linux' }] };
        },
        createService: async (spec: { TaskTemplate: { ContainerSpec?: { Image?: string } } }, params?: { authHeader?: string }) => {
            seen.created.push({ image: spec.TaskTemplate.ContainerSpec?.Image, authHeader: params?.authHeader });
            return { id: `s${seen.created.length}`, warnings: [] };
        },
    });
    return { engine, seen };
}

function authWith(password: string): RegistryAuthSource {
    const header = encodeAuthHeader({ username: 'u', password, serveraddress: '127.0.0.1:5000' });
    return { authHeaderFor: async () => header, describe: () => 'test' };
}

describe('deploy and the registry (scripted engine)', () => {
    let dir: string;
    let compose: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-cli-deploy-registry-'));
        compose = path.join(dir, 'docker-compose.yaml');
        fs.writeFileSync(compose, 'version: "3.8"\nservices:\n  app:\n    image: 127.0.0.1:5000/app:1\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('without --with-registry-auth nothing goes to the engine in X-Registry-Auth (lookup, services, dry run, diff) and no credentials are read', async () => {
        for (const args of [['deploy'], ['deploy', '--dry-run'], ['diff']]) {
            const plain = scriptedSwarm();
            let reads = 0;
            const counting: RegistryAuthSource = { authHeaderFor: async (image) => (reads++, authWith('good').authHeaderFor(image)), describe: () => 'test' };
            const r = await cli([...args, '-c', compose, 'prod'], { connect: () => plain.engine, registryAuth: counting });
            assert.strictEqual(r.code, args[0] === 'diff' ? 1 : 0, r.stderr);
            assert.strictEqual(reads, 0, `${args.join(' ')}: the credentials (a credential helper) were read`);
            assert.deepStrictEqual(plain.seen.distribution, [{ image: '127.0.0.1:5000/app:1', authHeader: undefined }], args.join(' '));
            if (args.length === 1 && args[0] === 'deploy') assert.deepStrictEqual(plain.seen.created, [{ image: '127.0.0.1:5000/app:1', authHeader: undefined }]);
            // Said once, naming the flag; not "log in", as the person may well be logged in.
            assert.strictEqual(r.stderr.split('asks for credentials').length - 1, 1, r.stderr);
            assert.match(r.stderr, /127\.0\.0\.1:5000 asks for credentials to look up 127\.0\.0\.1:5000\/app:1, and none were sent: .*only with --with-registry-auth/);
            assert.doesNotMatch(r.stderr, /docker login/);
        }
    });

    it('with --with-registry-auth the lookup and the services carry the credentials, in deploy and diff alike', async () => {
        const withAuth = scriptedSwarm();
        const r = await cli(['deploy', '--with-registry-auth', '-c', compose, 'prod'], { connect: () => withAuth.engine, registryAuth: authWith('good') });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(decodeAuthHeader(withAuth.seen.distribution[0].authHeader!).password, 'good');
        assert.strictEqual(withAuth.seen.created[0].image, `127.0.0.1:5000/app:1@sha256:${'d'.repeat(64)}`);
        assert.strictEqual(decodeAuthHeader(withAuth.seen.created[0].authHeader!).password, 'good');

        const diffed = scriptedSwarm();
        const d = await cli(['diff', '--with-registry-auth', '-c', compose, 'prod'], { connect: () => diffed.engine, registryAuth: authWith('good') });
        assert.strictEqual(d.code, 1, d.stderr);
        assert.strictEqual(decodeAuthHeader(diffed.seen.distribution[0].authHeader!).password, 'good');
        assert.doesNotMatch(d.stderr, /asks for credentials/);
        assert.deepStrictEqual(diffed.seen.created, []);
    });

    it('a wrong password under --with-registry-auth: one sentence naming the registry and docker login, and nothing is deployed', async () => {
        const strict = scriptedSwarm();
        const refused = await cli(['deploy', '--with-registry-auth', '-c', compose, 'prod'], { connect: () => strict.engine, registryAuth: authWith('wrong') });
        assert.strictEqual(refused.code, 1);
        assert.match(refused.stderr, /The registry 127\.0\.0\.1:5000 refused the credentials for the digest of 127\.0\.0\.1:5000\/app:1 \(unauthorized: authentication required\): log in with `docker login 127\.0\.0\.1:5000` and try again\./);
        assert.match(refused.stderr, /Nothing was deployed\./);
        assert.deepStrictEqual(strict.seen.created, []);
    });

    it('Docker Hub out of reach (every offline deploy) keeps the CLI warning alone; a private registry down is named', async () => {
        const hub = path.join(dir, 'hub.yaml');
        fs.writeFileSync(hub, 'version: "3.8"\nservices:\n  app:\n    image: nginx:1\n  own:\n    image: 127.0.0.1:5999/own:1\n');
        const unreachable = scriptedEmptySwarm({
            distributionInspect: async (image: string) => {
                const host = image.startsWith('127.0.0.1:5999/') ? '127.0.0.1:5999' : 'registry-1.docker.io';
                throw Object.assign(new Error('x'), { kind: 'daemon', statusCode: 500, daemonMessage: `Get "https://${host}/v2/": dial tcp ${host}: connect: connection refused` });
            },
            createService: async () => ({ id: 's', warnings: [] }),
        });
        const r = await cli(['deploy', '-c', hub, 'prod'], { connect: () => unreachable, registryAuth: authWith('good') });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /image nginx:1 could not be accessed on a registry to record/);
        assert.doesNotMatch(r.stderr, /The registry Docker Hub/);
        assert.match(r.stderr, /The registry 127\.0\.0\.1:5999 cannot be reached from the Docker engine at unix:\/\/\/scripted\.sock for the digest of 127\.0\.0\.1:5999\/own:1 .*`docker login 127\.0\.0\.1:5999`/);
        assert.deepStrictEqual(registrySentences([r.stderr]).length, 1);
    });

    it('credentials that cannot be read stop a --with-registry-auth deploy before anything is sent', async () => {
        const s = scriptedSwarm();
        const broken: RegistryAuthSource = {
            authHeaderFor: async () => {
                throw new Error('The credential helper docker-credential-pass (configured in /x/config.json) is not installed or not on the PATH.');
            },
            describe: () => undefined,
        };
        const r = await cli(['deploy', '--with-registry-auth', '-c', compose, 'prod'], { connect: () => s.engine, registryAuth: broken });
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /docker-credential-pass .*not installed/);
        assert.deepStrictEqual(s.seen.created, []);
    });
});

describe('update --image and the registry (scripted engine)', () => {
    function scriptedService() {
        const sent: { params?: Record<string, unknown> }[] = [];
        const engine = scriptedEmptySwarm({
            inspectService: async () => ({ ID: 'svc1', Version: { Index: 7 }, Spec: { Name: 'prod_app', TaskTemplate: { ContainerSpec: { Image: '127.0.0.1:5000/app:1' } } } }),
            updateService: async (_id: string, _version: number, _spec: unknown, params?: Record<string, unknown>) => {
                sent.push({ params });
                return { warnings: [] };
            },
        });
        return { engine, sent };
    }

    it('sends the credentials of the new image with --with-registry-auth, else keeps those of the spec (service/update.go)', async () => {
        const withFlag = scriptedService();
        const r1 = await cli(['update', '-d', '--with-registry-auth', '--image', '127.0.0.1:5000/app:2', 'prod_app'], { connect: () => withFlag.engine, registryAuth: authWith('good') });
        assert.strictEqual(r1.code, 0, r1.stderr);
        assert.strictEqual(decodeAuthHeader(String(withFlag.sent[0].params!.authHeader)).password, 'good');
        assert.strictEqual(withFlag.sent[0].params!.registryAuthFrom, undefined);

        const plain = scriptedService();
        const r2 = await cli(['update', '-d', '--image', '127.0.0.1:5000/app:2', 'prod_app'], { connect: () => plain.engine, registryAuth: authWith('good') });
        assert.strictEqual(r2.code, 0, r2.stderr);
        assert.deepStrictEqual(plain.sent[0].params, { registryAuthFrom: 'spec' });
    });
});
