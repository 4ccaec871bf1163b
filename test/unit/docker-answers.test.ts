/**
 * What DockerClient does with answers it must not trust: too long, of the wrong shape, without a body, and streams
 * whose lines never end. A fake engine on 127.0.0.1 (an http server in the test) gives each answer.
 */
import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Readable } from 'stream';

import { DockerClient } from '../../src/docker/client';
import { DockerError } from '../../src/docker/errors';
import { LineSplitter, MAX_LOG_LINE_BYTES, logLineText } from '../../src/docker/streams';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const MIB = 1024 * 1024;

describe('DockerClient with answers it must not trust (fake engine on 127.0.0.1)', function () {
    // Answers of tens of MiB: seconds on a loaded machine.
    this.timeout(30_000);
    let server: http.Server;
    let handler: Handler;
    let client: DockerClient;
    let url: string;
    /** Resolves when the server sees the connection of the latest request close. */
    let requestClosed: Promise<void>;

    beforeEach(async () => {
        handler = (_req, res) => res.end('{}');
        server = http.createServer((req, res) => {
            // The ping that negotiates the API version is answered as Engine 20.10 does; the handlers see the paths
            // without their /v1.41 prefix.
            if (req.url === '/_ping') {
                res.writeHead(200, { 'Api-Version': '1.41' }).end();
                return;
            }
            req.url = req.url?.replace(/^\/v1\.41\//, '/');
            requestClosed = new Promise((resolve) => res.once('close', resolve));
            handler(req, res);
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as AddressInfo).port;
        url = `tcp://127.0.0.1:${port}`;
        client = new DockerClient({ source: 'setting', url, protocol: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 20_000 });
    });

    afterEach(async () => {
        client.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    /** Writes `total` bytes of `piece` repeated, as fast as the client reads, and stops when the client hangs up. */
    function writeRepeated(res: http.ServerResponse, piece: Buffer, total: number, then?: () => void): void {
        let written = 0;
        const more = (): void => {
            while (written < total && !res.destroyed) {
                written += piece.length;
                if (!res.write(piece)) {
                    res.once('drain', more);
                    return;
                }
            }
            if (!res.destroyed) then?.();
        };
        more();
    }

    async function rejection(call: Promise<unknown>): Promise<DockerError> {
        try {
            await call;
        } catch (error) {
            assert.ok(error instanceof DockerError, `a DockerError, got ${String(error)}`);
            return error;
        }
        assert.fail('the call was expected to fail');
    }

    describe('size of an answer', () => {
        it('refuses an inspect announced longer than its bound, naming the request, and closes the connection', async () => {
            handler = (_req, res) => {
                res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(64 * MIB) });
                writeRepeated(res, Buffer.alloc(64 * 1024, 0x20), 64 * MIB);
            };
            const error = await rejection(client.inspectService('web'));
            assert.strictEqual(error.message, `Docker at ${url} sent more than 16 MiB in answer to GET /services/web; the answer was cut off there and the connection closed.`);
            await requestClosed;
        });

        it('cuts off an answer without a length once it passes the bound, and closes the connection', async () => {
            handler = (_req, res) => {
                res.writeHead(200, { 'Content-Type': 'application/json' });
                res.write('{"ID":"');
                // Bounded: the client is expected to hang up after 16 MiB; the server gives up at 64 MiB.
                writeRepeated(res, Buffer.alloc(64 * 1024, 0x61), 64 * MIB, () => res.end('"}'));
            };
            const error = await rejection(client.inspectNetwork('front'));
            assert.match(error.message, /sent more than 16 MiB in answer to GET \/networks\/front; the answer was cut off/);
            await requestClosed;
        });

        it('reads lists further than one object: a 20 MiB list of services is taken whole', async () => {
            const service = { ID: 'x', Version: { Index: 1 }, Spec: { Name: 's', TaskTemplate: {}, Labels: { pad: 'p'.repeat(1000) } } };
            const count = Math.ceil((20 * MIB) / JSON.stringify(service).length);
            handler = (_req, res) => res.end(JSON.stringify(new Array(count).fill(service)));
            const services = await client.listServices();
            assert.strictEqual(services.length, count);
        });

        it('reads no more than 1 MiB of an error answer, and shows a part of a long one', async () => {
            handler = (_req, res) => {
                res.writeHead(500, { 'Content-Type': 'text/plain' });
                writeRepeated(res, Buffer.alloc(64 * 1024, 0x62), 64 * MIB, () => res.end());
            };
            const error = await rejection(client.listNodes());
            assert.strictEqual(error.statusCode, 500);
            assert.ok(error.message.startsWith('Error response from daemon: bbbb'));
            assert.ok(error.message.length < 2100, `a message of ${error.message.length} characters`);
            await requestClosed;
        });
    });

    describe('shape of an answer', () => {
        const cases: { call: (c: DockerClient) => Promise<unknown>; answer: unknown; request: string; says: string }[] = [
            { call: (c) => c.inspectService('web'), answer: [], request: 'GET /services/web', says: 'a list where a service was expected' },
            { call: (c) => c.inspectService('web'), answer: null, request: 'GET /services/web', says: 'null where a service was expected' },
            { call: (c) => c.listServices(), answer: [{ ID: 'x' }], request: 'GET /services', says: 'a list whose item 1 is a service without "Version.Index"' },
            {
                call: (c) => c.listServices(),
                answer: [{ ID: 'x', Version: { Index: 1 }, Spec: { TaskTemplate: {} } }, { ID: 'y', Version: { Index: '2' } }],
                request: 'GET /services',
                says: 'a list whose item 2 is a service whose "Version.Index" is a string, not a number',
            },
            { call: (c) => c.listTasks(), answer: { message: 'ok' }, request: 'GET /tasks', says: 'an object where a list was expected' },
            { call: (c) => c.listNodes(), answer: [{ ID: 'n', Version: { Index: 1 }, Spec: {} }], request: 'GET /nodes', says: 'a list whose item 1 is a node without "Status"' },
            { call: (c) => c.listSecrets(), answer: [{ ID: 's', Version: { Index: 1 }, Spec: {} }], request: 'GET /secrets', says: 'a list whose item 1 is a secret without "Spec.Name"' },
            { call: (c) => c.inspectConfig('c'), answer: 'c', request: 'GET /configs/c', says: 'a string where a config was expected' },
            { call: (c) => c.listNetworks(), answer: [{ Name: 'n' }], request: 'GET /networks', says: 'a list whose item 1 is a network without "Id"' },
            { call: (c) => c.distributionInspect('web:1'), answer: {}, request: 'GET /distribution/web:1/json', says: 'a distribution answer without "Descriptor"' },
            { call: (c) => c.createService({ TaskTemplate: {} }), answer: { Warnings: null }, request: 'POST /services/create', says: 'an answer to a create without "ID"' },
            { call: (c) => c.updateService('web', 1, { TaskTemplate: {} }), answer: [], request: 'POST /services/web/update', says: 'a list where an object was expected' },
            { call: (c) => c.info(), answer: [], request: 'GET /info', says: 'a list where an object was expected' },
            { call: (c) => c.listImages(), answer: [7], request: 'GET /images/json', says: 'a list whose item 1 is a number where an image was expected' },
        ];
        for (const { call, answer, request, says } of cases) {
            it(`${request} answered with ${JSON.stringify(answer)}: "${says}"`, async () => {
                handler = (_req, res) => res.end(JSON.stringify(answer));
                const error = await rejection(call(client));
                assert.strictEqual(error.message, `Docker at ${url} sent ${says} in answer to ${request}. Is ${url} a Docker engine (and not a proxy or another server)?`);
            });
        }

        it('an event of the wrong shape ends the event stream with a sentence naming the request', async () => {
            handler = (_req, res) => {
                res.write('{"Type":"service","Action":"update","Actor":{"ID":"a","Attributes":{}},"time":1}\n');
                res.end('{"status":"create"}\n');
            };
            const events = await client.events();
            const first = await events.next();
            assert.strictEqual((first.value as { Action: string }).Action, 'update');
            await assert.rejects(events.next(), (error: Error) => {
                assert.strictEqual(error.message, `Docker at ${url} sent an event without "Type" in answer to GET /events. Is ${url} a Docker engine (and not a proxy or another server)?`);
                return true;
            });
        });
    });

    describe('an error status without the daemon\'s message', () => {
        it('a bodiless 502 names the request and the status', async () => {
            handler = (_req, res) => {
                res.writeHead(502);
                res.end();
            };
            const error = await rejection(client.listServices());
            assert.strictEqual(
                error.message,
                `Docker at ${url} answered GET /services with HTTP 502 Bad Gateway and no message: a proxy or gateway between here and Docker answered in its place. Check that Docker at ${url} is running and reachable from it.`,
            );
            assert.strictEqual(error.statusCode, 502);
        });

        it('a bodiless 302 names the redirect', async () => {
            handler = (_req, res) => {
                res.writeHead(302, { Location: 'https://login.example.com/' });
                res.end();
            };
            const error = await rejection(client.removeService('web'));
            assert.strictEqual(
                error.message,
                `Docker at ${url} answered DELETE /services/web with HTTP 302 Found and no message: a redirect to https://login.example.com/, which Docker never sends. Is ${url} a Docker engine (and not a proxy or another server)?`,
            );
        });

        it('a web page in place of the daemon\'s message is not shown as the message', async () => {
            handler = (_req, res) => {
                res.writeHead(503, { 'Content-Type': 'text/html' });
                res.end('<html><body><h1>503 Service Unavailable</h1></body></html>');
            };
            const error = await rejection(client.inspectNode('n1'));
            assert.match(error.message, /^Docker at .* answered GET \/nodes\/n1 with HTTP 503 Service Unavailable and a web page: a proxy or gateway/);
        });

        it('a bodiless 404 is still "not found" to the callers that look for it', async () => {
            handler = (_req, res) => {
                res.writeHead(404);
                res.end();
            };
            const error = await rejection(client.inspectSecret('s'));
            assert.strictEqual(error.kind, 'notFound');
            assert.strictEqual(error.message, `Docker at ${url} answered GET /secrets/s with HTTP 404 Not Found and no message.`);
        });

        it('the daemon\'s own message is kept as the Docker CLI shows it', async () => {
            handler = (_req, res) => {
                res.writeHead(404, { 'Content-Type': 'application/json' });
                res.end('{"message":"service web not found"}');
            };
            const error = await rejection(client.inspectService('web'));
            assert.strictEqual(error.message, 'Error response from daemon: service web not found');
        });
    });

    describe('streams whose lines do not end', () => {
        /** A multiplexed frame (moby pkg/stdcopy): stream type, three zero bytes, big-endian length, payload. */
        function frame(stream: 1 | 2, payload: Buffer | string): Buffer {
            const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
            const header = Buffer.alloc(8);
            header[0] = stream;
            header.writeUInt32BE(bytes.length, 4);
            return Buffer.concat([header, bytes]);
        }

        async function lines(readable: Readable): Promise<string[]> {
            const all: string[] = [];
            for await (const line of readable) all.push(line as string);
            return all;
        }

        it('a 16 MiB log line in 16 KiB frames comes as one line, its middle cut, and the lines after it follow', async () => {
            const piece = frame(1, Buffer.alloc(16 * 1024, 0x78));
            handler = (_req, res) => {
                res.write(frame(1, 'before\n'));
                res.write(frame(1, 'START:'));
                writeRepeated(res, piece, 1024 * piece.length, () => {
                    res.write(frame(1, ':END\n'));
                    res.end(frame(2, 'after\n'));
                });
            };
            const got = await lines(await client.serviceLogs('web'));
            assert.strictEqual(got.length, 3);
            assert.strictEqual(got[0], 'before');
            assert.strictEqual(got[2], 'after');
            const long = got[1];
            assert.ok(long.startsWith('START:xxx') && long.endsWith('xxx:END'), 'its head and its tail are kept');
            const total = 6 + 16 * MIB + 4;
            assert.ok(long.includes(` … [${total - MAX_LOG_LINE_BYTES} bytes of this line not shown: lines are shown up to 1 MiB] … `), long.slice(MAX_LOG_LINE_BYTES / 2 - 10, MAX_LOG_LINE_BYTES / 2 + 120));
            assert.ok(long.length < MAX_LOG_LINE_BYTES + 200);
        });

        it('a progress bar drawn over with \\r shows its last drawing', async () => {
            const drawings: Buffer[] = [];
            for (let percent = 0; percent <= 100; percent++) drawings.push(Buffer.from(`\r[${'#'.repeat(percent).padEnd(100, '.')}] ${percent}%`));
            const round = Buffer.concat(drawings);
            handler = (_req, res) => {
                // No TTY multiplexing here: a service with tty: true.
                res.write('downloading: ');
                writeRepeated(res, round, Math.ceil((4 * MIB) / round.length) * round.length, () => res.end('\r\ndone\n'));
            };
            const got = await lines(await client.taskLogs('t1'));
            assert.strictEqual(got.length, 2);
            assert.ok(got[0].startsWith('downloading: \r[.'));
            assert.ok(got[0].endsWith(`\r[${'#'.repeat(100)}] 100%`), got[0].slice(-200));
            assert.ok(got[0].length < MAX_LOG_LINE_BYTES + 200, `a line of ${got[0].length} characters`);
            assert.strictEqual(got[1], 'done');
        });

        it('frames split anywhere, their headers included, are put together', async () => {
            const bytes = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'err\n'), frame(1, 'o\r\nthree')]);
            handler = (_req, res) => {
                let at = 0;
                const next = (): void => {
                    if (at >= bytes.length) {
                        res.end();
                        return;
                    }
                    res.write(bytes.subarray(at, at + 3), next);
                    at += 3;
                };
                next();
            };
            assert.deepStrictEqual(await lines(await client.serviceLogs('web')), ['one', 'err', 'two', 'three']);
        });

        it('an event stream message past 16 MiB without a newline ends the stream, naming the request, and closes it', async () => {
            handler = (_req, res) => {
                res.write('{"Type":"service","Action":"create","Actor":{"ID":"a"},"time":1}\n{"Type":"');
                writeRepeated(res, Buffer.alloc(64 * 1024, 0x61), 64 * MIB, () => res.end('"}\n'));
            };
            const events = await client.events();
            assert.strictEqual(((await events.next()).value as { Action: string }).Action, 'create');
            await assert.rejects(events.next(), (error: Error) => {
                assert.strictEqual(error.message, `Docker at ${url} sent a message longer than 16 MiB in answer to GET /events; the stream was ended there.`);
                return true;
            });
            await requestClosed;
        });
    });

    describe('LineSplitter', () => {
        it('finds lines across chunks and keeps a line of exactly the bound whole', () => {
            const splitter = new LineSplitter(8);
            assert.deepStrictEqual(splitter.push(Buffer.from('ab')), []);
            const lines = splitter.push(Buffer.from('cdefgh\n12\n3'));
            assert.deepStrictEqual(lines.map((l) => [l.head.toString(), l.cutBytes]), [['abcdefgh', undefined], ['12', undefined]]);
            assert.strictEqual(splitter.end()?.head.toString(), '3');
            assert.strictEqual(splitter.end(), undefined);
        });

        it('keeps the first and last half of a longer line and counts the rest', () => {
            const splitter = new LineSplitter(8);
            for (const piece of ['abc', 'defgh', 'ijk', 'lmnopq', 'r']) assert.deepStrictEqual(splitter.push(Buffer.from(piece)), []);
            const [line] = splitter.push(Buffer.from('s\nnext'));
            assert.deepStrictEqual([line.head.toString(), line.tail?.toString(), line.cutBytes], ['abcd', 'pqrs', 11]);
            assert.strictEqual(splitter.end()?.head.toString(), 'next');
        });

        it('never shows half a character where a line was cut', () => {
            const splitter = new LineSplitter(8);
            const [line] = splitter.push(Buffer.from('abcé' + 'z'.repeat(20) + 'éxyz\n'));
            assert.strictEqual(logLineText(line).replace(/ … \[.*\] … /, '|'), 'abc|xyz');
        });
    });
});
