/**
 * The load-balancing check's results: one webview panel (reused) with a table and a bar chart of the hostnames
 * that answered, failures, latency percentiles and, after a probe during an update, the v1 → v2 shift over time.
 * Plain HTML/CSS and inline SVG, no external resource; the CSP allows only this document's nonce'd style and script.
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { ProbeSummary, StopReason, VersionShift } from '../../core/probe/probe';

export interface LoadBalancingData {
    url: string;
    /** Where the URL came from, e.g. `prod_proxy 80:80/tcp (host)`. */
    source?: string;
    mode: 'requests' | 'during';
    summary: ProbeSummary;
    stopped: StopReason;
    elapsedMs: number;
    shift?: VersionShift;
    takenAt: Date;
}

export type PanelAction = 'again' | 'during';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fmtMs = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** Localized labels the page uses (passed in so that this renderer stays testable without vscode.l10n). */
interface PanelLabels {
    title: string;
    hostname: string;
    answersTitle: string;
    chartTitle: string;
    requests: string;
    share: string;
    version: string;
    failed: string;
    latency: string;
    shiftTitle: string;
    again: string;
    during: string;
    summaryLine: string;
    noAnswers: string;
    switchover: string;
    stopped: string;
}

function barChart(summary: ProbeSummary): string {
    const rows = summary.hostnames.map((h) => ({ label: h.hostname, count: h.count, cls: h.version === 'v2' ? 'v2' : h.version === 'v1' || h.version === undefined ? 'v1' : 'vx' }));
    if (summary.failed > 0) rows.push({ label: '(failed)', count: summary.failed, cls: 'fail' });
    const max = Math.max(1, ...rows.map((r) => r.count));
    const rowH = 22;
    const labelW = 140;
    const barW = 300;
    const h = rows.length * rowH + 4;
    const bars = rows
        .map((r, i) => {
            const w = Math.max(2, Math.round((r.count / max) * barW));
            const y = i * rowH + 2;
            return (
                `<text class="lbl" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escape(r.label.length > 18 ? `${r.label.slice(0, 17)}…` : r.label)}</text>` +
                `<rect class="bar ${r.cls}" x="${labelW}" y="${y + 2}" width="${w}" height="${rowH - 6}" rx="2"></rect>` +
                `<text class="val" x="${labelW + w + 6}" y="${y + 15}">${r.count}</text>`
            );
        })
        .join('');
    return `<svg class="chart" role="img" width="${labelW + barW + 60}" height="${h}" viewBox="0 0 ${labelW + barW + 60} ${h}">${bars}</svg>`;
}

function shiftChart(shift: VersionShift): string {
    const total = (b: VersionShift['buckets'][number]): number => Object.values(b.counts).reduce((s, x) => s + x, 0) + b.failures;
    const max = Math.max(1, ...shift.buckets.map(total));
    const colW = Math.max(4, Math.min(24, Math.floor(600 / Math.max(1, shift.buckets.length))));
    const height = 140;
    const cols = shift.buckets
        .map((b, i) => {
            let y = height;
            const parts: string[] = [];
            const stack = (count: number, cls: string): void => {
                if (count <= 0) return;
                const h = Math.max(1, Math.round((count / max) * (height - 4)));
                y -= h;
                parts.push(`<rect class="bar ${cls}" x="${i * colW}" y="${y}" width="${colW - 1}" height="${h}"></rect>`);
            };
            for (const v of shift.versions) stack(b.counts[v] ?? 0, v === 'v1' ? 'v1' : v === 'v2' ? 'v2' : 'vx');
            stack(b.failures, 'fail');
            return parts.join('');
        })
        .join('');
    const w = Math.max(colW * shift.buckets.length, 100);
    return `<svg class="chart" role="img" width="${w}" height="${height + 18}" viewBox="0 0 ${w} ${height + 18}">${cols}<text class="lbl" x="0" y="${height + 14}">0 s</text><text class="lbl" x="${w}" y="${height + 14}" text-anchor="end">${((shift.buckets.length * shift.bucketMs) / 1000).toFixed(0)} s</text></svg>`;
}

/** The whole page. Pure: `nonce` and `cspSource` come from the webview. */
function renderLoadBalancingHtml(data: LoadBalancingData, labels: PanelLabels, nonce: string, cspSource: string): string {
    const s = data.summary;
    const table = s.hostnames
        .map((h) => `<tr><td class="mono">${escape(h.hostname)}</td><td class="num">${h.count}</td><td class="num">${(h.share * 100).toFixed(1)}%</td><td>${escape(h.version ?? '')}</td></tr>`)
        .join('');
    const failures = s.failures.map((f) => `<li><b>${escape(f.reason)}</b>: ${f.count} — ${escape(f.example)}</li>`).join('');
    const latency = s.latency
        ? `<table class="lat"><tr><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th></tr><tr>${[s.latency.p50, s.latency.p90, s.latency.p99, s.latency.max, s.latency.mean].map((x) => `<td class="num">${fmtMs(x)} ms</td>`).join('')}</tr></table>`
        : '';
    const shift =
        data.shift && data.shift.buckets.length > 0
            ? `<h2>${escape(labels.shiftTitle)}</h2><div class="legend"><span class="sw v1"></span>v1 <span class="sw v2"></span>v2 <span class="sw fail"></span>${escape(labels.failed)}</div>${shiftChart(data.shift)}` +
              (data.shift.switchoverMs !== undefined ? `<p>${escape(labels.switchover)}</p>` : '')
            : '';
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(labels.title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 8px 20px; }
h1 { font-size: 1.4em; margin: 0.4em 0; } h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
.sub { color: var(--vscode-descriptionForeground); margin-bottom: 0.8em; }
.mono { font-family: var(--vscode-editor-font-family); }
table { border-collapse: collapse; margin: 0.4em 0; } th, td { padding: 3px 12px 3px 0; text-align: left; }
th { border-bottom: 1px solid var(--vscode-panel-border, #8884); font-weight: 600; }
td.num, th.num { text-align: right; }
.grid { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
.chart .bar.v1 { fill: var(--vscode-charts-blue, #3794ff); } .chart .bar.v2 { fill: var(--vscode-charts-green, #89d185); }
.chart .bar.vx { fill: var(--vscode-charts-purple, #b180d7); } .chart .bar.fail { fill: var(--vscode-charts-red, #f14c4c); }
.chart text { fill: var(--vscode-foreground); font-size: 12px; } .chart .lbl { font-family: var(--vscode-editor-font-family); }
.legend { margin-bottom: 6px; } .sw { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
.sw.v1 { background: var(--vscode-charts-blue, #3794ff); } .sw.v2 { background: var(--vscode-charts-green, #89d185); } .sw.fail { background: var(--vscode-charts-red, #f14c4c); }
.ok { color: var(--vscode-charts-green, #89d185); } .bad { color: var(--vscode-errorForeground, #f14c4c); }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 5px 12px; margin-right: 8px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
</style></head>
<body data-ready="1">
<h1>${escape(labels.title)}</h1>
<div class="sub mono">${escape(data.url)}${data.source ? ` · ${escape(data.source)}` : ''} · ${escape(data.takenAt.toLocaleTimeString())}</div>
<p class="${s.failed > 0 ? 'bad' : 'ok'}">${escape(labels.summaryLine)}${data.stopped !== 'completed' ? ` · ${escape(labels.stopped)}` : ''}</p>
<div><button id="again">${escape(labels.again)}</button><button id="during" class="secondary">${escape(labels.during)}</button></div>
${s.ok === 0 ? `<p class="bad">${escape(labels.noAnswers)}</p>` : ''}
<div class="grid">
<div><h2>${escape(labels.answersTitle)}</h2><table><tr><th>${escape(labels.hostname)}</th><th class="num">${escape(labels.requests)}</th><th class="num">${escape(labels.share)}</th><th>${escape(labels.version)}</th></tr>${table}</table></div>
<div><h2>${escape(labels.chartTitle)}</h2>${barChart(s)}</div>
</div>
${failures ? `<h2>${escape(labels.failed)}</h2><ul>${failures}</ul>` : ''}
${latency ? `<h2>${escape(labels.latency)}</h2>${latency}` : ''}
${shift}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('again').addEventListener('click', () => vscode.postMessage({ type: 'again' }));
document.getElementById('during').addEventListener('click', () => vscode.postMessage({ type: 'during' }));
vscode.postMessage({ type: 'rendered' });
</script>
</body></html>`;
}

function labelsFor(data: LoadBalancingData): PanelLabels {
    const s = data.summary;
    return {
        title: vscode.l10n.t('Load balancing: {0} distinct hostnames', s.hostnames.length),
        hostname: vscode.l10n.t('Hostname'),
        answersTitle: vscode.l10n.t('Answers per replica'),
        chartTitle: vscode.l10n.t('Spread'),
        requests: vscode.l10n.t('Requests'),
        share: vscode.l10n.t('Share'),
        version: vscode.l10n.t('Version'),
        failed: vscode.l10n.t('Failed'),
        latency: vscode.l10n.t('Latency'),
        shiftTitle: vscode.l10n.t('Versions over time (v1 → v2)'),
        again: vscode.l10n.t('Probe Again'),
        during: vscode.l10n.t('Probe During Update (60 s)'),
        summaryLine: vscode.l10n.t('{0} requests in {1} s: {2} answered, {3} failed', s.total, (data.elapsedMs / 1000).toFixed(1), s.ok, s.failed),
        noAnswers: vscode.l10n.t('No request got an answer naming a host (<h1>I\'m HOSTNAME</h1>). Is the stack running and the port published?'),
        switchover: vscode.l10n.t('v2 answered most requests from {0} s on.', data.shift?.switchoverMs !== undefined ? (data.shift.switchoverMs / 1000).toFixed(1) : '?'),
        stopped: data.stopped === 'aborted' ? vscode.l10n.t('stopped early') : vscode.l10n.t('time limit reached'),
    };
}

/** The one panel; `show` creates or reveals it and resolves once the page rendered (bounded by the caller). */
export class LoadBalancingPanel {
    private static current: LoadBalancingPanel | undefined;
    private readonly disposables: vscode.Disposable[] = [];
    private data: LoadBalancingData | undefined;
    private rendered: (() => void) | undefined;

    private constructor(
        private readonly panel: vscode.WebviewPanel,
        private readonly onAction: (action: PanelAction, data: LoadBalancingData) => void,
    ) {
        panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
        panel.webview.onDidReceiveMessage(
            (message: { type?: string }) => {
                if (message.type === 'rendered') {
                    this.rendered?.();
                    this.rendered = undefined;
                } else if ((message.type === 'again' || message.type === 'during') && this.data) {
                    this.onAction(message.type, this.data);
                }
            },
            undefined,
            this.disposables,
        );
    }

    static show(data: LoadBalancingData, onAction: (action: PanelAction, data: LoadBalancingData) => void): Promise<void> {
        if (!LoadBalancingPanel.current) {
            const panel = vscode.window.createWebviewPanel('swarmStacks.loadBalancing', vscode.l10n.t('Load Balancing'), vscode.ViewColumn.Active, {
                enableScripts: true,
                localResourceRoots: [],
                enableFindWidget: true,
            });
            LoadBalancingPanel.current = new LoadBalancingPanel(panel, onAction);
        }
        return LoadBalancingPanel.current.update(data);
    }

    private update(data: LoadBalancingData): Promise<void> {
        this.data = data;
        const rendered = new Promise<void>((resolve) => (this.rendered = resolve));
        const nonce = crypto.randomBytes(16).toString('base64');
        this.panel.title = vscode.l10n.t('Load Balancing · {0}', data.url.replace(/^http:\/\//, '').replace(/\/$/, ''));
        this.panel.webview.html = renderLoadBalancingHtml(data, labelsFor(data), nonce, this.panel.webview.cspSource);
        this.panel.reveal(undefined, false);
        return rendered;
    }

    dispose(): void {
        LoadBalancingPanel.current = undefined;
        this.rendered?.();
        for (const d of this.disposables.splice(0)) d.dispose();
        this.panel.dispose();
    }
}
