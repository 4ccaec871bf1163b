/**
 * Image push: DockerClient.pushImage on the wire against a fake daemon (path, tag, X-Registry-Auth, an error
 * inside the stream, cancellation), and the push routine over a scripted engine (digest, progress, registry
 * errors in one sentence, a registry that stops answering half-way, cancellation).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

import { CancelledError } from '../../src/core/cancellation';
import { RegistryError } from '../../src/core/registry/errors';
import { pushImage, pushReference, summarizeLayers, type PushEngine, type PushMessage } from '../../src/core/registry/push';
import { DockerClient } from '../../src/docker/client';
import { DockerError } from '../../src/docker/errors';

const DIGEST = `sha256:${'3970e6b1'.repeat(8)}`;

/** Messages as Engine 20.10 sends them for a push of 127.0.0.1:5000/app:1 (recorded against a real registry). */
const SUCCESS: PushMessage[] = [
    { status: 'The push refers to repository [127.0.0.1:5000/app]' },
    { status: 'Preparing', progressDetail: {}, id: 'cf569b00e868' },
    { status: 'Preparing', progressDetail: {}, id: '0a1b2c3d4e5f' },
    { status: 'Layer already exists', progressDetail: {}, id: '0a1b2c3d4e5f' },
    { status: 'Pushing', progressDetail: { current: 526336, total: 18825054 }, id: 'cf569b00e868' },
    { status: 'Pushing', progressDetail: { current: 18862080, total: 18825054 }, id: 'cf569b00e868' },
    { status: 'Pushed', progressDetail: {}, id: 'cf569b00e868' },
    { status: `1: digest: ${DIGEST} size: 528` },
    { progressDetail: {}, aux: { Tag: '1', Digest: DIGEST, Size: 528 } },
];

/** A scripted engine: yields `messages` with `gapMs` between them, honours the signal, records the call. */
function scriptedEngine(messages: PushMessage[] | ((signal: AbortSignal) => AsyncIterableIterator<PushMessage>), gapMs = 0) {
    const calls: { image: string; params: { tag?: string; authHeader?: string }; signal?: AbortSignal }[] = [];
    const engine: PushEngine = {
        endpoint: { url: 'unix:///var/run/docker.sock' },
        async pushImage(image, params, signal) {
            calls.push({ image, params, signal });
            if (typeof messages === 'function') return messages(signal!);
            return (async function* () {
                for (const m of messages) {
                    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
                    if (signal?.aborted) return;
                    yield m;
                }
            })();
        },
    };
    return { engine, calls };
}

describe('push (docker/cli cli/command/image/push.go)', () => {
    it('normalises the reference as docker push does: :latest added, a digest refused', () => {
        assert.deepStrictEqual(pushReference('127.0.0.1:5000/app'), { image: '127.0.0.1:5000/app:latest', registry: '127.0.0.1:5000', name: '127.0.0.1:5000/app', tag: 'latest', tagDefaulted: true });
        assert.deepStrictEqual(pushReference('docker.io/library/nginx:1.25'), { image: 'nginx:1.25', registry: 'docker.io', name: 'nginx', tag: '1.25', tagDefaulted: false });
        assert.throws(() => pushReference(`app@${DIGEST}`), /cannot push a digest reference/);
    });

    it('resolves with the digest and reports progress per layer', async () => {
        const { engine, calls } = scriptedEngine(SUCCESS);
        const summaries: string[] = [];
        const lines: string[] = [];
        const result = await pushImage(engine, '127.0.0.1:5000/app:1', {
            authHeader: 'e30=',
            onProgress: (p) => (p.line ? lines.push(p.line) : summaries.push(p.summary)),
        });
        assert.deepStrictEqual(calls.map((c) => [c.image, c.params]), [['127.0.0.1:5000/app', { tag: '1', authHeader: 'e30=' }]]);
        assert.strictEqual(result.digest, DIGEST);
        assert.strictEqual(result.pinned, `127.0.0.1:5000/app:1@${DIGEST}`);
        assert.strictEqual(result.size, 528);
        assert.deepStrictEqual(result.layers.map((l) => [l.id, l.state]), [['cf569b00e868', 'pushed'], ['0a1b2c3d4e5f', 'exists']]);
        assert.strictEqual(summaries.at(-1), '2/2 layers, 18.8 MB of 18.8 MB');
        assert.strictEqual(summaries[3], '1/2 layers, 0.5 MB of 18.8 MB');
        assert.deepStrictEqual(lines, ['The push refers to repository [127.0.0.1:5000/app]', `1: digest: ${DIGEST} size: 528`]);
    });

    it('a wrong password inside the stream becomes one sentence naming the registry and docker login', async () => {
        const { engine } = scriptedEngine(async function* () {
            yield { status: 'Preparing', id: 'cf569b00e868' };
            throw new DockerError('daemon', 'Error response from daemon: unauthorized: authentication required', {
                endpoint: 'unix:///var/run/docker.sock',
                daemonMessage: 'unauthorized: authentication required',
            });
        });
        await assert.rejects(pushImage(engine, '127.0.0.1:5000/app:1'), (e: Error) => {
            assert.ok(e instanceof RegistryError);
            assert.strictEqual(e.kind, 'unauthorized');
            assert.strictEqual(e.message, 'The registry 127.0.0.1:5000 refused the credentials for the push of 127.0.0.1:5000/app:1 (unauthorized: authentication required): log in with `docker login 127.0.0.1:5000` and try again.');
            return true;
        });
    });

    it('a registry that stops answering half-way is given up after the bound, saying what got there', async () => {
        const { engine, calls } = scriptedEngine(async function* (signal) {
            yield { status: 'Preparing', id: 'aaa' };
            yield { status: 'Preparing', id: 'bbb' };
            yield { status: 'Pushed', id: 'aaa' };
            yield { status: 'Pushing', id: 'bbb', progressDetail: { current: 1000, total: 5000 } };
            // The engine's retry countdown, once a second in reality; it never gets anywhere.
            for (let i = 0; i < 1000 && !signal.aborted; i++) {
                yield { status: `Retrying in ${5 - (i % 5)} seconds`, id: 'bbb' };
                await new Promise((r) => setTimeout(r, 20));
            }
        });
        const started = Date.now();
        await assert.rejects(pushImage(engine, '127.0.0.1:5000/app:1', { retryBoundMs: 300 }), (e: Error) => {
            assert.ok(e instanceof RegistryError, String(e));
            assert.strictEqual(e.kind, 'stalled');
            assert.match(e.message, /^The registry 127\.0\.0\.1:5000 stopped answering half-way through the push of 127\.0\.0\.1:5000\/app:1 /);
            assert.match(e.message, /1 of 2 layers had reached the registry and the tag 1 was not pushed/);
            assert.match(e.message, /push again/);
            return true;
        });
        assert.ok(Date.now() - started < 2000, `bounded: ${Date.now() - started} ms`);
        assert.strictEqual(calls[0].signal?.aborted, true, 'the connection to the engine was closed, so it stops the push');
    });

    it('an engine that goes silent is given up after the idle bound', async () => {
        const { engine } = scriptedEngine(async function* (signal) {
            yield { status: 'Preparing', id: 'aaa' };
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        });
        await assert.rejects(pushImage(engine, '127.0.0.1:5000/app:1', { idleTimeoutMs: 200 }), /The registry 127\.0\.0\.1:5000 cannot be reached from the Docker engine at unix:\/\/\/var\/run\/docker\.sock for the push of 127\.0\.0\.1:5000\/app:1 \(no progress from the engine for 200 ms\); the push was stopped: 0 of 1 layers had reached the registry and the tag 1 was not pushed/);
    });

    it('cancelling stops the push and is not an error', async () => {
        const controller = new AbortController();
        const { engine, calls } = scriptedEngine(SUCCESS, 50);
        setTimeout(() => controller.abort(), 120);
        await assert.rejects(pushImage(engine, '127.0.0.1:5000/app:1', { signal: controller.signal }), CancelledError);
        assert.strictEqual(calls[0].signal?.aborted, true);
    });

    it('an image that is not on the engine says so', async () => {
        const { engine } = scriptedEngine(async function* () {
            throw new DockerError('notFound', 'Error response from daemon: An image does not exist locally with the tag: 127.0.0.1:5000/nope', {
                endpoint: 'unix:///var/run/docker.sock',
                statusCode: 404,
                daemonMessage: 'An image does not exist locally with the tag: 127.0.0.1:5000/nope',
            });
        });
        await assert.rejects(pushImage(engine, '127.0.0.1:5000/nope:1'), /There is no image 127\.0\.0\.1:5000\/nope:1 on the Docker engine at unix:\/\/\/var\/run\/docker\.sock to push: build or tag it first/);
    });

    it('summarises layers', () => {
        assert.strictEqual(summarizeLayers([]), '0/0 layers');
        assert.strictEqual(summarizeLayers([{ id: 'a', state: 'retrying', status: 'Retrying in 5 seconds', current: 10, total: 2_000_000 }]), '0/1 layers, 0.0 MB of 2.0 MB (retrying)');
    });
});

describe('DockerClient.pushImage on the wire (fake daemon)', () => {
    let dir: string;
    let server: http.Server;
    let client: DockerClient;
    let seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
    let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-push-'));
        const socketPath = path.join(dir, 'docker.sock');
        seen = [];
        server = http.createServer((req, res) => {
            req.resume();
            req.on('end', () => {
                // The ping that negotiates the API version, answered as Engine 20.10 does.
                if (req.url === '/_ping') {
                    res.writeHead(200, { 'Api-Version': '1.41' }).end();
                    return;
                }
                seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
                handler(req, res);
            });
        });
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
        client = new DockerClient({ source: 'setting', url: `unix://${socketPath}`, protocol: 'unix', socketPath }, { timeoutMs: 2000 });
    });

    afterEach(async () => {
        client.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const stream = (res: http.ServerResponse, messages: PushMessage[]) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        for (const m of messages) res.write(`${JSON.stringify(m)}\r\n`);
        res.end();
    };

    it('POSTs /images/{repository}/push?tag= with X-Registry-Auth and yields the progress', async () => {
        handler = (_req, res) => stream(res, SUCCESS);
        const messages: PushMessage[] = [];
        for await (const m of await client.pushImage('127.0.0.1:5000/team/app', { tag: '1', authHeader: 'eyJ1c2VybmFtZSI6InUifQ==' })) messages.push(m);
        assert.deepStrictEqual(messages, SUCCESS);
        assert.strictEqual(seen[0].method, 'POST');
        assert.match(seen[0].url, /^\/v1\.41\/images\/127\.0\.0\.1:5000\/team\/app\/push\?tag=1$/);
        assert.strictEqual(seen[0].headers['x-registry-auth'], 'eyJ1c2VybmFtZSI6InUifQ==');
    });

    it('an error inside the stream is a DockerError with the engine message', async () => {
        handler = (_req, res) =>
            stream(res, [
                { status: 'The push refers to repository [127.0.0.1:5000/app]' },
                { errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' },
            ]);
        const messages: PushMessage[] = [];
        await assert.rejects(
            (async () => {
                for await (const m of await client.pushImage('127.0.0.1:5000/app', { tag: '1' })) messages.push(m);
            })(),
            (e: Error) => e instanceof DockerError && e.daemonMessage === 'unauthorized: authentication required',
        );
        assert.strictEqual(messages.length, 1);
        assert.strictEqual(seen[0].headers['x-registry-auth'], undefined);
    });

    it('aborting ends the stream without an error and closes the connection', async () => {
        let closed = false;
        handler = (req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.write(`${JSON.stringify({ status: 'Preparing', id: 'a' })}\n`);
            req.socket.on('close', () => (closed = true));
        };
        const controller = new AbortController();
        const messages: PushMessage[] = [];
        const iterable = await client.pushImage('127.0.0.1:5000/app', { tag: '1' }, controller.signal);
        setTimeout(() => controller.abort(), 100);
        for await (const m of iterable) messages.push(m);
        assert.strictEqual(messages.length, 1);
        await new Promise((r) => setTimeout(r, 100));
        assert.ok(closed, 'the connection was closed');
    });
});
