/**
 * Registry credentials as the Docker CLI reads them (config.json auths, credsStore, credHelpers,
 * DOCKER_AUTH_CONFIG), the X-Registry-Auth encoding, the credential helper protocol with a real helper
 * program on a temporary PATH, and the one-sentence registry errors.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
    authConfigKey,
    decodeAuthHeader,
    encodeAuthHeader,
    hasStoredCredentials,
    lookupCredentials,
    parseDockerConfig,
    registryAuthSource,
    registryOfImage,
    RegistryCredentialsError,
    type CredentialsIo,
    type HelperRun,
} from '../../src/core/registry/credentials';
import { classifyRegistryFailure, registryFailureMessage } from '../../src/core/registry/errors';
import { nodeCredentialsIo } from '../../src/core/registry/node-io';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A fake file system and helper runner; records helper calls. */
function fakeIo(files: Record<string, string>, helpers: Record<string, (input: string) => HelperRun> = {}, extra: Partial<CredentialsIo> = {}) {
    const calls: { program: string; args: string[]; input: string }[] = [];
    const io: CredentialsIo = {
        configDir: '/home/me/.docker',
        readFile: (file) => files[file],
        runHelper: async (program, args, input) => {
            calls.push({ program, args, input });
            const helper = helpers[program];
            return helper ? helper(input) : { stdout: '', failure: 'notFound' };
        },
        ...extra,
    };
    return { io, calls };
}

describe('registry credentials (docker/cli cli/config/configfile/file.go, credentials/native_store.go)', () => {
    it('tells whether the configuration names credentials for a registry from the files alone: no helper runs', () => {
        const file = '/home/me/.docker/config.json';
        const { io, calls } = fakeIo(
            {
                [file]: JSON.stringify({
                    auths: { '10.210.0.254:5000': {}, 'https://legacy.example.com/v1/': { auth: b64('u:p') }, 'https://index.docker.io/v1/': {} },
                    credsStore: 'desktop',
                    credHelpers: { 'gcr.io': 'gcloud' },
                }),
            },
            { 'docker-credential-desktop': () => ({ exitCode: 0, stdout: '{}' }) },
        );
        assert.strictEqual(hasStoredCredentials('10.210.0.254:5000', io), true, 'the empty entry docker login leaves next to a credsStore');
        assert.strictEqual(hasStoredCredentials('legacy.example.com', io), true);
        assert.strictEqual(hasStoredCredentials('gcr.io', io), true);
        assert.strictEqual(hasStoredCredentials('docker.io', io), true);
        assert.strictEqual(hasStoredCredentials('127.0.0.1:5000', io), false);
        assert.deepStrictEqual(calls, []);
        assert.strictEqual(hasStoredCredentials('x:1', fakeIo({ [file]: '{not json' }).io), false);
        assert.strictEqual(hasStoredCredentials('x:1', fakeIo({}, {}, { envAuthConfig: JSON.stringify({ auths: { 'x:1': { auth: b64('a:b') } } }) }).io), true);
    });

    it('finds the registry of an image with docker normalisation; Docker Hub under its index address', () => {
        assert.strictEqual(registryOfImage('nginx'), 'docker.io');
        assert.strictEqual(registryOfImage('me/app:1'), 'docker.io');
        assert.strictEqual(registryOfImage('index.docker.io/me/app'), 'docker.io');
        assert.strictEqual(registryOfImage('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000');
        assert.strictEqual(registryOfImage('localhost/app'), 'localhost');
        assert.strictEqual(registryOfImage('registry.example.com/app@sha256:' + 'a'.repeat(64)), 'registry.example.com');
        assert.strictEqual(authConfigKey('docker.io'), 'https://index.docker.io/v1/');
        assert.strictEqual(authConfigKey('127.0.0.1:5000'), '127.0.0.1:5000');
        assert.throws(() => registryOfImage('Bad/Name'), /must be lowercase/);
    });

    it('encodes X-Registry-Auth as moby authconfig.Encode: JSON in field order, base64url with padding; {} when empty', () => {
        const header = encodeAuthHeader({ serveraddress: '127.0.0.1:5000', password: 'p?>', username: 'u' });
        assert.strictEqual(header, Buffer.from('{"username":"u","password":"p?>","serveraddress":"127.0.0.1:5000"}').toString('base64').replace(/\+/g, '-').replace(/\//g, '_'));
        assert.ok(!/[+/]/.test(header));
        assert.deepStrictEqual(decodeAuthHeader(header), { username: 'u', password: 'p?>', serveraddress: '127.0.0.1:5000' });
        assert.strictEqual(encodeAuthHeader({}), 'e30=');
        assert.strictEqual(encodeAuthHeader({ identitytoken: 'tok', serveraddress: 'r' }), Buffer.from('{"serveraddress":"r","identitytoken":"tok"}').toString('base64'));
    });

    it('reads auths: base64 auth wins over username/password, the key becomes serveraddress, legacy URL keys match by host', () => {
        const config = parseDockerConfig(
            JSON.stringify({
                auths: {
                    '127.0.0.1:5000': { auth: b64('alice:s3cret:with:colons\0') },
                    'https://legacy.example.com/v1/': { username: 'bob', password: 'pw' },
                    'tok.example.com': { identitytoken: 'idt' },
                },
            }),
            '/cfg/config.json',
        );
        assert.deepStrictEqual(config.auths.get('127.0.0.1:5000'), { username: 'alice', password: 's3cret:with:colons', serveraddress: '127.0.0.1:5000' });
        assert.deepStrictEqual(config.auths.get('tok.example.com'), { identitytoken: 'idt', serveraddress: 'tok.example.com' });
        assert.throws(() => parseDockerConfig('{"auths":{"r:1":{"auth":"bm9jb2xvbg=="}}}', '/cfg/config.json'), (e: Error) => e instanceof RegistryCredentialsError && /r:1 in \/cfg\/config\.json/.test(e.message) && /docker login r:1/.test(e.message));
        assert.throws(() => parseDockerConfig('{not json', '/cfg/config.json'), /\/cfg\/config\.json is not valid JSON/);
    });

    it('looks up auths, legacy keys, and no credentials (an empty config, as the CLI sends)', async () => {
        const { io, calls } = fakeIo({
            '/home/me/.docker/config.json': JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('u:p') }, 'https://index.docker.io/v1/': { auth: b64('hub:pw') }, 'http://old.example.com:8080/v2/': { auth: b64('o:q') } } }),
        });
        assert.deepStrictEqual((await lookupCredentials('127.0.0.1:5000', io)).config, { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
        assert.deepStrictEqual((await lookupCredentials('docker.io', io)).config, { username: 'hub', password: 'pw', serveraddress: 'https://index.docker.io/v1/' });
        assert.strictEqual((await lookupCredentials('old.example.com:8080', io)).config.username, 'o');
        const none = await lookupCredentials('other.example.com', io);
        assert.deepStrictEqual([none.config, none.source], [{}, 'none']);
        assert.strictEqual(calls.length, 0);
        const empty = fakeIo({});
        assert.deepStrictEqual((await lookupCredentials('r.example.com', empty.io)).config, {});
    });

    it('asks credHelpers[registry] before credsStore, with the server address on stdin; "<token>" is an identity token', async () => {
        const { io, calls } = fakeIo(
            { '/home/me/.docker/config.json': JSON.stringify({ credsStore: 'desktop', credHelpers: { '127.0.0.1:5000': 'pass' }, auths: { '127.0.0.1:5000': {} } }) },
            {
                'docker-credential-pass': (input) => ({ exitCode: 0, stdout: JSON.stringify({ ServerURL: input, Username: 'alice', Secret: 'from-pass' }) }),
                'docker-credential-desktop': (input) => ({ exitCode: 0, stdout: JSON.stringify({ ServerURL: input, Username: '<token>', Secret: 'idtoken' }) }),
            },
        );
        const local = await lookupCredentials('127.0.0.1:5000', io);
        assert.deepStrictEqual(local.config, { serveraddress: '127.0.0.1:5000', username: 'alice', password: 'from-pass' });
        assert.strictEqual(local.source, 'docker-credential-pass');
        const hub = await lookupCredentials('docker.io', io);
        assert.deepStrictEqual(hub.config, { identitytoken: 'idtoken', serveraddress: 'https://index.docker.io/v1/' });
        assert.deepStrictEqual(calls, [
            { program: 'docker-credential-pass', args: ['get'], input: '127.0.0.1:5000' },
            { program: 'docker-credential-desktop', args: ['get'], input: 'https://index.docker.io/v1/' },
        ]);
    });

    it('a helper with nothing stored is no credentials; a missing, failing or silent helper is one sentence naming it', async () => {
        const config = { '/home/me/.docker/config.json': JSON.stringify({ credsStore: 'secretservice' }) };
        const notStored = fakeIo(config, { 'docker-credential-secretservice': () => ({ exitCode: 1, stdout: 'credentials not found in native keychain\n' }) });
        assert.deepStrictEqual((await lookupCredentials('r.example.com', notStored.io)).config, {});

        const missing = fakeIo(config);
        await assert.rejects(lookupCredentials('r.example.com', missing.io), (e: Error) =>
            e instanceof RegistryCredentialsError && /docker-credential-secretservice .*not installed or not on the PATH/.test(e.message) && /docker login r\.example\.com/.test(e.message) && /\/home\/me\/\.docker\/config\.json/.test(e.message),
        );
        const failing = fakeIo(config, { 'docker-credential-secretservice': () => ({ exitCode: 1, stdout: 'dbus: no session bus' }) });
        await assert.rejects(lookupCredentials('r.example.com', failing.io), /failed for r\.example\.com \(dbus: no session bus\): log in again with docker login r\.example\.com/);
        const silent = fakeIo(config, { 'docker-credential-secretservice': () => ({ stdout: '', failure: 'timeout' }) });
        await assert.rejects(lookupCredentials('r.example.com', silent.io, { helperTimeoutMs: 2000 }), /did not answer within 2 s for r\.example\.com/);
        const garbage = fakeIo(config, { 'docker-credential-secretservice': () => ({ exitCode: 0, stdout: 'hello' }) });
        await assert.rejects(lookupCredentials('r.example.com', garbage.io), /not JSON/);
    });

    it('DOCKER_AUTH_CONFIG comes first and falls back to the file', async () => {
        const { io } = fakeIo(
            { '/home/me/.docker/config.json': JSON.stringify({ auths: { 'b.example.com': { auth: b64('file:pw') } } }) },
            {},
            { envAuthConfig: JSON.stringify({ auths: { 'a.example.com': { auth: b64('env:pw') } } }) },
        );
        assert.strictEqual((await lookupCredentials('a.example.com', io)).source, 'DOCKER_AUTH_CONFIG');
        assert.strictEqual((await lookupCredentials('a.example.com', io)).config.username, 'env');
        assert.strictEqual((await lookupCredentials('b.example.com', io)).config.username, 'file');
    });

    it('the auth source asks once per registry and encodes the header', async () => {
        const { io, calls } = fakeIo(
            { '/home/me/.docker/config.json': JSON.stringify({ credsStore: 'x' }) },
            { 'docker-credential-x': (input) => ({ exitCode: 0, stdout: JSON.stringify({ Username: 'u', Secret: `s-${input}` }) }) },
        );
        const source = registryAuthSource(io);
        const [a, b] = await Promise.all([source.authHeaderFor('127.0.0.1:5000/a:1'), source.authHeaderFor('127.0.0.1:5000/b@sha256:' + 'c'.repeat(64))]);
        assert.strictEqual(a, b);
        assert.deepStrictEqual(decodeAuthHeader(a), { username: 'u', password: 's-127.0.0.1:5000', serveraddress: '127.0.0.1:5000' });
        assert.strictEqual(calls.length, 1);
        assert.strictEqual(source.describe('127.0.0.1:5000/a:1'), 'docker-credential-x');
    });

    describe('with a real helper program on PATH (node-io)', () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-creds-'));
            const write = (name: string, body: string) => fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
            fs.mkdirSync(path.join(dir, 'bin'));
            fs.mkdirSync(path.join(dir, 'cfg'));
            write('docker-credential-good', 'read server; printf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$server"');
            write('docker-credential-slow', 'sleep 30');
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const envWith = (config: object) => {
            fs.writeFileSync(path.join(dir, 'cfg', 'config.json'), JSON.stringify(config));
            return { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, DOCKER_CONFIG: path.join(dir, 'cfg'), HOME: dir };
        };

        it('runs docker-credential-<name> get with the server address on stdin', async () => {
            const io = nodeCredentialsIo(envWith({ credHelpers: { '127.0.0.1:5000': 'good' } }));
            assert.strictEqual(io.configDir, path.join(dir, 'cfg'));
            const found = await lookupCredentials('127.0.0.1:5000', io);
            assert.deepStrictEqual(found.config, { serveraddress: '127.0.0.1:5000', username: 'helper-user', password: 'helper-secret' });
        });

        it('a helper that does not answer is stopped after the bound', async () => {
            const io = nodeCredentialsIo(envWith({ credsStore: 'slow' }));
            const started = Date.now();
            await assert.rejects(lookupCredentials('r.example.com', io, { helperTimeoutMs: 400 }), /docker-credential-slow .*did not answer within 400 ms for r\.example\.com/);
            assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
        });

        it('a helper that is not installed is named', async () => {
            const io = nodeCredentialsIo(envWith({ credsStore: 'nowhere' }));
            await assert.rejects(lookupCredentials('r.example.com', io), /docker-credential-nowhere \(configured in .*config\.json\) is not installed or not on the PATH/);
        });

        it('DOCKER_CONFIG with no config.json means no credentials', async () => {
            const io = nodeCredentialsIo({ PATH: '/usr/bin:/bin', DOCKER_CONFIG: path.join(dir, 'missing'), HOME: dir });
            assert.deepStrictEqual((await lookupCredentials('r.example.com', io)).config, {});
        });
    });
});

describe('registry failures in one sentence', () => {
    it('classifies what Engine 20.10 says for a wrong password, no login, a registry that is down, a missing tag', () => {
        assert.strictEqual(classifyRegistryFailure('unauthorized: authentication required', 401), 'unauthorized');
        assert.strictEqual(classifyRegistryFailure('unauthorized: authentication required'), 'unauthorized');
        assert.strictEqual(classifyRegistryFailure('denied: requested access to the resource is denied'), 'unauthorized');
        assert.strictEqual(classifyRegistryFailure('Head "http://127.0.0.1:5000/v2/a/manifests/1": no basic auth credentials', 500), 'noCredentials');
        assert.strictEqual(classifyRegistryFailure('Get "http://127.0.0.1:5056/v2/": dial tcp 127.0.0.1:5056: connect: connection refused', 500), 'unreachable');
        assert.strictEqual(classifyRegistryFailure('dial tcp: lookup registry-1.docker.io: no such host'), 'unreachable');
        assert.strictEqual(classifyRegistryFailure('manifest unknown: manifest unknown'), 'notFound');
        assert.strictEqual(classifyRegistryFailure('something else entirely'), 'other');
    });

    it('names the registry and how to log in', () => {
        const wrong = registryFailureMessage('unauthorized', 'unauthorized: authentication required', { registry: '127.0.0.1:5000', image: '127.0.0.1:5000/app:1', operation: 'push' });
        assert.strictEqual(wrong, 'The registry 127.0.0.1:5000 refused the credentials for the push of 127.0.0.1:5000/app:1 (unauthorized: authentication required): log in with `docker login 127.0.0.1:5000` and try again.');
        const down = registryFailureMessage('unreachable', 'connection refused', { registry: '127.0.0.1:5056', image: '127.0.0.1:5056/app:1', operation: 'resolve', engine: 'unix:///var/run/docker.sock' });
        assert.match(down, /^The registry 127\.0\.0\.1:5056 cannot be reached from the Docker engine at unix:\/\/\/var\/run\/docker\.sock for the digest of 127\.0\.0\.1:5056\/app:1 \(connection refused\): .*`docker login 127\.0\.0\.1:5056`/);
        const hub = registryFailureMessage('noCredentials', 'no basic auth credentials', { registry: 'docker.io', image: 'me/app:1', operation: 'push' });
        assert.match(hub, /Docker Hub \(docker\.io\).*log in with `docker login` and/);
        for (const text of [wrong, down, hub]) assert.strictEqual(text.split(/\.\s+[A-Z]/).length, 1, `one sentence: ${text}`);
    });
});
