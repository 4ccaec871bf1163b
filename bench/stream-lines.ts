/**
 * Reading engine streams whose lines are long: DockerClient's log and event streams against a fake engine on
 * 127.0.0.1 (an http server in this process, sending prepared bytes as fast as the client reads them).
 *
 *   npx tsc -p . && node out/bench/stream-lines.js [runs=5] [--client=<compiled client.js>] [--only=<case>]
 *
 * `--client` runs the same cases against another build of the client (e.g. a worktree of an older commit compiled with
 * `npx tsc -p .`), so that old and new can be put side by side. Cases:
 *  - `log-line-16m`: service logs, one 16 MiB line without a newline in 16 KiB multiplexed frames (as the engine sends a
 *    long line: partial messages), then a newline and one short line;
 *  - `progress-16m`: task logs of a TTY service drawing a progress bar with `\r` for 16 MiB, then a newline;
 *  - `log-lines-100k`: service logs, 100 000 lines of 100 bytes (ordinary logs: what the bounds must not slow);
 *  - `events-50k`: 50 000 events of about 300 bytes.
 * Printed per case: the wall-time median (min–max) of `runs`, the lines delivered and the longest line's length.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

import type { DockerClient as DockerClientType } from '../src/docker/client';

const MIB = 1024 * 1024;

const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args.find((a) => /^\d+$/.test(a))) || 5);
const CLIENT = args.find((a) => a.startsWith('--client='))?.slice('--client='.length) ?? path.join(__dirname, '..', 'src', 'docker', 'client.js');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const { DockerClient } = require(path.resolve(CLIENT)) as { DockerClient: typeof DockerClientType };

function frame(stream: 1 | 2, payload: Buffer): Buffer {
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
}

interface Case {
    name: string;
    /** The answer's body, in the pieces it is written in. */
    pieces: () => Buffer[];
    read: (client: DockerClientType) => Promise<AsyncIterable<unknown>>;
}

const CASES: Case[] = [
    {
        name: 'log-line-16m',
        pieces: () => {
            const piece = frame(1, Buffer.alloc(16 * 1024, 0x78));
            return [frame(1, Buffer.from('START:')), ...new Array<Buffer>(1024).fill(piece), frame(1, Buffer.from(':END\n')), frame(1, Buffer.from('after\n'))];
        },
        read: (client) => client.serviceLogs('web'),
    },
    {
        name: 'progress-16m',
        pieces: () => {
            const drawings: string[] = [];
            for (let percent = 0; percent <= 100; percent++) drawings.push(`\r[${'#'.repeat(percent).padEnd(100, '.')}] ${percent}%`);
            const round = Buffer.from(drawings.join(''));
            const rounds = Math.ceil((16 * MIB) / round.length);
            // Written in 64 KiB pieces, as a socket would deliver them.
            const all = Buffer.concat([Buffer.from('downloading: '), ...new Array<Buffer>(rounds).fill(round), Buffer.from('\r\n')]);
            const pieces: Buffer[] = [];
            for (let at = 0; at < all.length; at += 64 * 1024) pieces.push(all.subarray(at, at + 64 * 1024));
            return pieces;
        },
        read: (client) => client.taskLogs('t1'),
    },
    {
        name: 'log-lines-100k',
        pieces: () => {
            const lines: Buffer[] = [];
            for (let i = 0; i < 100_000; i++) lines.push(frame(i % 10 === 0 ? 2 : 1, Buffer.from(`${String(i).padStart(8, '0')} ${'l'.repeat(90)}\n`)));
            const all = Buffer.concat(lines);
            const pieces: Buffer[] = [];
            for (let at = 0; at < all.length; at += 64 * 1024) pieces.push(all.subarray(at, at + 64 * 1024));
            return pieces;
        },
        read: (client) => client.serviceLogs('web'),
    },
    {
        name: 'events-50k',
        pieces: () => {
            const lines: string[] = [];
            for (let i = 0; i < 50_000; i++) {
                lines.push(
                    `${JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: `c${i}`, Attributes: { 'com.docker.swarm.task.id': `t${i}`, 'com.docker.swarm.service.id': 'svc', image: 'nginx:1.27', name: `web.1.t${i}` } }, scope: 'local', time: 1700000000 + i, timeNano: (1700000000 + i) * 1e9 })}\n`,
                );
            }
            const all = Buffer.from(lines.join(''));
            const pieces: Buffer[] = [];
            for (let at = 0; at < all.length; at += 64 * 1024) pieces.push(all.subarray(at, at + 64 * 1024));
            return pieces;
        },
        read: (client) => client.events(),
    },
];

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
    let pieces: Buffer[] = [];
    const server = http.createServer((req, res) => {
        // The ping that negotiates the API version (clients that negotiate send it first), answered as Engine 20.10 does.
        if (req.url === '/_ping') {
            res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
            return;
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        let index = 0;
        const more = (): void => {
            while (index < pieces.length) {
                if (!res.write(pieces[index++])) {
                    res.once('drain', more);
                    return;
                }
            }
            res.end();
        };
        more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new DockerClient({ source: 'setting', url: `tcp://127.0.0.1:${port}`, protocol: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 600_000 });
    console.log(`client: ${path.relative(process.cwd(), path.resolve(CLIENT))}, ${RUNS} run(s) per case, Node ${process.version}`);
    console.log(`load average at the start: ${require('os').loadavg().map((l: number) => l.toFixed(2)).join(' ')}`);
    console.log('| case | bytes | median | min–max | lines | longest line (characters) |');
    console.log('|---|---|---|---|---|---|');
    for (const c of CASES) {
        if (ONLY && c.name !== ONLY) continue;
        pieces = c.pieces();
        const bytes = pieces.reduce((sum, p) => sum + p.length, 0);
        const times: number[] = [];
        let lines = 0;
        let longest = 0;
        for (let run = 0; run < RUNS; run++) {
            const started = process.hrtime.bigint();
            lines = 0;
            longest = 0;
            for await (const item of await c.read(client)) {
                lines++;
                const length = typeof item === 'string' ? item.length : 0;
                if (length > longest) longest = length;
            }
            times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
        console.log(`| ${c.name} | ${bytes} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ${lines} | ${longest || '–'} |`);
    }
    console.log(`load average at the end: ${require('os').loadavg().map((l: number) => l.toFixed(2)).join(' ')}`);
    client.close();
    server.close();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
