import { probe, probeDuring, renderBarChart, renderTextTable, renderVersionShift, summarize } from '../../core/probe/probe';
import { intOption } from '../arguments';
import { UsageError, type Verb } from '../verb';

export const probeVerb: Verb = {
    options: {
        requests: { type: 'string', short: 'n' },
        concurrency: { type: 'string', short: 'c' },
        during: { type: 'string' },
        interval: { type: 'string' },
        'request-timeout': { type: 'string' },
    },
    async run(args, io) {
        if (args.positionals.length !== 1) throw new UsageError('"probe" requires exactly 1 argument: the URL');
        let url = args.positionals[0];
        if (/^\d+$/.test(url)) url = `http://127.0.0.1:${url}/`;
        else if (!/^[a-z]+:\/\//i.test(url)) url = `http://${url}`;
        const timeoutMs = intOption(args, 'request-timeout', 1, 600_000) ?? 2000;
        const during = intOption(args, 'during', 1, 3600);
        if (during !== undefined) {
            const intervalMs = intOption(args, 'interval', 0, 60_000) ?? 100;
            const maxRequests = intOption(args, 'requests', 1, 100_000) ?? Math.min(100_000, Math.ceil((during * 1000) / Math.max(intervalMs, 1)) + 1);
            let n = 0;
            const report = await probeDuring(url, { intervalMs, maxRequests, maxDurationMs: during * 1000, timeoutMs, signal: io.signal }, () => {
                n++;
                if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${n} requests`);
            });
            if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
            const summary = summarize(report.results);
            io.stdout.write(`${renderTextTable(summary)}\n\n${renderBarChart(summary)}\n\n${renderVersionShift(report.shift)}\n`);
            if (report.shift.switchoverMs !== undefined) io.stdout.write(`v1 → v2 switchover at ${(report.shift.switchoverMs / 1000).toFixed(1)} s\n`);
            return summary.ok > 0 ? 0 : 1;
        }
        const count = intOption(args, 'requests', 1, 100_000) ?? 40;
        const concurrency = intOption(args, 'concurrency', 1, 256) ?? 1;
        let n = 0;
        const report = await probe(url, {
            count,
            concurrency,
            timeoutMs,
            signal: io.signal,
            onResult: () => {
                n++;
                if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${n}/${count}`);
            },
        });
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
        const summary = summarize(report.results);
        io.stdout.write(`${renderTextTable(summary)}\n\n${renderBarChart(summary)}\n`);
        if (report.stopped !== 'completed') io.stderr.write(`stopped early (${report.stopped}) after ${report.results.length} requests\n`);
        return summary.ok > 0 ? 0 : 1;
    },
};
