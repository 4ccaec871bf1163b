import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import {
    parseHello,
    percentile,
    probe,
    probeDuring,
    ProbeResult,
    renderBarChart,
    renderTextTable,
    renderVersionShift,
    summarize,
    versionOfMarker,
    versionShift,
} from '../../src/core/probe/probe';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** A local server on 127.0.0.1:0; `handler` gets the 0-based request number. */
async function startServer(handler: Handler): Promise<{ url: string; close: () => Promise<void>; requests: () => number }> {
    let n = 0;
    const server = http.createServer((req, res) => handler(req, res, n++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        requests: () => n,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

const hello = (res: http.ServerResponse, host: string, marker = ''): void => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>I'm ${host}${marker}</h1>\n`);
};

function result(partial: Partial<ProbeResult>): ProbeResult {
    return { seq: 0, startMs: 0, latencyMs: 1, ok: true, ...partial };
}

describe('probe: parsing and statistics', () => {
    it('parses the hostname and the trailing ! marker', () => {
        assert.deepEqual(parseHello("<h1>I'm prod_test.3.xyz</h1>"), { hostname: 'prod_test.3.xyz', marker: '' });
        assert.deepEqual(parseHello("<html><h1>I'm 0a1b2c3d4e5f!!!</h1>\n"), { hostname: '0a1b2c3d4e5f', marker: '!!!' });
        assert.deepEqual(parseHello("<h1>I'm  host !</h1>"), { hostname: 'host', marker: '!' });
        assert.equal(parseHello('<h1>Hello</h1>'), undefined);
        assert.equal(parseHello("<h1>I'm </h1>"), undefined);
        assert.equal(versionOfMarker(''), 'v1');
        assert.equal(versionOfMarker('!!!'), 'v2');
        assert.equal(versionOfMarker('!'), 'marker !');
    });

    it('computes nearest-rank percentiles', () => {
        const xs = Array.from({ length: 100 }, (_, i) => i + 1);
        assert.equal(percentile(xs, 50), 50);
        assert.equal(percentile(xs, 90), 90);
        assert.equal(percentile(xs, 99), 99);
        assert.equal(percentile(xs, 100), 100);
        assert.equal(percentile([7], 50), 7);
        assert.ok(Number.isNaN(percentile([], 50)));
    });

    it('summarises hostnames (sorted), versions, failures and latency', () => {
        const rs: ProbeResult[] = [
            result({ hostname: 'b', version: 'v1', status: 200, latencyMs: 1 }),
            result({ hostname: 'a', version: 'v1', status: 200, latencyMs: 2 }),
            result({ hostname: 'b', version: 'v1', status: 200, latencyMs: 3 }),
            result({ hostname: 'c', version: 'v2', status: 200, latencyMs: 4 }),
            result({ ok: false, status: 503, failure: 'http-status', error: 'HTTP 503', latencyMs: 5 }),
            result({ ok: false, failure: 'timeout', error: 'no answer', latencyMs: 100 }),
            result({ ok: false, failure: 'timeout', error: 'no answer', latencyMs: 100 }),
        ];
        const s = summarize(rs);
        assert.equal(s.total, 7);
        assert.equal(s.ok, 4);
        assert.equal(s.failed, 3);
        assert.deepEqual(s.hostnames.map((h) => [h.hostname, h.count, h.version]), [['b', 2, 'v1'], ['a', 1, 'v1'], ['c', 1, 'v2']]);
        assert.equal(s.hostnames[0]?.share, 0.5);
        assert.deepEqual(s.versions, [{ version: 'v1', count: 3 }, { version: 'v2', count: 1 }]);
        assert.deepEqual(s.failures.map((f) => [f.reason, f.count]), [['timeout', 2], ['http-status', 1]]);
        // latency over the 5 requests that got an HTTP answer: 1,2,3,4,5
        assert.deepEqual(s.latency && [s.latency.count, s.latency.p50, s.latency.p90, s.latency.p99, s.latency.max, s.latency.min], [5, 3, 5, 5, 5, 1]);
        const table = renderTextTable(s);
        assert.match(table, /^hostname\s+requests\s+share\s+version$/m);
        assert.match(table, /^b\s+2\s+50\.0%\s+v1$/m);
        assert.match(table, /failed \(timeout\): 2/);
        assert.match(table, /p50 3\.00 ms/);
        const chart = renderBarChart(s, 10).split('\n');
        assert.equal(chart[0], 'b        | ########## 2');
        assert.equal(chart[1], 'a        | ##### 1');
        assert.match(chart[3] ?? '', /^\(failed\) \| x+ 3$/);
        assert.equal(summarize([]).latency, undefined);
    });
});

describe('probe: against a local server', function () {
    this.timeout(20000);

    it('counts answers per hostname over `count` requests, with concurrency', async () => {
        const srv = await startServer((_req, res, n) => hello(res, `task-${n % 4}`));
        try {
            const seen: number[] = [];
            const report = await probe(srv.url, { count: 40, concurrency: 4, timeoutMs: 2000, onResult: (r) => seen.push(r.seq) });
            assert.equal(report.stopped, 'completed');
            assert.equal(report.results.length, 40);
            assert.equal(srv.requests(), 40);
            assert.equal(seen.length, 40);
            assert.deepEqual(report.results.map((r) => r.seq), Array.from({ length: 40 }, (_, i) => i));
            const s = summarize(report.results);
            assert.equal(s.ok, 40);
            assert.deepEqual(s.hostnames.map((h) => [h.hostname, h.count]), [['task-0', 10], ['task-1', 10], ['task-2', 10], ['task-3', 10]]);
            assert.ok(s.latency && s.latency.p50 > 0 && s.latency.p50 <= s.latency.p90 && s.latency.p90 <= s.latency.p99 && s.latency.p99 <= s.latency.max);
        } finally {
            await srv.close();
        }
    });

    it('records failures by reason: HTTP status, unrecognised body, timeout', async () => {
        const srv = await startServer((_req, res, n) => {
            if (n % 5 === 1) {
                res.writeHead(503);
                res.end('no server available');
            } else if (n % 5 === 2) {
                res.end('<h1>Hello</h1>');
            } else if (n % 5 === 3) {
                // never answers
            } else {
                hello(res, 'a');
            }
        });
        try {
            const report = await probe(srv.url, { count: 10, concurrency: 2, timeoutMs: 150 });
            const s = summarize(report.results);
            assert.equal(s.total, 10);
            assert.equal(s.ok, 4);
            assert.deepEqual(
                Object.fromEntries(s.failures.map((f) => [f.reason, f.count])),
                { 'http-status': 2, 'no-hostname': 2, timeout: 2 },
            );
            const t = report.results.find((r) => r.failure === 'timeout');
            assert.ok(t && t.latencyMs >= 140 && t.latencyMs < 1000, `timeout latency ${t?.latencyMs}`);
        } finally {
            await srv.close();
        }
    });

    it('reports refused connections', async () => {
        const srv = await startServer((_req, res) => hello(res, 'x'));
        const url = srv.url;
        await srv.close();
        const report = await probe(url, { count: 3, timeoutMs: 1000 });
        assert.deepEqual(report.results.map((r) => r.failure), ['refused', 'refused', 'refused']);
    });

    it('stops at maxDurationMs however many requests remain', async () => {
        const srv = await startServer((_req, res) => setTimeout(() => hello(res, 'slow'), 50));
        try {
            const t0 = Date.now();
            const report = await probe(srv.url, { count: 10000, concurrency: 2, timeoutMs: 1000, maxDurationMs: 400 });
            const took = Date.now() - t0;
            assert.equal(report.stopped, 'time-limit');
            assert.ok(took < 1500, `took ${took} ms`);
            assert.ok(report.results.length >= 1 && report.results.length < 40, `${report.results.length} results`);
            assert.ok(report.results.every((r) => r.ok));
        } finally {
            await srv.close();
        }
    });

    it('stops on abort, with the results so far and nothing in flight counted', async () => {
        const srv = await startServer((_req, res, n) => (n < 3 ? hello(res, 'a') : undefined));
        try {
            const ac = new AbortController();
            const report = await probe(srv.url, {
                count: 100,
                timeoutMs: 10000,
                signal: ac.signal,
                onResult: (r) => (r.seq === 2 ? setTimeout(() => ac.abort(), 50) : undefined),
            });
            assert.equal(report.stopped, 'aborted');
            assert.equal(report.results.length, 3);
            assert.ok(report.elapsedMs < 5000);
            const pre = new AbortController();
            pre.abort();
            const none = await probe(srv.url, { count: 5, signal: pre.signal });
            assert.deepEqual([none.stopped, none.results.length], ['aborted', 0]);
        } finally {
            await srv.close();
        }
    });

    it('rejects non-http URLs and unbounded counts', async () => {
        await assert.rejects(probe('https://127.0.0.1/', { count: 1 }), /Only http/);
        await assert.rejects(probe('http://127.0.0.1/', { count: 0 }), /count/);
        await assert.rejects(probe('http://127.0.0.1/', { count: Infinity }), /count/);
    });
});

describe('probe: during a rolling update', function () {
    this.timeout(20000);

    it('follows the shift from v1 to v2 and stops at maxRequests', async () => {
        // requests 0..9 from v1 tasks, 10..14 a mix, then v2 (the blog's "!!!")
        const srv = await startServer((_req, res, n) => {
            if (n < 10 || (n < 15 && n % 2 === 0)) hello(res, `v1-${n % 3}`);
            else hello(res, `v2-${n % 3}`, '!!!');
        });
        try {
            const samples: ProbeResult[] = [];
            const report = await probeDuring(srv.url, { intervalMs: 5, maxRequests: 30, maxDurationMs: 10000 }, (s) => samples.push(s));
            assert.equal(report.stopped, 'completed');
            assert.equal(report.results.length, 30);
            assert.equal(samples.length, 30);
            assert.deepEqual(report.shift.versions, ['v1', 'v2']);
            assert.equal(summarize(report.results).failed, 0);
            const shift = versionShift(report.results, 1, 'v1', 'v2');
            assert.ok(shift.firstSeenMs['v2'] > shift.firstSeenMs['v1']);
            assert.ok(shift.lastSeenMs['v1'] < shift.lastSeenMs['v2']);
            assert.deepEqual(shift.hostnames['v2'], ['v2-0', 'v2-1', 'v2-2']);
            assert.ok(shift.switchoverMs !== undefined && shift.switchoverMs >= shift.firstSeenMs['v2'] - 1);
            assert.match(renderVersionShift(report.shift), /# v1 {2}= v2/);
        } finally {
            await srv.close();
        }
    });

    it('buckets samples by time and counts failures', () => {
        const s: ProbeResult[] = [
            result({ startMs: 0, hostname: 'a', version: 'v1' }),
            result({ startMs: 500, hostname: 'a', version: 'v1' }),
            result({ startMs: 1200, ok: false, failure: 'refused' }),
            result({ startMs: 1500, hostname: 'b', version: 'v2' }),
            result({ startMs: 2100, hostname: 'b', version: 'v2' }),
        ];
        const shift = versionShift(s, 1000);
        assert.deepEqual(shift.buckets, [
            { startMs: 0, counts: { v1: 2 }, failures: 0 },
            { startMs: 1000, counts: { v2: 1 }, failures: 1 },
            { startMs: 2000, counts: { v2: 1 }, failures: 0 },
        ]);
        assert.equal(shift.switchoverMs, 1000);
        assert.match(renderVersionShift(shift, 4), /x failed/);
    });

    it('stops at maxDurationMs and on abort while waiting between requests', async () => {
        const srv = await startServer((_req, res) => hello(res, 'a'));
        try {
            const t0 = Date.now();
            const limited = await probeDuring(srv.url, { intervalMs: 100, maxRequests: 1000, maxDurationMs: 350 });
            assert.equal(limited.stopped, 'time-limit');
            assert.ok(Date.now() - t0 < 1500);
            assert.ok(limited.results.length >= 2 && limited.results.length <= 5, `${limited.results.length}`);
            const ac = new AbortController();
            // Aborted once the first answer is in, i.e. while waiting 10 s for the next request: it ends at once.
            let abortedAt = 0;
            const aborted = await probeDuring(srv.url, { intervalMs: 10000, maxRequests: 10, maxDurationMs: 60000, signal: ac.signal }, () =>
                setTimeout(() => {
                    abortedAt = Date.now();
                    ac.abort();
                }, 50),
            );
            assert.equal(aborted.stopped, 'aborted');
            assert.equal(aborted.results.length, 1);
            assert.ok(abortedAt > 0 && Date.now() - abortedAt < 1000, `ended ${Date.now() - abortedAt} ms after the abort`);
        } finally {
            await srv.close();
        }
    });
});
