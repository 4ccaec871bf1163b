import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { applyDeploy, prepareDeploy, touchedServices } from '../../../core/stack/deploy';
import { readBoundedFile } from '../../../core/bounded-file';
import { stackFromCompose } from '../../../core/stack/from-compose';
import { describePlan, planIsEmpty, RESOLVE_IMAGE_MODES, type DeployPlan, type ResolveImageMode } from '../../../core/stack/plan';
import { validateStackName } from '../../../core/stack/names';
import { composeContentHash, deployedByHere, type RevisionOptions } from '../../../core/stack/history';
import { removeUnusedVersions, rotationRequested } from '../../../core/stack/rotation';
import { nodeFingerprintKey } from '../../../core/stack/fingerprint-key-node';
import { registrySentences } from '../../../core/registry/errors';
import { knownHolders, unpulledWhere, type UnpulledImage } from '../../../core/nodes/image-placement';
import type { ExtensionServices } from '../../services';
import { isComposeFileName } from '../../stackNames';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { registryAuthChoice, stackImages, unanswered } from './registryConsent';

/** Options for automation (tests, other commands); a person is asked instead. */
export interface DeployStackOptions {
    stackName?: string;
    /** Deploy without showing the plan even when it updates or prunes. */
    skipConfirmation?: boolean;
    /** The images in no registry were offered for push already (this is the deploy after it). */
    pushOffered?: boolean;
    /** Registries whose digest lookup asked for credentials that were not sent (the deploy asks about them again). */
    needCredentials?: readonly string[];
}

/** Deploy Stack: from the active compose file, its explorer context menu, or the CodeLens. */
export async function deployStack(services: ExtensionServices, uriArgument?: unknown, options: DeployStackOptions = {}): Promise<void> {
    if (!vscode.workspace.isTrusted) {
        throw new Error(vscode.l10n.t('Deploying runs this workspace\'s compose file on a Docker engine, so it is disabled in an untrusted workspace.'));
    }
    const uri = await composeUri(uriArgument);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (document?.isDirty) await document.save();

    const stackName = await stackNameFor(services, uri, options.stackName);
    const config = vscode.workspace.getConfiguration('swarmStacks.deploy', uri);
    const resolveImage = config.get<string>('resolveImage', 'always') as ResolveImageMode;
    const prune = config.get<boolean>('prune', false);
    if (!RESOLVE_IMAGE_MODES.includes(resolveImage)) throw new Error(vscode.l10n.t('The setting swarmStacks.deploy.resolveImage must be always, changed or never.'));

    const loaded = stackFromCompose([uri.fsPath], { stackName, dotEnv: config.get<boolean>('readDotEnv', true) });
    if (loaded.load.dotEnvFile) services.log.info(`Read variables from ${loaded.load.dotEnvFile}`);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (!loaded.specs) {
        for (const d of errors) services.log.error(`${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
        const first = errors[0];
        throw new Error(
            vscode.l10n.t('{0} error(s) in {1}; nothing was deployed. First: line {2}: {3}', errors.length, vscode.workspace.asRelativePath(uri), (first?.range.start.line ?? 0) + 1, first?.message ?? ''),
        );
    }
    const specs = loaded.specs;
    const engine = services.session.client;
    const rotateConfigs = config.get<boolean>('rotateConfigs', false) || rotationRequested(loaded.load.config);
    const { withRegistryAuth, registryAuth } = await registryAuthChoice(services, uri, stackImages(specs), { ask: !options.skipConfirmation, needCredentials: options.needCredentials });

    const plan = await withCancellableProgress(vscode.l10n.t('Planning stack {0}', stackName), (report, signal) => {
        report(vscode.l10n.t('Reading the stack from {0}', engine.endpoint.url));
        return prepareDeploy(engine, specs, stackName, { resolveImage, prune, signal, registryAuth, withRegistryAuth, rotateConfigs, secretFingerprintKey: nodeFingerprintKey(process.env) });
    });
    services.log.info(`Plan for stack ${stackName}:\n${describePlan(plan).join('\n')}`);
    for (const warning of plan.warnings) services.log.warn(warning.trim());
    // A refused login or an unreachable registry matters to the person, not only to the log: the nodes may
    // not be able to pull. Shown, not awaited; the deploy goes on as docker stack deploy does.
    const registryProblem = registrySentences(plan.warnings)[0];
    if (registryProblem) void vscode.window.showWarningMessage(registryProblem);
    if (plan.problems.length) {
        throw new Error(vscode.l10n.t('Nothing was deployed: {0}', plan.problems.join(' ')));
    }
    // A private image could not be looked up without credentials nobody was asked about yet: ask, then plan again.
    const askable = (plan.registriesNeedingCredentials ?? []).filter((r) => unanswered(services, r));
    if (askable.length && !options.skipConfirmation && !options.needCredentials) {
        return deployStack(services, uri, { ...options, stackName, needCredentials: askable });
    }
    if (plan.registriesNeedingCredentials?.length) {
        void vscode.window.showWarningMessage(
            vscode.l10n.t(
                '{0} asks for credentials, which this workspace does not send to the swarm: the image is not pinned, and nodes that do not hold it cannot pull it. The setting swarmStacks.deploy.withRegistryAuth sends them.',
                plan.registriesNeedingCredentials.join(', '),
            ),
        );
    }
    if (planIsEmpty(plan)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Stack {0} is up to date: nothing to change.', stackName));
        return;
    }
    if (plan.unpulledImages?.length && !options.skipConfirmation) {
        if (await offerPush(plan.unpulledImages, !options.pushOffered)) {
            // Pushed: plan again, so that the images are pinned by digest and every node can pull them.
            return deployStack(services, uri, { ...options, stackName, pushOffered: true });
        }
    }
    if (!options.skipConfirmation && needsConfirmation(plan)) {
        await confirmPlan(plan);
    }

    // The revision this deploy records in the swarm (core/stack/history.ts): the History node lists it.
    const history: RevisionOptions = {
        limit: vscode.workspace.getConfiguration('swarmStacks.history').get<number>('limit', 10),
        version: String((services.context.extension.packageJSON as { version?: unknown }).version ?? ''),
        deployedBy: deployedByHere(process.env),
        composeHash: composeContentHash([readBoundedFile(uri.fsPath)]),
    };
    // Services that run only on the nodes holding their image: deployed, but not as the file declares.
    const shortfalls: string[] = [];
    await withCancellableProgress(vscode.l10n.t('Deploying stack {0}', stackName), async (report, signal) => {
        const result = await applyDeploy(engine, plan, {
            resolveImage,
            prune,
            registryAuth,
            withRegistryAuth,
            history,
            signal,
            onProgress: (line) => {
                services.log.info(line);
                report(line);
            },
        });
        for (const warning of result.warnings) services.log.warn(warning.trim());
        void services.model.refresh();
        for (const id of touchedServices(result)) {
            const followed = await followService(engine, id, report, signal, { timeoutMs: waitTimeoutMs(), log: services.log });
            if (followed.pullRejected) shortfalls.push(followed.text);
        }
        // Rotation: the services run the new versions now, so the old ones nobody uses go.
        if (plan.rotation) {
            const cleanup = await removeUnusedVersions(engine, stackName, plan.rotation, { signal });
            for (const name of cleanup.removed) services.log.info(`Removed old version ${name}`);
            for (const kept of cleanup.kept) services.log.warn(`Kept old version ${kept}`);
        }
    });
    void services.model.refresh();
    if (shortfalls.length) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Stack {0} is deployed, but some nodes could not get an image: {1}', stackName, shortfalls.join(' ')));
        return;
    }
    void vscode.window.showInformationMessage(vscode.l10n.t('Stack {0} deployed.', stackName));
}

async function composeUri(argument: unknown): Promise<vscode.Uri> {
    if (argument instanceof vscode.Uri) return argument;
    const active = vscode.window.activeTextEditor?.document;
    if (active && (active.languageId === 'dockercompose' || isComposeFileName(active.uri.path))) return active.uri;
    const found = await vscode.workspace.findFiles('**/{docker-compose,compose,*stack*}*.{yml,yaml}', '**/node_modules/**', 50);
    if (!found.length) throw new Error(vscode.l10n.t('Open a compose file to deploy.'));
    const picked = await vscode.window.showQuickPick(found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), { placeHolder: vscode.l10n.t('Compose file to deploy') });
    if (!picked) throw new CancelledError();
    return picked.uri;
}

async function stackNameFor(services: ExtensionServices, uri: vscode.Uri, given: string | undefined): Promise<string> {
    let name = given ?? services.stackNames.get(uri);
    if (name === undefined) {
        name = await vscode.window.showInputBox({
            title: vscode.l10n.t('Deploy Stack'),
            prompt: vscode.l10n.t('Stack name for {0} (remembered for this file)', vscode.workspace.asRelativePath(uri)),
            value: services.stackNames.suggest(uri),
            validateInput: (value) => {
                try {
                    validateStackName(value);
                    return undefined;
                } catch (error) {
                    return error instanceof Error ? error.message : String(error);
                }
            },
        });
        if (name === undefined) throw new CancelledError();
    }
    const valid = validateStackName(name);
    if (services.stackNames.get(uri) !== valid) await services.stackNames.remember(uri, valid);
    return valid;
}

/**
 * Images no node but (maybe) this engine's can run: a quick pick says which services cannot start on which
 * nodes and what is known, and offers Push (the Push Image command, one image at a time) next to deploying
 * anyway. True when every image was pushed; a push that failed has shown its error, and nothing is deployed.
 */
async function offerPush(images: UnpulledImage[], canPush: boolean): Promise<boolean> {
    type Item = vscode.QuickPickItem & { choice?: 'push' | 'deploy' | 'cancel' };
    const names = images.map((u) => u.image);
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = names.length === 1
        ? vscode.l10n.t('Image {0} {1}', names[0], unpulledWhere(images[0]))
        : vscode.l10n.t('{0} images are in no registry the nodes can pull from', names.length);
    pick.placeholder = vscode.l10n.t('Some services cannot start on every node: push, or deploy anyway');
    pick.ignoreFocusOut = true;
    const known: Item[] = images.flatMap((u) => {
        const holders = knownHolders(u);
        return [
            ...u.services.map((s): Item => ({
                label: `$(warning) ${vscode.l10n.t('service {0} cannot start on {1}', s.name, s.cannotStartOn.join(', '))}`,
                ...(s.canStartOn.length ? { detail: vscode.l10n.t('it can on {0}', s.canStartOn.join(', ')) } : {}),
            })),
            { label: `$(info) ${holders.head}`, detail: holders.reason },
        ];
    });
    pick.items = [
        ...(canPush ? [{ label: `$(repo-push) ${names.length === 1 ? vscode.l10n.t('Push {0}', names[0]) : vscode.l10n.t('Push {0} Images', names.length)}`, description: vscode.l10n.t('then deploy'), choice: 'push' as const }] : []),
        { label: `$(rocket) ${vscode.l10n.t('Deploy Anyway')}`, choice: 'deploy' },
        { label: `$(close) ${vscode.l10n.t('Cancel')}`, choice: 'cancel' },
        { label: vscode.l10n.t('What is known'), kind: vscode.QuickPickItemKind.Separator },
        ...known,
    ];
    const choice = await new Promise<Item['choice']>((resolve) => {
        let chosen: Item['choice'];
        pick.onDidAccept(() => {
            // A line of what is known only informs: accepting it keeps the question open.
            chosen = pick.selectedItems[0]?.choice;
            if (chosen) pick.hide();
        });
        pick.onDidHide(() => {
            pick.dispose();
            resolve(chosen);
        });
        pick.show();
    });
    if (choice === 'deploy') return false;
    if (choice !== 'push') throw new CancelledError();
    for (const image of names) {
        const pushed = await vscode.commands.executeCommand('swarmStacks.pushImage', image);
        if (pushed === undefined) throw new CancelledError();
    }
    return true;
}

function needsConfirmation(plan: DeployPlan): boolean {
    return plan.prune.length > 0 || plan.services.some((s) => s.action === 'update');
}

async function confirmPlan(plan: DeployPlan): Promise<void> {
    const updates = plan.services.filter((s) => s.action === 'update').map((s) => s.name);
    const detail = describePlan(plan).filter((line) => !line.endsWith(': unchanged')).join('\n');
    const deploy = vscode.l10n.t('Deploy');
    const summary = plan.prune.length
        ? vscode.l10n.t('Update {0} and remove {1} from stack {2}?', updates.join(', ') || '-', plan.prune.map((p) => p.name).join(', '), plan.stackName)
        : vscode.l10n.t('Update {0} in stack {1}?', updates.join(', '), plan.stackName);
    const choice = await vscode.window.showWarningMessage(summary, { modal: true, detail }, deploy);
    if (choice !== deploy) throw new CancelledError();
}
