/**
 * DockerClient against a fake daemon on a unix socket: what goes on the wire (path, query, body,
 * headers), how answers and failures come back, timeouts and cancellation. No Docker needed.
 * The fake answers the ping that negotiates the API version itself (as API 1.41) and records the other requests
 * with their `/v1.41` prefix taken off; a request without it is answered 400 and fails the test
 * (test/unit/docker-api-version.test.ts tests the negotiation).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

import { CancelledError } from '../../src/core/cancellation';
import type { ServiceSpec } from '../../src/core/specs';
import { DockerClient } from '../../src/docker/client';
import { DockerError } from '../../src/docker/errors';

interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

describe('DockerClient on the wire (fake daemon)', () => {
    let dir: string;
    let socketPath: string;
    let server: http.Server;
    let seen: Seen[];
    let unversioned: string[];
    let handler: Handler;
    let client: DockerClient;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-fake-'));
        socketPath = path.join(dir, 'docker.sock');
        seen = [];
        unversioned = [];
        handler = (_req, res) => jsonReply(res, 200, {});
        server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                const body = Buffer.concat(chunks).toString('utf8');
                const url = req.url ?? '';
                if (url === '/_ping') {
                    res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
                    res.end(req.method === 'HEAD' ? undefined : 'OK');
                    return;
                }
                if (!url.startsWith('/v1.41/')) {
                    unversioned.push(`${req.method} ${url}`);
                    jsonReply(res, 400, { message: `unversioned path ${url}` });
                    return;
                }
                req.url = url.slice('/v1.41'.length);
                seen.push({ method: req.method ?? '', url: req.url, headers: req.headers, body });
                handler(req, res, body);
            });
        });
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
        client = new DockerClient({ source: 'setting', url: `unix://${socketPath}`, protocol: 'unix', socketPath }, { timeoutMs: 2000 });
    });

    afterEach(async () => {
        assert.deepStrictEqual(unversioned, [], 'every request but the ping carries the API version');
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const spec: ServiceSpec = {
        Name: 'prod_web',
        Labels: { 'com.docker.stack.namespace': 'prod' },
        TaskTemplate: { ContainerSpec: { Image: 'web:1', Args: ['--port', '80'] } },
        Mode: { Replicated: { Replicas: 2 } },
    };

    it('updateService: version/rollback/registryAuthFrom in the query, the spec unchanged in the body', async () => {
        handler = (_req, res) => jsonReply(res, 200, { Warnings: ['w1'] });
        const result = await client.updateService('abc', 42, spec, { rollback: 'previous', registryAuthFrom: 'spec' });
        assert.deepStrictEqual(result, { warnings: ['w1'] });
        assert.strictEqual(seen.length, 1);
        assert.strictEqual(seen[0].method, 'POST');
        assert.strictEqual(seen[0].url, '/services/abc/update?version=42&rollback=previous&registryAuthFrom=spec');
        assert.deepStrictEqual(JSON.parse(seen[0].body), spec);
        assert.strictEqual(seen[0].headers['content-type'], 'application/json');
        assert.strictEqual(seen[0].headers['x-registry-auth'], undefined);
    });

    it('createService sends X-Registry-Auth exactly as given, and only when given', async () => {
        handler = (_req, res) => jsonReply(res, 201, { ID: 'svc1', Warnings: null });
        assert.deepStrictEqual(await client.createService(spec, { authHeader: 'eyJ1c2VybmFtZSI6ImEifQ' }), { id: 'svc1', warnings: [] });
        assert.strictEqual(seen[0].url, '/services/create');
        assert.strictEqual(seen[0].headers['x-registry-auth'], 'eyJ1c2VybmFtZSI6ImEifQ');
        assert.deepStrictEqual(JSON.parse(seen[0].body), spec);
        await client.createService(spec);
        assert.strictEqual(seen[1].headers['x-registry-auth'], undefined);
    });

    it('list filters go as JSON arrays; empty filters are left out', async () => {
        handler = (_req, res) => jsonReply(res, 200, []);
        await client.listServices({ label: ['com.docker.stack.namespace=prod'] }, { status: true });
        await client.listNetworks({ label: [] });
        await client.listTasks();
        const q = new URL(seen[0].url, 'http://x').searchParams;
        assert.deepStrictEqual(JSON.parse(q.get('filters') ?? ''), { label: ['com.docker.stack.namespace=prod'] });
        assert.strictEqual(q.get('status'), 'true');
        assert.strictEqual(seen[1].url, '/networks');
        assert.strictEqual(seen[2].url, '/tasks');
    });

    it('createNetwork: the request in the body, nothing in the query', async () => {
        handler = (_req, res) => jsonReply(res, 201, { Id: 'n1', Warning: '' });
        const request = {
            Name: 'prod_default', Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false,
            Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: { 'com.docker.stack.namespace': 'prod' },
        };
        assert.deepStrictEqual(await client.createNetwork(request), { id: 'n1' });
        assert.strictEqual(seen[0].url, '/networks/create');
        assert.deepStrictEqual(JSON.parse(seen[0].body), request);
    });

    it('distributionInspect keeps the image reference readable in the path', async () => {
        handler = (_req, res) => jsonReply(res, 200, { Descriptor: { digest: 'sha256:1' }, Platforms: [] });
        await client.distributionInspect('localhost:5000/a/b:1');
        assert.strictEqual(seen[0].url, '/distribution/localhost:5000/a/b:1/json');
    });

    it('swarm init/leave and build: bodies and query strings as the API expects', async () => {
        handler = (req, res) => (req.url?.startsWith('/swarm/init') ? jsonReply(res, 200, 'node-1') : jsonReply(res, 200, {}));
        assert.strictEqual(await client.init({ advertiseAddr: '127.0.0.1' }), 'node-1');
        assert.deepStrictEqual(JSON.parse(seen[0].body), { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '127.0.0.1' });
        await client.leave({ force: true });
        assert.strictEqual(seen[1].url, '/swarm/leave?force=true');
        assert.strictEqual(seen[1].body, '');

        handler = (_req, res) => {
            res.writeHead(200);
            res.end('{"stream":"Step 1/1 : FROM scratch\\n"}\r\n{"aux":{"ID":"sha256:abc"}}\n');
        };
        const { Readable } = await import('stream');
        const progress = [];
        for await (const p of await client.buildImage(Readable.from([Buffer.from('tar-bytes')]), { t: ['a:1', 'b:2'], dockerfile: 'Dockerfile.prod', buildargs: { X: '1' } })) {
            progress.push(p);
        }
        assert.deepStrictEqual(progress, [{ stream: 'Step 1/1 : FROM scratch\n' }, { aux: { ID: 'sha256:abc' } }]);
        const q = new URL(seen[2].url, 'http://x').searchParams;
        assert.deepStrictEqual(q.getAll('t'), ['a:1', 'b:2']);
        assert.strictEqual(q.get('dockerfile'), 'Dockerfile.prod');
        assert.deepStrictEqual(JSON.parse(q.get('buildargs') ?? ''), { X: '1' });
        assert.strictEqual(seen[2].body, 'tar-bytes');
        assert.strictEqual(seen[2].headers['content-type'], 'application/x-tar');
    });

    it('maps 503 "not a swarm manager", 409 and 404 to their kinds with the daemon message', async () => {
        const notManager = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
        handler = (_req, res) => jsonReply(res, 503, { message: notManager });
        await assert.rejects(client.listServices(), (e: DockerError) => e.kind === 'notSwarmManager' && e.message === `Error response from daemon: ${notManager}`);
        handler = (_req, res) => jsonReply(res, 409, { message: 'network with name x already exists' });
        await assert.rejects(client.createNetwork({} as never), (e: DockerError) => e.kind === 'conflict' && e.statusCode === 409);
        handler = (_req, res) => jsonReply(res, 404, { message: 'service x not found' });
        await assert.rejects(client.inspectService('x'), (e: DockerError) => e.kind === 'notFound' && e.message === 'Error response from daemon: service x not found');
    });

    it('a daemon that does not answer gives a timeout sentence after the timeout, not later', async () => {
        handler = () => undefined; // never answers
        const started = Date.now();
        await assert.rejects(client.info({ timeoutMs: 150 }), (e: DockerError) => {
            assert.strictEqual(e.kind, 'timeout');
            assert.strictEqual(e.message.startsWith(`Docker at unix://${socketPath} did not answer within 0.15 s.`), true, e.message);
            return true;
        });
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 140 && elapsed < 1000, `took ${elapsed} ms`);
    });

    it('aborting gives CancelledError quickly; an already aborted signal sends nothing', async () => {
        handler = () => undefined;
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(client.listServices(undefined, {}, { signal: controller.signal }), (e: unknown) => e instanceof CancelledError);
        assert.ok(Date.now() - started < 500);
        const before = seen.length;
        await assert.rejects(client.ping({ signal: controller.signal }), (e: unknown) => e instanceof CancelledError);
        assert.strictEqual(seen.length, before);
    });

    it('counts requests per method, the one ping that negotiates included', async () => {
        handler = (_req, res) => jsonReply(res, 200, []);
        await client.listServices();
        await client.listServices();
        await client.listTasks();
        assert.deepStrictEqual(client.callCount, { ping: 1, listServices: 2, listTasks: 1 });
        assert.strictEqual(client.totalCalls, 4);
        client.resetCallCount();
        assert.deepStrictEqual(client.callCount, {});
    });

    it('events: yields each message, ends cleanly on abort and closes the connection', async () => {
        let serverSide: http.ServerResponse | undefined;
        let closed = false;
        handler = (req, res) => {
            serverSide = res;
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.write(JSON.stringify(event('create')) + '\n' + JSON.stringify(event('update')).slice(0, 10));
            setTimeout(() => res.write(JSON.stringify(event('update')).slice(10) + '\n'), 20);
            req.socket.on('close', () => (closed = true));
        };
        const controller = new AbortController();
        const events = await client.events({ filters: { type: ['service'] } }, controller.signal);
        const actions: string[] = [];
        for await (const e of events) {
            actions.push(e.Action);
            if (actions.length === 2) controller.abort();
        }
        assert.deepStrictEqual(actions, ['create', 'update']);
        assert.ok(serverSide);
        await waitUntil(() => closed);
        assert.match(seen[0].url, /^\/events\?filters=/);
    });

    it('events: breaking out of the loop closes the connection too', async () => {
        let closed = false;
        handler = (req, res) => {
            res.writeHead(200);
            res.write(JSON.stringify(event('create')) + '\n');
            req.socket.on('close', () => (closed = true));
        };
        for await (const e of await client.events()) {
            assert.strictEqual(e.Action, 'create');
            break;
        }
        await waitUntil(() => closed);
    });

    it('logs: demultiplexes stdout/stderr frames split across writes into lines', async () => {
        handler = (_req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
            const all = Buffer.concat([frame(1, 'hello\nwor'), frame(2, 'oops\n'), frame(1, 'ld\r\n'), frame(1, 'tail')]);
            res.write(all.subarray(0, 5));
            res.write(all.subarray(5, 20));
            res.end(all.subarray(20));
        };
        const lines: string[] = [];
        for await (const line of await client.serviceLogs('s1', { tail: 10, timestamps: true })) {
            lines.push(line as string);
        }
        assert.deepStrictEqual(lines, ['hello', 'oops', 'world', 'tail']);
        const q = new URL(seen[0].url, 'http://x').searchParams;
        assert.strictEqual(q.get('tail'), '10');
        assert.strictEqual(q.get('timestamps'), 'true');
        assert.strictEqual(q.get('follow'), null);
    });

    it('logs of a TTY service (not multiplexed) pass through as lines', async () => {
        handler = (_req, res) => {
            res.writeHead(200);
            res.end('plain line one\nplain line two\n');
        };
        const lines: string[] = [];
        for await (const line of await client.taskLogs('t1')) lines.push(line as string);
        assert.deepStrictEqual(lines, ['plain line one', 'plain line two']);
    });

    it('a connection cut in the middle of an answer is an error, not a short answer', async () => {
        handler = (_req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
            res.write('[{"ID":');
            setTimeout(() => res.destroy(), 20);
        };
        await assert.rejects(client.listServices(), (e: DockerError) => e.kind === 'unreachable');
    });
});

function jsonReply(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
    res.end(text);
}

function event(action: string): unknown {
    return { Type: 'service', Action: action, Actor: { ID: 'svc', Attributes: { name: 'x' } }, scope: 'swarm', time: 1, timeNano: 1 };
}

function frame(stream: number, text: string): Buffer {
    const payload = Buffer.from(text, 'utf8');
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
}

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 10));
    }
}
