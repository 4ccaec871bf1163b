import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { probe, probeDuring, summarize, type ProbeSummary } from '../../../core/probe/probe';
import type { ServiceSummary } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import { LoadBalancingPanel, type LoadBalancingData, type PanelAction } from '../../views/loadBalancingPanel';
import { pick, input } from './prompts';

interface CheckLoadBalancingOptions {
    /** Probe this URL instead of asking (http only). */
    url: string;
    /** `during`: probe continuously (bounded) while an update rolls. */
    mode: 'requests' | 'during';
    /** Number of requests (default: the `swarmStacks.probe.requests` setting). */
    requests: number;
    /** Bound of the `during` mode in seconds (default 60). */
    seconds: number;
}

interface CheckLoadBalancingResult {
    url: string;
    summary: ProbeSummary;
    /** Resolves once the panel shows the result (the page reported it rendered). */
    rendered: Promise<void>;
}

const DEFAULT_DURING_SECONDS = 60;
const MAX_DURING_SECONDS = 600;

/** `80:8080/tcp (host)` → 80. */
export function publishedPort(port: string): number | undefined {
    const m = /^(\d+):\d+/.exec(port.trim());
    return m ? Number(m[1]) : undefined;
}

export function urlFor(port: number): string {
    return `http://127.0.0.1:${port}/`;
}

function serviceArgument(arg: unknown): ServiceSummary | undefined {
    const service = (arg as { service?: ServiceSummary } | undefined)?.service;
    return service && typeof service === 'object' && Array.isArray(service.ports) ? service : undefined;
}

async function askUrlForService(service: ServiceSummary): Promise<{ url: string; source: string }> {
    const ports = service.ports.filter((p) => publishedPort(p) !== undefined);
    if (ports.length === 0) throw new Error(vscode.l10n.t('Service {0} publishes no port to probe.', service.name));
    const chosen =
        ports.length === 1
            ? ports[0]
            : (await pick(ports.map((p) => ({ label: p, description: urlFor(publishedPort(p)!) })), { title: vscode.l10n.t('Check Load Balancing: which port of {0}?', service.name) })).label;
    return { url: urlFor(publishedPort(chosen)!), source: `${service.name} ${chosen}` };
}

async function askUrl(services: ExtensionServices): Promise<{ url: string; source?: string }> {
    type Item = vscode.QuickPickItem & { url?: string; source?: string };
    if (!services.model.snapshot) await services.model.refresh();
    const snapshot = services.model.snapshot;
    const all = snapshot ? [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked] : [];
    const items: Item[] = [];
    for (const service of all) {
        for (const port of service.ports) {
            const published = publishedPort(port);
            if (published === undefined) continue;
            items.push({ label: service.name, description: port, detail: urlFor(published), url: urlFor(published), source: `${service.name} ${port}` });
        }
    }
    items.push({ label: vscode.l10n.t('$(link) Enter a URL…') });
    const chosen = await pick(items, { title: vscode.l10n.t('Check Load Balancing'), placeHolder: vscode.l10n.t('A published port of a service, or a URL'), matchOnDescription: true });
    if (chosen.url) return { url: chosen.url, ...(chosen.source ? { source: chosen.source } : {}) };
    const typed = await input({
        title: vscode.l10n.t('Check Load Balancing: URL'),
        value: 'http://127.0.0.1/',
        validateInput: (v) => validateUrl(v),
    });
    return { url: typed.trim() };
}

function validateUrl(value: string): string | undefined {
    try {
        const u = new URL(value.trim());
        return u.protocol === 'http:' ? undefined : vscode.l10n.t('Only http:// URLs can be probed.');
    } catch {
        return vscode.l10n.t('Not a URL.');
    }
}

export function checkLoadBalancingCommand(services: ExtensionServices) {
    const run = async (target: { url: string; source?: string }, mode: 'requests' | 'during', requests: number, seconds: number): Promise<CheckLoadBalancingResult> => {
        const problem = validateUrl(target.url);
        if (problem) throw new Error(`${target.url}: ${problem}`);
        const title = mode === 'during' ? vscode.l10n.t('Probing {0} for up to {1} s', target.url, seconds) : vscode.l10n.t('Probing {0}', target.url);
        const data = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title, cancellable: true },
            async (progress, token): Promise<LoadBalancingData> => {
                const controller = new AbortController();
                const subscription = token.onCancellationRequested(() => controller.abort());
                try {
                    if (mode === 'during') {
                        const counts: Record<string, number> = {};
                        let failed = 0;
                        let lastReport = 0;
                        const report = await probeDuring(
                            target.url,
                            { intervalMs: 100, maxRequests: seconds * 10 + 1, maxDurationMs: seconds * 1000, signal: controller.signal },
                            (sample) => {
                                if (sample.ok && sample.version) counts[sample.version] = (counts[sample.version] ?? 0) + 1;
                                else failed++;
                                if (sample.startMs - lastReport >= 1000) {
                                    lastReport = sample.startMs;
                                    const parts = Object.entries(counts).map(([v, n]) => `${v} ${n}`);
                                    progress.report({ message: `${(sample.startMs / 1000).toFixed(0)} s · ${[...parts, vscode.l10n.t('{0} failed', failed)].join(' · ')}` });
                                }
                            },
                        );
                        return { url: target.url, ...(target.source ? { source: target.source } : {}), mode, summary: summarize(report.results), stopped: report.stopped, elapsedMs: report.elapsedMs, shift: report.shift, takenAt: new Date() };
                    }
                    let done = 0;
                    const report = await probe(target.url, {
                        count: requests,
                        signal: controller.signal,
                        onResult: () => {
                            done++;
                            progress.report({ message: `${done}/${requests}`, increment: 100 / requests });
                        },
                    });
                    // A cancelled plain probe shows nothing; a cancelled "during" probe shows what it saw.
                    if (report.stopped === 'aborted') throw new CancelledError();
                    return { url: target.url, ...(target.source ? { source: target.source } : {}), mode, summary: summarize(report.results), stopped: report.stopped, elapsedMs: report.elapsedMs, takenAt: new Date() };
                } finally {
                    subscription.dispose();
                }
            },
        );
        services.log.info(`Load-balancing check of ${data.url}: ${data.summary.ok}/${data.summary.total} answered, ${data.summary.hostnames.length} hostnames, ${data.summary.failed} failed`);
        const onAction = (action: PanelAction, shown: LoadBalancingData): void => {
            void vscode.commands.executeCommand('swarmStacks.checkLoadBalancing', undefined, {
                url: shown.url,
                mode: action === 'during' ? 'during' : shown.mode,
            } satisfies Partial<CheckLoadBalancingOptions>);
        };
        const rendered = LoadBalancingPanel.show(data, onAction);
        return { url: data.url, summary: data.summary, rendered };
    };

    return async (arg?: unknown, optionsArg?: unknown): Promise<CheckLoadBalancingResult> => {
        // Called with (options) from code, (treeItem) from the view, (undefined, options) from the panel.
        const options = (
            optionsArg && typeof optionsArg === 'object' ? optionsArg : arg && typeof arg === 'object' && 'url' in arg ? arg : {}
        ) as Partial<CheckLoadBalancingOptions>;
        const config = vscode.workspace.getConfiguration('swarmStacks.probe');
        const requests = Math.min(10_000, Math.max(1, Math.floor(options.requests ?? config.get<number>('requests', 40))));
        const seconds = Math.min(MAX_DURING_SECONDS, Math.max(1, Math.floor(options.seconds ?? DEFAULT_DURING_SECONDS)));
        const service = serviceArgument(arg);
        const target = options.url ? { url: options.url } : service ? await askUrlForService(service) : await askUrl(services);
        return run(target, options.mode ?? 'requests', requests, seconds);
    };
}
