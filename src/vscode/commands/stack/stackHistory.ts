import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { applyDeploy, prepareDeploy, touchedServices } from '../../../core/stack/deploy';
import { stackFromCompose } from '../../../core/stack/from-compose';
import { deployedByHere, readHistory, type HistoryEntry, type RevisionPayload } from '../../../core/stack/history';
import { describePlan, planIsEmpty, RESOLVE_IMAGE_MODES, type DeployPlan, type ResolveImageMode } from '../../../core/stack/plan';
import { describeRevisionChange, describeRollbackPlan, driftDocuments, prepareRollback, revisionDocument } from '../../../core/stack/rollback';
import type { ExtensionServices } from '../../services';
import { isComposeFileName } from '../../stackNames';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { registryAuthChoice, stackImages } from './registryConsent';
import { rotationRequested } from '../../../core/stack/rotation';
import { nodeFingerprintKey } from '../../../core/stack/fingerprint-key-node';

const SCHEME = 'swarm-stacks-history';

/** A revision (or the stack) as the History node's items and automation pass it. */
interface HistoryTarget {
    stackName?: string;
    /** Set on a revision item. */
    entry?: HistoryEntry;
    /** For automation: the revision number. */
    revision?: number;
    /** A stack item of the Stacks view. */
    stack?: { name: string };
}

/** The documents of the diffs: their text is made once, when the command runs, and kept until closed. */
const documents = new Map<string, string>();
let providerRegistered = false;

function registerProvider(services: ExtensionServices): void {
    if (providerRegistered) return;
    providerRegistered = true;
    services.context.subscriptions.push(
        vscode.workspace.registerTextDocumentContentProvider(SCHEME, { provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? '' }),
        vscode.workspace.onDidCloseTextDocument((d) => {
            if (d.uri.scheme === SCHEME) documents.delete(d.uri.toString());
        }),
    );
}

function documentUri(path: string, text: string): vscode.Uri {
    // A new query each time: the same revision opened again is read again, not served from an old tab.
    const uri = vscode.Uri.from({ scheme: SCHEME, path, query: String(Date.now()) });
    documents.set(uri.toString(), text);
    return uri;
}

function stackOf(target: HistoryTarget | undefined): string | undefined {
    return target?.stackName ?? target?.stack?.name;
}

async function pickStack(services: ExtensionServices, target: HistoryTarget | undefined): Promise<string> {
    const known = stackOf(target);
    if (known) return known;
    const stacks = services.model.snapshot?.stacks.map((s) => s.name) ?? [];
    const picked = await vscode.window.showQuickPick(stacks, { placeHolder: vscode.l10n.t('Stack') });
    if (!picked) throw new CancelledError();
    return picked;
}

function revisions(entries: readonly HistoryEntry[]): Extract<HistoryEntry, { kind: 'revision' }>[] {
    return entries.filter((e): e is Extract<HistoryEntry, { kind: 'revision' }> => e.kind === 'revision');
}

/** One line that names a revision: number, what it was, when and by whom. */
export function revisionLabel(payload: RevisionPayload): string {
    return vscode.l10n.t('Revision {0}: {1}, {2} by {3}', payload.revision, payload.reason, payload.time.replace('T', ' ').replace(/\.\d+Z$/, ''), payload.deployedBy);
}

async function pickRevision(stack: string, entries: readonly HistoryEntry[], placeHolder: string, except?: number): Promise<RevisionPayload> {
    const items = revisions(entries)
        .filter((r) => r.revision !== except)
        .reverse()
        .map((r) => ({ label: vscode.l10n.t('Revision {0}', r.revision), description: r.payload.reason, detail: revisionLabel(r.payload), payload: r.payload }));
    if (!items.length) throw new Error(vscode.l10n.t('Stack {0} has no other revision to choose.', stack));
    const picked = await vscode.window.showQuickPick(items, { placeHolder });
    if (!picked) throw new CancelledError();
    return picked.payload;
}

/**
 * Roll Stack Back to Revision N: the plan first (a modal naming every service that changes and how), then the
 * revision's specs to every service, pruning the others; the rollback is recorded as a new revision.
 */
export async function rollbackStack(services: ExtensionServices, argument?: unknown, options: { skipConfirmation?: boolean } = {}): Promise<void> {
    const target = argument as HistoryTarget | undefined;
    const stack = await pickStack(services, target);
    const engine = services.session.client;
    let n = target?.revision ?? (target?.entry && target.entry.kind !== 'outside' ? target.entry.revision : undefined);
    if (target?.entry?.kind === 'refused') throw new Error(target.entry.reason);
    if (n === undefined) {
        const entries = await readHistory(engine, stack);
        n = (await pickRevision(stack, entries, vscode.l10n.t('Roll stack {0} back to', stack))).revision;
    }
    const revision = n;
    const { plan, revision: payload } = await withCancellableProgress(vscode.l10n.t('Planning the rollback of {0} to revision {1}', stack, revision), (_report, signal) =>
        prepareRollback(engine, stack, revision, { signal }),
    );
    services.log.info(`Rollback of stack ${stack} to revision ${revision}:\n${describeRollbackPlan(plan).join('\n')}`);
    if (plan.problems.length) throw new Error(vscode.l10n.t('Nothing was changed: {0}', plan.problems.join(' ')));
    if (planIsEmpty(plan)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Stack {0} already runs revision {1}: nothing to change.', stack, revision));
        return;
    }
    if (!options.skipConfirmation) await confirmRollback(plan, revision);
    const limit = vscode.workspace.getConfiguration('swarmStacks.history').get<number>('limit', 10);
    await withCancellableProgress(vscode.l10n.t('Rolling stack {0} back to revision {1}', stack, revision), async (report, signal) => {
        const result = await applyDeploy(engine, plan, {
            resolveImage: 'never',
            prune: true,
            keepSpecImages: true,
            signal,
            onProgress: (line) => {
                services.log.info(line);
                report(line);
            },
            history: { limit, version: extensionVersion(services), deployedBy: deployedByHere(process.env), composeHash: payload.composeHash, reason: `rollback to revision ${revision}` },
        });
        for (const warning of result.warnings) services.log.warn(warning.trim());
        void services.model.refresh();
        for (const id of touchedServices(result)) {
            await followService(engine, id, report, signal, { timeoutMs: waitTimeoutMs(), log: services.log });
        }
    });
    void services.model.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('Stack {0} rolled back to revision {1}.', stack, revision));
}

function extensionVersion(services: ExtensionServices): string {
    return String((services.context.extension.packageJSON as { version?: unknown }).version ?? '');
}

async function confirmRollback(plan: DeployPlan, revision: number): Promise<void> {
    // Each created or updated service's image, mounts and networks: a revision's checksum says nothing of who wrote it.
    const detail = describeRollbackPlan(plan).filter((line) => !line.endsWith(': unchanged')).join('\n');
    const rollback = vscode.l10n.t('Roll Back');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Roll stack {0} back to revision {1}?', plan.stackName, revision), { modal: true, detail }, rollback);
    if (choice !== rollback) throw new CancelledError();
}

/**
 * Compare Revisions: two revisions side by side (vscode.diff), each service's spec; the older on the left.
 * `against` "previous" (a click on a revision) compares with the revision before it, else a quick pick asks.
 */
export async function compareRevisions(services: ExtensionServices, argument?: unknown, against?: unknown): Promise<void> {
    registerProvider(services);
    const target = argument as HistoryTarget | undefined;
    const stack = await pickStack(services, target);
    const entries = await readHistory(services.session.client, stack);
    const all = revisions(entries);
    const chosen = target?.entry?.kind === 'revision' ? target.entry.payload : target?.revision !== undefined ? all.find((r) => r.revision === target.revision)?.payload : undefined;
    if (target?.entry?.kind === 'refused') throw new Error(target.entry.reason);
    const one = chosen ?? (await pickRevision(stack, entries, vscode.l10n.t('Revision of {0} to compare', stack)));
    let other: RevisionPayload | undefined;
    if (typeof against === 'number') other = all.find((r) => r.revision === against)?.payload;
    else if (against === 'previous') other = [...all].reverse().find((r) => r.revision < one.revision)?.payload;
    else other = await pickRevision(stack, entries, vscode.l10n.t('Compare revision {0} with', one.revision), one.revision);
    const [left, right] = !other ? [undefined, one] : other.revision < one.revision ? [other, one] : [one, other];
    services.log.info(`Stack ${stack}, ${left ? `revision ${left.revision} → ` : ''}revision ${right.revision}:\n${describeRevisionChange(left, right).join('\n')}`);
    const leftUri = documentUri(`/${stack}/revision-${left?.revision ?? 0}.txt`, left ? revisionDocument(left) : vscode.l10n.t('# (no earlier revision)\n'));
    // The changes, in the deploy plan's words, head the newer side; the specs below them line up with the older side.
    const changes = describeRevisionChange(left, right).filter((line) => !line.endsWith(': unchanged'));
    const summary = left ? `# Changes from revision ${left.revision}:\n${(changes.length ? changes : ['(none)']).map((line) => `#   ${line}`).join('\n')}\n` : '';
    const rightUri = documentUri(`/${stack}/revision-${right.revision}.txt`, summary + revisionDocument(right));
    const title = left ? vscode.l10n.t('{0}: revision {1} ↔ {2}', stack, left.revision, right.revision) : vscode.l10n.t('{0}: revision {1}', stack, right.revision);
    await vscode.commands.executeCommand('vscode.diff', leftUri, rightUri, title, { preview: true });
}

/**
 * Show Drift: what deploying the stack's compose file would change in the running stack, as a diff of the live
 * specs (left) and the same specs with the deploy's changes (right); the plan goes to the log.
 */
export async function showDrift(services: ExtensionServices, argument?: unknown): Promise<{ drift: boolean }> {
    registerProvider(services);
    const { uri, stack } = await composeFileFor(services, argument);
    const config = vscode.workspace.getConfiguration('swarmStacks.deploy', uri);
    const resolveImage = config.get<string>('resolveImage', 'always') as ResolveImageMode;
    if (!RESOLVE_IMAGE_MODES.includes(resolveImage)) throw new Error(vscode.l10n.t('The setting swarmStacks.deploy.resolveImage must be always, changed or never.'));
    const loaded = stackFromCompose([uri.fsPath], { stackName: stack, dotEnv: config.get<boolean>('readDotEnv', true) });
    if (!loaded.specs) {
        const first = loaded.diagnostics.find((d) => d.severity === 'error');
        throw new Error(vscode.l10n.t('{0} has errors; first: line {1}: {2}', vscode.workspace.asRelativePath(uri), (first?.range.start.line ?? 0) + 1, first?.message ?? ''));
    }
    const specs = loaded.specs;
    const engine = services.session.client;
    // The plan Deploy Stack would make, with its options: the same rotation, and credentials only where the deploy sends them.
    const rotateConfigs = config.get<boolean>('rotateConfigs', false) || rotationRequested(loaded.load.config);
    const auth = await registryAuthChoice(services, uri, stackImages(specs), { ask: false });
    const plan = await withCancellableProgress(vscode.l10n.t('Comparing {0} with stack {1}', vscode.workspace.asRelativePath(uri), stack), (_report, signal) =>
        prepareDeploy(engine, specs, stack, { resolveImage, prune: config.get<boolean>('prune', false), signal, rotateConfigs, secretFingerprintKey: nodeFingerprintKey(process.env), ...auth }),
    );
    if (plan.problems.length) throw new Error(vscode.l10n.t('A deploy would be refused: {0}', plan.problems.join(' ')));
    const drift = !planIsEmpty(plan);
    services.log.info(`Drift of stack ${stack} from ${uri.fsPath}:\n${describePlan(plan).join('\n')}`);
    const docs = driftDocuments(plan);
    const live = documentUri(`/${stack}/live.json`, docs.live);
    const compose = documentUri(`/${stack}/${uri.path.split('/').pop() ?? 'compose'}.json`, docs.compose);
    await vscode.commands.executeCommand('vscode.diff', live, compose, vscode.l10n.t('{0}: running ↔ {1}', stack, vscode.workspace.asRelativePath(uri)), { preview: true });
    if (!drift) void vscode.window.showInformationMessage(vscode.l10n.t('Stack {0} runs what {1} declares: no drift.', stack, vscode.workspace.asRelativePath(uri)));
    return { drift };
}

/** The compose file and stack of Show Drift: a compose file (its remembered stack), or a stack (its compose file). */
async function composeFileFor(services: ExtensionServices, argument: unknown): Promise<{ uri: vscode.Uri; stack: string }> {
    if (argument instanceof vscode.Uri) return { uri: argument, stack: services.stackNames.get(argument) ?? (await services.associations.pick(argument)) };
    const stackName = stackOf(argument as HistoryTarget | undefined);
    const active = vscode.window.activeTextEditor?.document.uri;
    if (!stackName && active && isComposeFileName(active.path)) return { uri: active, stack: services.stackNames.get(active) ?? (await services.associations.pick(active)) };
    const stack = stackName ?? (await pickStack(services, undefined));
    const remembered = services.stackNames.filesOf(stack);
    if (remembered.length === 1) return { uri: remembered[0], stack };
    const files = await vscode.workspace.findFiles('**/{docker-compose,compose,*stack*}*.{yml,yaml}', '**/node_modules/**', 50);
    const ofStack = remembered.length ? remembered : files.filter((f) => services.stackNames.get(f) === stack);
    if (ofStack.length === 1) return { uri: ofStack[0], stack };
    const candidates = ofStack.length ? ofStack : files;
    if (!candidates.length) throw new Error(vscode.l10n.t('No compose file in the workspace to compare with stack {0}.', stack));
    const picked = await vscode.window.showQuickPick(candidates.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), { placeHolder: vscode.l10n.t('Compose file of stack {0}', stack) });
    if (!picked) throw new CancelledError();
    return { uri: picked.uri, stack };
}
