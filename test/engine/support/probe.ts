/** Probing a load-balanced service until what a test waits for holds (HAProxy's DNS and health checks catch up within seconds). */
import { probe, renderTextTable, summarize, type ProbeSummary } from '../../../src/core/probe/probe';
import { waitFor } from './wait';

/**
 * Sends rounds of `count` requests to `url` until `predicate` holds for a round, bounded by `timeoutMs`; on timeout
 * prints the last round's table before the error.
 */
export async function probeUntil(
    url: string,
    what: string,
    predicate: (s: ProbeSummary) => boolean,
    options: { count?: number; timeoutMs?: number } = {},
): Promise<ProbeSummary> {
    let last: ProbeSummary | undefined;
    try {
        return await waitFor(
            async () => {
                const report = await probe(url, { count: options.count ?? 40, timeoutMs: 2000, maxDurationMs: 20_000 });
                last = summarize(report.results);
                return predicate(last) ? last : false;
            },
            { timeoutMs: options.timeoutMs ?? 90_000, intervalMs: 250, what },
        );
    } catch (error) {
        if (last) console.log(renderTextTable(last));
        throw error;
    }
}
