/**
 * The Engine API version: chosen as the Docker CLI 28.2.2 chooses it (src/docker/api-version.ts), put on every
 * path but the ping's by the client (a fake daemon on a unix socket records what arrives), and the fields an
 * engine stores at each version (src/core/api-version.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';

import { asStoredAtApiVersion, compareApiVersions, parseApiVersion } from '../../src/core/api-version';
import type { ServiceSpec } from '../../src/core/specs';
import { negotiatedApiVersion, NEWEST_API_VERSION, OLDEST_API_VERSION, pinnedApiVersion } from '../../src/docker/api-version';
import { DockerClient } from '../../src/docker/client';
import { DockerError } from '../../src/docker/errors';

const URL = 'unix:///var/run/docker.sock';

describe('Engine API versions', () => {
    it('are read as 1.NN and compared as numbers', () => {
        assert.strictEqual(parseApiVersion(' v1.041 '), '1.41');
        assert.strictEqual(parseApiVersion('1.50'), '1.50');
        assert.strictEqual(parseApiVersion('latest'), undefined);
        assert.strictEqual(parseApiVersion('1'), undefined);
        assert.ok(compareApiVersions('1.9', '1.41') < 0);
        assert.ok(compareApiVersions('1.100', '1.50') > 0);
        assert.strictEqual(compareApiVersions('1.45', '1.45'), 0);
    });

    it('negotiate to the lower of the engine’s and 1.50, the version the Docker CLI 28.2.2 speaks', () => {
        assert.strictEqual(NEWEST_API_VERSION, '1.50');
        assert.strictEqual(negotiatedApiVersion('1.51', URL), '1.50'); // Docker 28.5
        assert.strictEqual(negotiatedApiVersion('1.52', URL), '1.50'); // Docker 29
        assert.strictEqual(negotiatedApiVersion('1.45', URL), '1.45'); // Docker 26.1
        assert.strictEqual(negotiatedApiVersion('1.41', URL), '1.41'); // Docker 20.10
    });

    it('refuse an engine below the oldest supported version in one sentence naming both', () => {
        assert.strictEqual(OLDEST_API_VERSION, '1.41');
        assert.throws(
            () => negotiatedApiVersion('1.40', URL),
            (e: DockerError) =>
                e.kind === 'unsupportedApiVersion' &&
                e.message === `Docker at ${URL} speaks Engine API 1.40, but Swarm Stacks needs Engine API 1.41 (Docker 20.10) or newer.`,
        );
        assert.throws(
            () => negotiatedApiVersion(undefined, URL),
            (e: DockerError) =>
                e.kind === 'unsupportedApiVersion' &&
                e.message === `Docker at ${URL} answered /_ping with no Api-Version header, which every engine since Docker 1.13 sends. Is ${URL} a Docker engine (and not a proxy or another server)?`,
        );
    });

    it('DOCKER_API_VERSION pins the version as the CLI reads it; unusable values are errors naming them', () => {
        assert.strictEqual(pinnedApiVersion(undefined, URL), undefined);
        assert.strictEqual(pinnedApiVersion('', URL), undefined);
        assert.strictEqual(pinnedApiVersion('v1.45', URL), '1.45');
        assert.strictEqual(pinnedApiVersion('1.51', URL), '1.51');
        assert.throws(() => pinnedApiVersion('1.40', URL), /^DockerError: DOCKER_API_VERSION asks for Engine API 1\.40, but Swarm Stacks needs Engine API 1\.41 \(Docker 20\.10\) or newer\.$/);
        assert.throws(() => pinnedApiVersion('latest', URL), (e: DockerError) => e.kind === 'invalidEndpoint' && e.message.startsWith('DOCKER_API_VERSION is "latest", which is not an Engine API version'));
    });

    it('an engine stores a field only from the API version of the request that introduced it (moby adjustForAPIVersion)', () => {
        const sent: ServiceSpec = {
            Name: 'prod_web',
            TaskTemplate: {
                ContainerSpec: {
                    Image: 'web:1',
                    OomScoreAdj: 100,
                    Healthcheck: { Test: ['CMD', 'true'], StartInterval: 1e9 },
                    Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false, Seccomp: { Mode: 'default' }, AppArmor: { Mode: 'default' } },
                    Mounts: [{ Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024, Options: [['exec']] } }],
                },
            },
        };
        const before = JSON.stringify(sent);
        assert.strictEqual(asStoredAtApiVersion(sent, '1.50'), sent);
        assert.strictEqual(asStoredAtApiVersion(sent, '1.46'), sent);
        const at145 = asStoredAtApiVersion(sent, '1.45').TaskTemplate.ContainerSpec!;
        assert.strictEqual(at145.OomScoreAdj, undefined);
        assert.deepStrictEqual(at145.Mounts, [{ Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024 } }]);
        assert.strictEqual(at145.Healthcheck!.StartInterval, 1e9);
        assert.deepStrictEqual(at145.Privileges!.Seccomp, { Mode: 'default' });
        const at141 = asStoredAtApiVersion(sent, '1.41').TaskTemplate.ContainerSpec!;
        assert.deepStrictEqual(at141.Healthcheck, { Test: ['CMD', 'true'] });
        assert.deepStrictEqual(at141.Privileges, { CredentialSpec: null, SELinuxContext: null });
        assert.strictEqual(JSON.stringify(sent), before, 'the spec given is left alone');
    });
});

interface Arrived {
    method: string;
    url: string;
    registryConfig?: string;
}

/** How the fake answers `/_ping`: status and Api-Version header per method (a missing method is answered 404). */
type PingAnswers = Partial<Record<'HEAD' | 'GET', { status: number; apiVersion?: string }>>;

describe('DockerClient speaks the negotiated API version (fake daemon)', () => {
    let dir: string;
    let socketPath: string;
    let server: http.Server;
    let arrived: Arrived[];
    let ping: PingAnswers;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-api-'));
        socketPath = path.join(dir, 'docker.sock');
        arrived = [];
        ping = { HEAD: { status: 200, apiVersion: '1.51' }, GET: { status: 200, apiVersion: '1.51' } };
        server = http.createServer((req, res) => {
            req.resume();
            req.on('end', () => {
                const registryConfig = req.headers['x-registry-config'];
                arrived.push({ method: req.method ?? '', url: req.url ?? '', ...(typeof registryConfig === 'string' ? { registryConfig } : {}) });
                if (req.url === '/_ping') {
                    const answer = ping[req.method as 'HEAD' | 'GET'];
                    res.writeHead(answer?.status ?? 404, answer?.apiVersion ? { 'Api-Version': answer.apiVersion } : {});
                    res.end(req.method === 'HEAD' ? undefined : 'OK');
                } else if (req.url?.startsWith('/v1.50/events') || req.url?.startsWith('/v1.50/build')) {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end('{"Type":"service","Action":"create","Actor":{"ID":"s","Attributes":{}},"time":1}\n');
                } else {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end(req.url?.includes('/info') ? '{"Swarm":{}}' : '[]');
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    });

    afterEach(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function client(env: NodeJS.ProcessEnv = {}): DockerClient {
        return new DockerClient({ source: 'setting', url: `unix://${socketPath}`, protocol: 'unix', socketPath }, { timeoutMs: 2000, env });
    }

    const requests = (): string[] => arrived.map((a) => `${a.method} ${a.url}`);

    it('pings once (HEAD /_ping), then sends every request, streams included, as /v1.50/ to an API 1.51 engine', async () => {
        const engine = client();
        // The first requests of a client go together: they share the one ping.
        await Promise.all([engine.info(), engine.listServices(), engine.listNetworks()]);
        for await (const e of await engine.events()) assert.strictEqual(e.Action, 'create');
        for await (const m of await engine.buildImage(Readable.from([Buffer.from('tar')]), { t: ['a:1'], registryConfig: 'e30=' })) assert.ok(m);
        assert.strictEqual(await engine.apiVersion(), '1.50');
        const sent = requests();
        assert.strictEqual(sent[0], 'HEAD /_ping');
        assert.deepStrictEqual(sent.slice(1).filter((r) => !/^[A-Z]+ \/v1\.50\//.test(r)), []);
        assert.deepStrictEqual(sent.slice(1).sort(), ['GET /v1.50/events', 'GET /v1.50/info', 'GET /v1.50/networks', 'GET /v1.50/services', 'POST /v1.50/build?t=a%3A1&version=1']);
        // The classic builder, with the credentials as docker build sends them.
        assert.deepStrictEqual(arrived.filter((a) => a.registryConfig !== undefined).map((a) => a.registryConfig), ['e30=']);
    });

    it('speaks the engine’s version when it is older than 1.50', async () => {
        ping = { HEAD: { status: 200, apiVersion: '1.45' } };
        const engine = client();
        await engine.listServices();
        assert.deepStrictEqual(requests(), ['HEAD /_ping', 'GET /v1.45/services']);
    });

    it('asks with GET /_ping when the HEAD is answered with another status, as the Docker CLI does', async () => {
        ping = { HEAD: { status: 405 }, GET: { status: 200, apiVersion: '1.41' } };
        const engine = client();
        await engine.listServices();
        assert.deepStrictEqual(requests(), ['HEAD /_ping', 'GET /_ping', 'GET /v1.41/services']);
    });

    it('takes the version of a HEAD answered 500 (an unhealthy daemon still says its version)', async () => {
        ping = { HEAD: { status: 500, apiVersion: '1.44' } };
        const engine = client();
        await engine.listServices();
        assert.deepStrictEqual(requests(), ['HEAD /_ping', 'GET /v1.44/services']);
    });

    it('DOCKER_API_VERSION pins the version: no negotiation', async () => {
        const engine = client({ DOCKER_API_VERSION: '1.45' });
        await engine.listServices();
        assert.strictEqual(await engine.apiVersion(), '1.45');
        assert.deepStrictEqual(requests(), ['GET /v1.45/services']);
    });

    it('an unusable DOCKER_API_VERSION fails every request with its sentence, sending nothing', async () => {
        const engine = client({ DOCKER_API_VERSION: '1.30' });
        await assert.rejects(engine.listServices(), /^DockerError: DOCKER_API_VERSION asks for Engine API 1\.30, but Swarm Stacks needs Engine API 1\.41 \(Docker 20\.10\) or newer\.$/);
        await assert.rejects(engine.events(), /DOCKER_API_VERSION asks for Engine API 1\.30/);
        assert.deepStrictEqual(requests(), []);
    });

    it('an engine older than API 1.41 fails each request with one sentence naming both versions; nothing else is sent', async () => {
        ping = { HEAD: { status: 200, apiVersion: '1.40' } };
        const engine = client();
        const expected = `Docker at unix://${socketPath} speaks Engine API 1.40, but Swarm Stacks needs Engine API 1.41 (Docker 20.10) or newer.`;
        await assert.rejects(engine.info(), (e: DockerError) => e.kind === 'unsupportedApiVersion' && e.message === expected);
        await assert.rejects(engine.ping(), (e: DockerError) => e.message === expected);
        assert.deepStrictEqual(requests(), ['HEAD /_ping', 'HEAD /_ping']);
    });

    it('a ping that failed is made again by the next request', async () => {
        ping = { HEAD: { status: 503 }, GET: { status: 503 } };
        const engine = client();
        await assert.rejects(engine.listServices(), (e: DockerError) => e.statusCode === 503);
        ping = { HEAD: { status: 200, apiVersion: '1.41' } };
        await engine.listServices();
        assert.deepStrictEqual(requests(), ['HEAD /_ping', 'GET /_ping', 'HEAD /_ping', 'GET /v1.41/services']);
    });
});
