import * as vscode from 'vscode';
import { registryAuthChoice } from './registryConsent';
import { checkImageReference } from '../../../core/image-reference';
import { orderImageTags } from '../../../core/stack/image-choice';
import { updateServiceImage as sendImageUpdate } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { pickOrType } from '../project/prompts';
import { describeProgress, followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';
import { CancelledError } from '../../../core/cancellation';
import { summarize, versionShift, type ProbeResult, type ProbeSummary, type StopReason } from '../../../core/probe/probe';
import type { ServiceSummary } from '../../../core/swarm-snapshot';
import { describeVerifiedUpdate, verifiedImageUpdate } from '../../../core/stack/verified-update';
import { LoadBalancingPanel, type LoadBalancingData, type PanelAction } from '../../views/loadBalancingPanel';
import { publishedPort, urlFor } from '../project/checkLoadBalancing';

/** Automation (tests, other commands): `verify` is the URL to probe, or false for none; a person is asked instead. */
interface UpdateServiceImageOptions {
    verify?: string | false;
}

/**
 * Update Service Image: a rolling update that honours the service's update_config. When the service's stack has a
 * proxy publishing a port, the update can be verified through it: the URL is probed all through the update with the
 * Load Balancing chart live, and the update fails (shown once) when any request failed.
 */
export async function updateServiceImage(services: ExtensionServices, argument?: unknown, imageArgument?: unknown, optionsArgument?: unknown): Promise<VerifiedUpdateOutcome | undefined> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to update'));
    const image = typeof imageArgument === 'string' ? imageArgument : await pickImage(services, target.summary?.image);
    const options = (optionsArgument && typeof optionsArgument === 'object' ? optionsArgument : {}) as UpdateServiceImageOptions;
    const verifyUrl = options.verify !== undefined ? options.verify || undefined : typeof imageArgument === 'string' ? undefined : await pickVerification(services, target.summary);
    const engine = services.session.client;
    if (verifyUrl !== undefined) return verifiedUpdate(services, target.name, image, verifyUrl);

    await withCancellableProgress(vscode.l10n.t('Updating {0} to {1}', target.name, image), async (report, signal) => {
        const result = await sendImageUpdate(engine, target.name, image, { signal, ...(await registryAuthFor(services, image)) });
        for (const warning of result.warnings) services.log.warn(warning);
        services.log.info(`Updating ${target.name} to ${image}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, (message) => report(`${image} · ${message}`), signal, { timeoutMs: waitTimeoutMs(), log: services.log });
    });
    void services.model.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} runs {1}.', target.name, image));
    return undefined;
}

/** The published ports of the other services of the stack (its proxy), as URLs on this machine. */
function proxyUrls(services: ExtensionServices, summary: ServiceSummary | undefined): { url: string; source: string }[] {
    if (!summary?.stack) return [];
    const stack = services.model.snapshot?.stacks.find((s) => s.name === summary.stack);
    return (stack?.services ?? [])
        .filter((s) => s.id !== summary.id)
        .flatMap((s) => s.ports.map((p) => ({ port: publishedPort(p), source: `${s.name} ${p}` })))
        .filter((p): p is { port: number; source: string } => p.port !== undefined)
        .map((p) => ({ url: urlFor(p.port), source: p.source }));
}

async function pickVerification(services: ExtensionServices, summary: ServiceSummary | undefined): Promise<string | undefined> {
    const urls = proxyUrls(services, summary);
    if (!urls.length) return undefined;
    type Item = vscode.QuickPickItem & { url?: string };
    const items: Item[] = [
        ...urls.map((u) => ({ label: `$(pulse) ${vscode.l10n.t('Update and Verify Through {0}', u.url)}`, description: u.source, detail: vscode.l10n.t('Probe the proxy all through the update, with the chart live; fail when any request fails'), url: u.url })),
        { label: `$(arrow-up) ${vscode.l10n.t('Update Without Verification')}` },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Update Service Image'), placeHolder: vscode.l10n.t('Verify the rolling update with traffic?') });
    if (!picked) throw new CancelledError();
    return picked.url;
}

/** What a verified update resolves with, for automation: the probe's counts and how often the chart was redrawn. */
interface VerifiedUpdateOutcome {
    summary: ProbeSummary;
    before: string[];
    after: string[];
    panelUpdates: number;
}

/** The update under probe; the Load Balancing panel follows it about once a second. */
async function verifiedUpdate(services: ExtensionServices, service: string, image: string, url: string): Promise<VerifiedUpdateOutcome> {
    const engine = services.session.client;
    const samples: ProbeResult[] = [];
    let lastShown = 0;
    let panelUpdates = 0;
    const onAction = (action: PanelAction, shown: LoadBalancingData): void => {
        void vscode.commands.executeCommand('swarmStacks.checkLoadBalancing', undefined, { url: shown.url, mode: action === 'during' ? 'during' : 'requests' });
    };
    const show = (stopped: StopReason, elapsedMs: number) =>
        LoadBalancingPanel.show(
            { url, source: vscode.l10n.t('update of {0} to {1}', service, image), mode: 'during', summary: summarize(samples), stopped, elapsedMs, shift: versionShift(samples, 1000), takenAt: new Date() },
            onAction,
        );
    const report = await withCancellableProgress(vscode.l10n.t('Updating {0} to {1} under probe', service, image), async (progress, signal) => {
        services.log.info(`Updating ${service} to ${image}, verified through ${url}`);
        return verifiedImageUpdate(engine, service, image, {
            url,
            waitTimeoutMs: waitTimeoutMs(),
            signal,
            ...(await registryAuthFor(services, image)),
            onProgress: (p) => progress(`${image} · ${describeProgress(p)}`),
            onSample: (sample) => {
                samples.push(sample);
                if (sample.startMs - lastShown >= 1000) {
                    lastShown = sample.startMs;
                    panelUpdates++;
                    // Not awaited: the page renders while the update goes on.
                    void show('completed', sample.startMs);
                }
            },
        });
    });
    void services.model.refresh();
    const lines = describeVerifiedUpdate(report);
    for (const line of lines) services.log.info(line);
    void show('completed', report.results.at(-1)?.startMs ?? 0);
    if (!report.passed) throw new Error(lines[lines.length - 1]);
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} runs {1}: {2} requests answered, none failed.', service, image, report.summary.ok));
    return { summary: report.summary, before: report.before.versions, after: report.after.versions, panelUpdates };
}

/**
 * Local image tags of the same repository first, then every other tag; or type one. What is typed in full is what is
 * deployed, and an invalid reference is refused in the pick, before any request.
 */
async function pickImage(services: ExtensionServices, current: string | undefined): Promise<string> {
    const images = await services.session.client.listImages();
    const tags = orderImageTags(images.flatMap((i) => i.RepoTags ?? []), current);
    return pickOrType({
        title: vscode.l10n.t('Update Service Image'),
        placeholder: vscode.l10n.t('Image for the rolling update (currently {0}); pick a local tag or type one', current ?? '?'),
        items: tags.map((t) => ({ label: t, description: t === current ? vscode.l10n.t('current') : undefined })),
        problemOf: checkImageReference,
    });
}

/**
 * `--with-registry-auth` of `docker service update`: the credentials of the new image's registry when the setting
 * swarmStacks.deploy.withRegistryAuth or this workspace's answer for that registry (registryConsent.ts) allows them;
 * otherwise none are read and the engine keeps those stored with the service.
 */
async function registryAuthFor(services: ExtensionServices, image: string): Promise<{ authHeader?: string }> {
    const choice = await registryAuthChoice(services, undefined, [image], { ask: false });
    const authHeader = choice.registryAuth ? await choice.registryAuth.authHeaderFor(image) : '';
    return authHeader ? { authHeader } : {};
}
