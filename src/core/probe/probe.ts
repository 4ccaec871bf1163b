/**
 * Load-balancing check: send HTTP requests to the proxy and count which replica answered (`<h1>I'm HOSTNAME</h1>`).
 * Every loop is bounded in request count and in time, and stops on an AbortSignal. node:http only (no https).
 */
import * as http from 'node:http';

type FailureReason = 'timeout' | 'refused' | 'reset' | 'http-status' | 'no-hostname' | 'error';

interface ParsedHello {
    hostname: string;
    /** The `!`s after the hostname: '' for the v1 app, '!!!' for the blog's v2. */
    marker: string;
}

export interface ProbeResult {
    /** 0-based request number. */
    seq: number;
    /** When the request started, in ms since the probe started. */
    startMs: number;
    /** Time to the full response (or to the failure). */
    latencyMs: number;
    ok: boolean;
    status?: number;
    hostname?: string;
    /** The body variant: the `!` marker after the hostname ('' or e.g. '!!!'). */
    marker?: string;
    /** The version label from the marker (see versionOfMarker), when the body was recognised. */
    version?: string;
    failure?: FailureReason;
    error?: string;
}

export type StopReason = 'completed' | 'aborted' | 'time-limit';

interface ProbeReport {
    results: ProbeResult[];
    stopped: StopReason;
    elapsedMs: number;
}

interface ProbeOptions {
    /** Number of requests (1 to 100000). */
    count: number;
    /** Requests in flight at once (default 1). */
    concurrency?: number;
    /** Per request (default 2000 ms). */
    timeoutMs?: number;
    /** Whole probe (default 60000 ms): no request starts after it, requests in flight are cut. */
    maxDurationMs?: number;
    signal?: AbortSignal;
    onResult?: (result: ProbeResult) => void;
    /** Maps a body marker to a version label (default versionOfMarker). */
    versionOf?: (marker: string) => string;
}

const HELLO_RE = /<h1>I'm ([^<]*?)(!*)<\/h1>/;
const MAX_BODY = 64 * 1024;
const MAX_COUNT = 100000;

/** `<h1>I'm web.1.abc</h1>` → { hostname: 'web.1.abc', marker: '' }; `<h1>I'm x!!!</h1>` → marker '!!!'. */
export function parseHello(body: string): ParsedHello | undefined {
    const m = HELLO_RE.exec(body);
    if (!m || m[1] === undefined) return undefined;
    const hostname = m[1].trim();
    if (hostname === '') return undefined;
    return { hostname, marker: m[2] ?? '' };
}

/** The blog's convention: no marker = v1, `!!!` = v2; any other marker is named after itself. */
export function versionOfMarker(marker: string): string {
    if (marker === '') return 'v1';
    if (marker === '!!!') return 'v2';
    return `marker ${marker}`;
}

function failureOf(err: unknown): { failure: FailureReason; error: string } {
    const e = err as NodeJS.ErrnoException;
    const message = e && typeof e.message === 'string' ? e.message : String(err);
    switch (e?.code) {
        case 'ECONNREFUSED':
            return { failure: 'refused', error: message };
        case 'ECONNRESET':
        case 'EPIPE':
            return { failure: 'reset', error: message };
        case 'ETIMEDOUT':
            return { failure: 'timeout', error: message };
        default:
            return { failure: 'error', error: message };
    }
}

function checkUrl(url: string): URL {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`Only http:// URLs can be probed (got ${u.protocol}//).`);
    return u;
}

interface OneRequest {
    promise: Promise<Omit<ProbeResult, 'seq' | 'startMs'>>;
    cancel: () => void;
}

/** One GET; resolves (never rejects) with the outcome; `cancel` ends it and resolves it as undefined-ish error. */
function requestOnce(u: URL, agent: http.Agent, timeoutMs: number, versionOf: (m: string) => string): OneRequest {
    let cancel: () => void = () => undefined;
    const t0 = performance.now();
    const promise = new Promise<Omit<ProbeResult, 'seq' | 'startMs'>>((resolve) => {
        let settled = false;
        const finish = (r: Omit<ProbeResult, 'seq' | 'startMs' | 'latencyMs'>): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ ...r, latencyMs: performance.now() - t0 });
        };
        const req = http.get(u, { agent, headers: { 'user-agent': 'swarm-stacks-probe' } }, (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
                if (size < MAX_BODY) chunks.push(c);
                size += c.length;
            });
            res.on('error', (err) => finish({ ok: false, status: res.statusCode, ...failureOf(err) }));
            res.on('end', () => {
                const status = res.statusCode ?? 0;
                const body = Buffer.concat(chunks).toString('utf8');
                const hello = parseHello(body);
                const base = hello ? { hostname: hello.hostname, marker: hello.marker, version: versionOf(hello.marker) } : {};
                if (status < 200 || status >= 300) {
                    finish({ ok: false, status, ...base, failure: 'http-status', error: `HTTP ${status}` });
                } else if (!hello) {
                    finish({ ok: false, status, failure: 'no-hostname', error: 'no <h1>I\'m HOSTNAME</h1> in the answer' });
                } else {
                    finish({ ok: true, status, ...base });
                }
            });
        });
        const timer = setTimeout(() => {
            finish({ ok: false, failure: 'timeout', error: `no answer within ${timeoutMs} ms` });
            req.destroy();
        }, timeoutMs);
        req.on('error', (err) => finish({ ok: false, ...failureOf(err) }));
        cancel = () => {
            finish({ ok: false, failure: 'error', error: 'cancelled' });
            req.destroy();
        };
    });
    return { promise, cancel };
}

/**
 * Sends `count` GET requests to `url` (`concurrency` at a time) and records who answered. Stops early, with the
 * results so far, on `signal` or after `maxDurationMs`; requests cut that way are not in the results.
 */
export async function probe(url: string, options: ProbeOptions): Promise<ProbeReport> {
    const u = checkUrl(url);
    const count = options.count;
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new Error(`count must be 1 to ${MAX_COUNT}`);
    const concurrency = Math.min(options.concurrency ?? 1, count);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a whole number >= 1');
    const timeoutMs = options.timeoutMs ?? 2000;
    const maxDurationMs = options.maxDurationMs ?? 60000;
    if (!(timeoutMs > 0) || !(maxDurationMs > 0)) throw new Error('timeoutMs and maxDurationMs must be > 0');
    const versionOf = options.versionOf ?? versionOfMarker;

    const agent = new http.Agent({ keepAlive: false, maxSockets: concurrency });
    const t0 = performance.now();
    const results: ProbeResult[] = [];
    const inFlight = new Set<OneRequest>();
    let next = 0;
    let stopped: StopReason = 'completed';
    const stop = (why: StopReason): void => {
        if (stopped !== 'completed') return;
        stopped = why;
        for (const r of inFlight) r.cancel();
    };
    const onAbort = (): void => stop('aborted');
    if (options.signal?.aborted) stopped = 'aborted';
    options.signal?.addEventListener('abort', onAbort);
    const deadline = setTimeout(() => stop('time-limit'), maxDurationMs);

    const worker = async (): Promise<void> => {
        while (stopped === 'completed' && next < count) {
            const seq = next++;
            const startMs = performance.now() - t0;
            const one = requestOnce(u, agent, timeoutMs, versionOf);
            inFlight.add(one);
            const outcome = await one.promise;
            inFlight.delete(one);
            if (stopped !== 'completed' && outcome.error === 'cancelled') return;
            const result: ProbeResult = { seq, startMs, ...outcome };
            results.push(result);
            options.onResult?.(result);
        }
    };
    try {
        await Promise.all(Array.from({ length: concurrency }, () => worker()));
    } finally {
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        agent.destroy();
    }
    results.sort((a, b) => a.seq - b.seq);
    return { results, stopped, elapsedMs: performance.now() - t0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Summary and text rendering

interface LatencyStats {
    /** Number of requests that got an HTTP answer (the latencies counted). */
    count: number;
    min: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
}

export interface ProbeSummary {
    total: number;
    ok: number;
    failed: number;
    /** Answers per hostname, most first (ties by name). */
    hostnames: { hostname: string; count: number; share: number; version?: string }[];
    /** Successful answers per version label. */
    versions: { version: string; count: number }[];
    failures: { reason: FailureReason; count: number; example: string }[];
    /** Over the requests that got an HTTP answer; undefined when none did. */
    latency?: LatencyStats;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
    if (sorted.length === 0) return NaN;
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(results: readonly ProbeResult[]): ProbeSummary {
    const byHost = new Map<string, { count: number; version?: string }>();
    const byVersion = new Map<string, number>();
    const byReason = new Map<FailureReason, { count: number; example: string }>();
    const latencies: number[] = [];
    let ok = 0;
    for (const r of results) {
        if (r.status !== undefined) latencies.push(r.latencyMs);
        if (r.ok && r.hostname !== undefined) {
            ok++;
            const h = byHost.get(r.hostname) ?? { count: 0 };
            h.count++;
            if (r.version !== undefined) h.version = r.version;
            byHost.set(r.hostname, h);
            if (r.version !== undefined) byVersion.set(r.version, (byVersion.get(r.version) ?? 0) + 1);
        } else {
            const reason = r.failure ?? 'error';
            const f = byReason.get(reason) ?? { count: 0, example: r.error ?? reason };
            f.count++;
            byReason.set(reason, f);
        }
    }
    latencies.sort((a, b) => a - b);
    const hostnames = [...byHost]
        .map(([hostname, h]) => ({ hostname, count: h.count, share: ok > 0 ? h.count / ok : 0, ...(h.version ? { version: h.version } : {}) }))
        .sort((a, b) => b.count - a.count || (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
    const summary: ProbeSummary = {
        total: results.length,
        ok,
        failed: results.length - ok,
        hostnames,
        versions: [...byVersion].map(([version, count]) => ({ version, count })).sort((a, b) => b.count - a.count || a.version.localeCompare(b.version)),
        failures: [...byReason].map(([reason, f]) => ({ reason, ...f })).sort((a, b) => b.count - a.count),
    };
    if (latencies.length > 0) {
        summary.latency = {
            count: latencies.length,
            min: latencies[0],
            mean: latencies.reduce((s, x) => s + x, 0) / latencies.length,
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            max: latencies[latencies.length - 1],
        };
    }
    return summary;
}

const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)} ms`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Plain-text table: one row per hostname, then failures and latency. */
export function renderTextTable(summary: ProbeSummary): string {
    const rows: string[][] = [['hostname', 'requests', 'share', 'version']];
    for (const h of summary.hostnames) rows.push([h.hostname, String(h.count), pct(h.share), h.version ?? '']);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]): string =>
        r.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
    const out = [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)];
    out.push('');
    out.push(`${summary.total} requests: ${summary.ok} answered, ${summary.failed} failed, ${summary.hostnames.length} distinct hostnames`);
    if (summary.versions.length > 0) out.push(`versions: ${summary.versions.map((v) => `${v.version} ${v.count}`).join(', ')}`);
    for (const f of summary.failures) out.push(`failed (${f.reason}): ${f.count}, e.g. ${f.example}`);
    if (summary.latency) {
        const l = summary.latency;
        out.push(`latency: p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`);
    }
    return out.join('\n');
}

/** Plain-text horizontal bars, one per hostname; `width` is the longest bar in characters. */
export function renderBarChart(summary: ProbeSummary, width = 40): string {
    const w = Math.max(1, Math.floor(width));
    const max = Math.max(1, ...summary.hostnames.map((h) => h.count));
    const nameW = Math.max(summary.failed > 0 ? '(failed)'.length : 0, ...summary.hostnames.map((h) => h.hostname.length));
    const lines = summary.hostnames.map((h) => {
        const len = Math.max(1, Math.round((h.count / max) * w));
        return `${h.hostname.padEnd(nameW)} | ${'#'.repeat(len)} ${h.count}`;
    });
    if (summary.failed > 0) {
        const len = Math.max(1, Math.round((summary.failed / Math.max(max, summary.failed)) * w));
        lines.push(`${'(failed)'.padEnd(nameW)} | ${'x'.repeat(len)} ${summary.failed}`);
    }
    return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Continuous probe during a rolling update

interface ProbeDuringOptions {
    /** Time between request starts (one request at a time). */
    intervalMs: number;
    maxRequests: number;
    maxDurationMs: number;
    timeoutMs?: number;
    signal?: AbortSignal;
    versionOf?: (marker: string) => string;
}

interface VersionBucket {
    /** Bucket start, ms since the probe started. */
    startMs: number;
    /** Successful answers per version label. */
    counts: Record<string, number>;
    failures: number;
}

export interface VersionShift {
    versions: string[];
    bucketMs: number;
    buckets: VersionBucket[];
    firstSeenMs: Record<string, number>;
    lastSeenMs: Record<string, number>;
    /** Distinct hostnames seen per version. */
    hostnames: Record<string, string[]>;
    /** The first bucket where `to` had most of the answers, when `from`/`to` are given and it happened. */
    switchoverMs?: number;
}

/**
 * Requests `url` every `intervalMs` until `maxRequests`, `maxDurationMs` or `signal`; each sample goes to `onSample`
 * as it arrives. Returns every sample and the version time series.
 */
export async function probeDuring(
    url: string,
    options: ProbeDuringOptions,
    onSample?: (sample: ProbeResult) => void,
): Promise<ProbeReport & { shift: VersionShift }> {
    const u = checkUrl(url);
    const { intervalMs, maxRequests, maxDurationMs } = options;
    if (!(intervalMs >= 0) || !Number.isInteger(maxRequests) || maxRequests < 1 || maxRequests > MAX_COUNT || !(maxDurationMs > 0)) {
        throw new Error(`intervalMs >= 0, maxRequests 1 to ${MAX_COUNT} and maxDurationMs > 0 are required`);
    }
    const timeoutMs = options.timeoutMs ?? Math.min(2000, maxDurationMs);
    const versionOf = options.versionOf ?? versionOfMarker;
    const agent = new http.Agent({ keepAlive: false, maxSockets: 1 });
    const t0 = performance.now();
    const results: ProbeResult[] = [];
    let stopped: StopReason = 'completed';
    let current: OneRequest | undefined;
    let wake: (() => void) | undefined;
    const stop = (why: StopReason): void => {
        if (stopped !== 'completed') return;
        stopped = why;
        current?.cancel();
        wake?.();
    };
    const onAbort = (): void => stop('aborted');
    if (options.signal?.aborted) stopped = 'aborted';
    options.signal?.addEventListener('abort', onAbort);
    const deadline = setTimeout(() => stop('time-limit'), maxDurationMs);
    try {
        for (let seq = 0; seq < maxRequests && stopped === 'completed'; seq++) {
            const startMs = performance.now() - t0;
            current = requestOnce(u, agent, timeoutMs, versionOf);
            const outcome = await current.promise;
            current = undefined;
            if (stopped !== 'completed' && outcome.error === 'cancelled') break;
            const sample: ProbeResult = { seq, startMs, ...outcome };
            results.push(sample);
            onSample?.(sample);
            const wait = startMs + intervalMs - (performance.now() - t0);
            if (wait > 0 && seq + 1 < maxRequests && stopped === 'completed') {
                await new Promise<void>((resolve) => {
                    const t = setTimeout(resolve, wait);
                    wake = () => {
                        clearTimeout(t);
                        resolve();
                    };
                });
                wake = undefined;
            }
        }
    } finally {
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        agent.destroy();
    }
    const elapsedMs = performance.now() - t0;
    const bucketMs = Math.max(1000, intervalMs * 10);
    return { results, stopped, elapsedMs, shift: versionShift(results, bucketMs) };
}

/** The version time series of samples, in buckets of `bucketMs`; `from`/`to` (default v1/v2) give the switchover. */
export function versionShift(samples: readonly ProbeResult[], bucketMs = 1000, from = 'v1', to = 'v2'): VersionShift {
    if (!(bucketMs > 0)) throw new Error('bucketMs must be > 0');
    const versions: string[] = [];
    const buckets: VersionBucket[] = [];
    const firstSeenMs: Record<string, number> = {};
    const lastSeenMs: Record<string, number> = {};
    const hostSets = new Map<string, Set<string>>();
    const last = samples.reduce((m, s) => Math.max(m, s.startMs), 0);
    const n = samples.length === 0 ? 0 : Math.floor(last / bucketMs) + 1;
    for (let i = 0; i < n; i++) buckets.push({ startMs: i * bucketMs, counts: {}, failures: 0 });
    for (const s of samples) {
        const b = buckets[Math.floor(s.startMs / bucketMs)];
        if (b === undefined) continue;
        if (!s.ok || s.version === undefined) {
            b.failures++;
            continue;
        }
        const v = s.version;
        if (!versions.includes(v)) versions.push(v);
        b.counts[v] = (b.counts[v] ?? 0) + 1;
        if (firstSeenMs[v] === undefined) firstSeenMs[v] = s.startMs;
        lastSeenMs[v] = Math.max(lastSeenMs[v] ?? 0, s.startMs);
        const hs = hostSets.get(v) ?? new Set<string>();
        if (s.hostname !== undefined) hs.add(s.hostname);
        hostSets.set(v, hs);
    }
    const shift: VersionShift = {
        versions,
        bucketMs,
        buckets,
        firstSeenMs,
        lastSeenMs,
        hostnames: Object.fromEntries([...hostSets].map(([v, hs]) => [v, [...hs].sort()])),
    };
    const switchBucket = buckets.find((b) => (b.counts[to] ?? 0) > (b.counts[from] ?? 0));
    if (switchBucket !== undefined && versions.includes(from)) shift.switchoverMs = switchBucket.startMs;
    return shift;
}

/** Plain-text view of a version shift: one line per bucket, e.g. `  12s  v1 ######....  v2 ####  x1`. */
export function renderVersionShift(shift: VersionShift, width = 40): string {
    const total = (b: VersionBucket): number => Object.values(b.counts).reduce((s, x) => s + x, 0) + b.failures;
    const max = Math.max(1, ...shift.buckets.map(total));
    const symbols = ['#', '=', '+', '*', '%'];
    const legend = shift.versions.map((v, i) => `${symbols[i % symbols.length]} ${v}`).join('  ');
    const lines = [`${legend}${shift.buckets.some((b) => b.failures > 0) ? '  x failed' : ''}`];
    for (const b of shift.buckets) {
        let bar = '';
        shift.versions.forEach((v, i) => {
            bar += symbols[i % symbols.length].repeat(Math.round(((b.counts[v] ?? 0) / max) * width));
        });
        bar += 'x'.repeat(Math.round((b.failures / max) * width));
        lines.push(`${(b.startMs / 1000).toFixed(0).padStart(5)}s | ${bar}`);
    }
    return lines.join('\n');
}
