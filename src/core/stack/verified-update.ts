/**
 * A rolling update checked with traffic, not just task counts: a URL (through the stack's proxy) is requested all
 * through `service update --image` and its convergence, and every answer and failure is counted. A short lead before
 * the update shows what answered before it, a short tail after convergence what answers after it: the old → new
 * shift of versions and hostnames. The update passed when no request failed and the service converged.
 */
import { pause } from '../cancellation';
import { probeDuring, renderVersionShift, summarize, versionShift, type ProbeResult, type ProbeSummary, type VersionShift } from '../probe/probe';
import type { Service } from '../specs';
import { describeOutcome, waitForService, type ConvergenceOutcome, type ConvergenceProgress } from './converge';
import type { StackEngine } from './engine';
import { updateServiceImage } from './verbs';

export interface VerifiedUpdateOptions {
    /** The URL to probe (http://). */
    url: string;
    /** Time between requests (default 100 ms; one request at a time). */
    intervalMs?: number;
    /** Bound of the wait for convergence. */
    waitTimeoutMs: number;
    /** Probing before the update is sent (default 1.5 s), to see what answers before it. */
    leadMs?: number;
    /** Probing after convergence (default 6 s): HAProxy's DNS and health checks pick the last tasks up. */
    tailMs?: number;
    /** Per request (default 2 s). */
    requestTimeoutMs?: number;
    authHeader?: string;
    signal?: AbortSignal;
    onSample?(sample: ProbeResult): void;
    onProgress?(progress: ConvergenceProgress): void;
}

interface Answering {
    versions: string[];
    hostnames: string[];
}

export interface VerifiedUpdateReport {
    service: Service;
    image: string;
    url: string;
    warnings: string[];
    outcome: ConvergenceOutcome;
    results: ProbeResult[];
    summary: ProbeSummary;
    shift: VersionShift;
    /** What answered before the update was sent, and after the service converged. */
    before: Answering;
    after: Answering;
    /** Since the probe started. */
    updateSentMs: number;
    convergedMs: number;
    passed: boolean;
}

const DEFAULT_INTERVAL_MS = 100;
const DEFAULT_LEAD_MS = 1_500;
const DEFAULT_TAIL_MS = 6_000;
const MAX_REQUESTS = 100_000;

export async function verifiedImageUpdate(engine: StackEngine, service: string, image: string, options: VerifiedUpdateOptions): Promise<VerifiedUpdateReport> {
    const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    const leadMs = options.leadMs ?? DEFAULT_LEAD_MS;
    const tailMs = options.tailMs ?? DEFAULT_TAIL_MS;
    const stopProbe = new AbortController();
    const onAbort = () => stopProbe.abort();
    options.signal?.addEventListener('abort', onAbort);
    // The probe's own bound: lead + the whole wait + tail, and a little for the update request itself.
    const maxDurationMs = leadMs + options.waitTimeoutMs + tailMs + 30_000;
    const t0 = performance.now();
    const probing = probeDuring(
        options.url,
        {
            intervalMs,
            maxRequests: Math.min(MAX_REQUESTS, Math.ceil(maxDurationMs / Math.max(1, intervalMs)) + 1),
            maxDurationMs,
            timeoutMs: options.requestTimeoutMs ?? 2_000,
            signal: stopProbe.signal,
        },
        options.onSample,
    );
    try {
        await pause(leadMs, options.signal);
        const updateSentMs = performance.now() - t0;
        const { service: updated, warnings } = await updateServiceImage(engine, service, image, {
            signal: options.signal,
            ...(options.authHeader ? { authHeader: options.authHeader } : {}),
        });
        const outcome = await waitForService(engine, updated.ID, { timeoutMs: options.waitTimeoutMs, signal: options.signal, onProgress: options.onProgress });
        const convergedMs = performance.now() - t0;
        await pause(tailMs, options.signal);
        stopProbe.abort();
        const report = await probing;
        const results = report.results;
        const summary = summarize(results);
        const before = answering(results.filter((r) => r.startMs < updateSentMs));
        const after = answering(results.filter((r) => r.startMs >= convergedMs));
        const shift = versionShift(results, Math.max(1000, intervalMs * 10), before.versions[0], after.versions.find((v) => !before.versions.includes(v)));
        return {
            service: updated,
            image,
            url: options.url,
            warnings,
            outcome,
            results,
            summary,
            shift,
            before,
            after,
            updateSentMs,
            convergedMs,
            passed: summary.failed === 0 && summary.total > 0 && outcome.kind === 'converged',
        };
    } finally {
        stopProbe.abort();
        options.signal?.removeEventListener('abort', onAbort);
        // The probe ends once aborted; its outcome is read above or not needed (an error is on its way).
        await probing.catch(() => undefined);
    }
}

function answering(samples: readonly ProbeResult[]): Answering {
    const versions: string[] = [];
    const hostnames = new Set<string>();
    for (const s of samples) {
        if (!s.ok) continue;
        if (s.version !== undefined && !versions.includes(s.version)) versions.push(s.version);
        if (s.hostname !== undefined) hostnames.add(s.hostname);
    }
    return { versions, hostnames: [...hostnames].sort() };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function describeAnswering(a: Answering): string {
    if (!a.hostnames.length) return 'nothing answered';
    const shown = a.hostnames.slice(0, 6).join(', ') + (a.hostnames.length > 6 ? `, … (${a.hostnames.length} in all)` : '');
    return `${a.versions.join(', ')} from ${a.hostnames.length} hostname${a.hostnames.length === 1 ? '' : 's'} (${shown})`;
}

/** The report as a person reads it: counts, before → after, the shift over time, and the verdict. */
export function describeVerifiedUpdate(report: VerifiedUpdateReport): string[] {
    const { summary, shift } = report;
    const lines = [
        `Verified update of ${report.service.Spec.Name ?? report.service.ID} to ${report.image} through ${report.url}`,
        `  ${summary.total} requests: ${summary.ok} answered, ${summary.failed} failed`,
    ];
    for (const f of summary.failures) lines.push(`    ${f.count} × ${f.reason}: ${f.example}`);
    lines.push(`  before: ${describeAnswering(report.before)}`);
    lines.push(`  after:  ${describeAnswering(report.after)}`);
    const replaced = report.before.hostnames.filter((h) => !report.after.hostnames.includes(h)).length;
    lines.push(`  ${replaced} of ${report.before.hostnames.length} hostnames replaced; update sent at ${seconds(report.updateSentMs)}, converged at ${seconds(report.convergedMs)}`);
    if (shift.switchoverMs !== undefined) lines.push(`  the new version answered most requests from ${seconds(shift.switchoverMs)}`);
    lines.push(...renderVersionShift(shift, 30).split('\n').map((l) => `  ${l}`));
    if (report.outcome.kind !== 'converged') lines.push(describeOutcome(report.outcome));
    lines.push(
        report.passed
            ? 'Verified: every request was answered during the update.'
            : `Not verified: ${[
                  ...(summary.failed ? [`${summary.failed} request${summary.failed === 1 ? '' : 's'} failed`] : []),
                  ...(summary.total === 0 ? ['no request was made'] : []),
                  ...(report.outcome.kind !== 'converged' ? [`the update ended ${report.outcome.kind}`] : []),
              ].join(', ')}.`,
    );
    return lines;
}
