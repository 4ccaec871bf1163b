import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { appNameFromFolder, completeScaffoldInput, DEFAULT_REPLICAS, imageInRegistry, validateRegistry } from '../../../core/scaffold/input';
import { refuseLinks, templateReader } from '../../../core/scaffold/node-fs';
import {
    applyScaffold,
    DEFAULT_SCAFFOLD_VALUES,
    planScaffold,
    TEMPLATE_FILES,
    validateAppName,
    type ScaffoldApplyResult,
    type ScaffoldDecision,
    type ScaffoldVariant,
} from '../../../core/scaffold/plan';
import type { ExtensionServices } from '../../services';
import type { ProposedDocuments } from './proposedDocuments';
import { input, isDirectory, optionsArgument, pick, readText, uriArgument, validateInteger } from './prompts';

/** Answers given up front (automation, tests); every missing one is asked. */
interface NewProjectOptions {
    folder: string | vscode.Uri;
    variant: ScaffoldVariant;
    appName: string;
    replicas: number;
    /** The port HAProxy publishes on the node. */
    port: number;
    appPort: number;
    statsPort: number;
    baseImage: string;
    haproxyImage: string;
    /** Registry of the app image (`127.0.0.1:5000`, `registry.example.com/team`); empty: the image stays local. */
    registry: string;
    /** What to do with files that exist with other content, instead of asking (explicit consent). */
    onConflict: ScaffoldDecision;
    /** Open the compose file when done (default true). */
    open: boolean;
}

interface NewProjectResult extends ScaffoldApplyResult {
    folder: string;
}

const MAX_DIFF_ROUNDS = 10;

async function askFolder(): Promise<vscode.Uri> {
    type Item = vscode.QuickPickItem & { uri?: vscode.Uri; action?: 'choose' | 'new' };
    const folders = vscode.workspace.workspaceFolders ?? [];
    const items: Item[] = folders.map((f) => ({ label: `$(folder) ${f.name}`, description: f.uri.fsPath, uri: f.uri }));
    if (folders.length > 0) items.push({ label: vscode.l10n.t('$(new-folder) New folder in {0}…', folders[0].name), action: 'new' });
    items.push({ label: vscode.l10n.t('$(folder-opened) Choose folder…'), action: 'choose' });
    const chosen = await pick(items, { title: vscode.l10n.t('New Load-Balanced Project: where?'), placeHolder: vscode.l10n.t('The folder to write the project into') });
    if (chosen.uri) return chosen.uri;
    if (chosen.action === 'new') {
        const parent = folders[0].uri;
        const name = await input({
            title: vscode.l10n.t('New folder in {0}', folders[0].name),
            value: 'lb-demo',
            validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.trim()) ? undefined : vscode.l10n.t('Letters, digits, ".", "_" and "-" only.')),
        });
        return vscode.Uri.joinPath(parent, name.trim());
    }
    const opened = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Create Project Here') });
    if (!opened?.[0]) throw new CancelledError();
    return opened[0];
}

async function askVariant(): Promise<ScaffoldVariant> {
    const items: (vscode.QuickPickItem & { variant: ScaffoldVariant })[] = [
        {
            label: 'haproxy-dns',
            description: vscode.l10n.t('recommended'),
            detail: vscode.l10n.t('Official HAProxy image, replicas found through Docker DNS (tasks.<service>); scaling needs no reload'),
            variant: 'haproxy-dns',
        },
        {
            label: 'blog-faithful',
            detail: vscode.l10n.t('The 2021 blog post as written, with dockercloud/haproxy (archived in 2018, cannot be pulled offline)'),
            variant: 'blog-faithful',
        },
    ];
    return (await pick(items, { title: vscode.l10n.t('New Load-Balanced Project: variant') })).variant;
}

/** Overwrite / Skip / Show Diff for one file that exists with other content; Show Diff asks again afterwards. */
async function askConflict(proposed: ProposedDocuments, file: vscode.Uri, relPath: string, content: string): Promise<ScaffoldDecision> {
    type Item = vscode.QuickPickItem & { choice: ScaffoldDecision | 'diff' };
    const items: Item[] = [
        { label: vscode.l10n.t('Skip'), description: vscode.l10n.t('keep the existing file'), choice: 'skip' },
        { label: vscode.l10n.t('Overwrite'), description: vscode.l10n.t('replace it with the template'), choice: 'overwrite' },
        { label: vscode.l10n.t('Show Diff'), description: vscode.l10n.t('compare, then decide'), choice: 'diff' },
    ];
    for (let round = 0; round < MAX_DIFF_ROUNDS; round++) {
        const chosen = await pick(items, { title: vscode.l10n.t('{0} already exists with other content', relPath), placeHolder: vscode.l10n.t('Skip keeps your file') });
        if (chosen.choice !== 'diff') return chosen.choice;
        await proposed.showDiff(file, content, vscode.l10n.t('{0} (yours) ↔ template', relPath));
    }
    return 'skip';
}

export function newProjectCommand(services: ExtensionServices, proposed: ProposedDocuments) {
    return async (arg?: unknown): Promise<NewProjectResult> => {
        const options = optionsArgument<NewProjectOptions>(arg);
        const folderUri = uriArgument(options.folder) ?? (await askFolder());
        const variant = options.variant ?? (await askVariant());
        const appName =
            options.appName ??
            (await input({
                title: vscode.l10n.t('New Load-Balanced Project: app name'),
                prompt: vscode.l10n.t('The compose service name of the app (also its DNS name)'),
                value: appNameFromFolder(folderUri.fsPath),
                validateInput: (v) => (validateAppName(v.trim()) === undefined ? undefined : vscode.l10n.t('Lowercase letters, digits and "-", starting with a letter; not "proxy".')),
            })).trim();
        const replicas =
            options.replicas ??
            Number(
                await input({
                    title: vscode.l10n.t('New Load-Balanced Project: replicas'),
                    prompt: vscode.l10n.t('How many copies of the app HAProxy balances over'),
                    value: String(DEFAULT_REPLICAS),
                    validateInput: (v) => validateInteger(v, 1, 1000),
                }),
            );
        const port =
            options.port ??
            Number(
                await input({
                    title: vscode.l10n.t('New Load-Balanced Project: port'),
                    prompt: vscode.l10n.t('The port HAProxy publishes on the node (http://localhost:PORT/)'),
                    value: String(DEFAULT_SCAFFOLD_VALUES[variant].publishedPort),
                    validateInput: (v) => validateInteger(v, 1, 65535),
                }),
            );

        // Asked in the interactive sequence only (after the port): automation that answers up front and
        // leaves it out keeps the image local, as before registries existed here.
        const registry =
            options.registry ??
            (options.port !== undefined ? '' : (await input({
                title: vscode.l10n.t('New Load-Balanced Project: registry'),
                prompt: vscode.l10n.t('Registry to push the app image to, so that every node can pull it (e.g. registry.example.com or 127.0.0.1:5000). Leave empty to keep the image on this engine.'),
                placeHolder: vscode.l10n.t('none: {0}', imageInRegistry(undefined, appName)),
                validateInput: (v) => validateRegistry(v) ?? undefined,
            })).trim());

        const config = vscode.workspace.getConfiguration('swarmStacks.scaffold');
        const scaffoldInput = completeScaffoldInput({
            variant,
            targetDir: folderUri.fsPath,
            appName,
            replicas,
            publishedPort: port,
            registry,
            appPort: options.appPort,
            statsPort: options.statsPort,
            baseImage: options.baseImage ?? config.get<string>('baseImage') ?? undefined,
            // The blog-faithful variant is about dockercloud/haproxy: the setting is for the maintained variant.
            haproxyImage: options.haproxyImage ?? (variant === 'haproxy-dns' ? config.get<string>('haproxyImage') : undefined) ?? undefined,
        });

        const existing = new Map<string, string>();
        for (const relPath of TEMPLATE_FILES[variant]) {
            // Never through a symbolic link in the folder (the error names it; the registry wrapper shows it).
            if (folderUri.scheme === 'file') refuseLinks(folderUri.fsPath, relPath);
            const text = await readText(vscode.Uri.joinPath(folderUri, relPath));
            if (text !== undefined) existing.set(relPath, text);
        }
        if (!(await isDirectory(folderUri)) && existing.size === 0) {
            await vscode.workspace.fs.createDirectory(folderUri);
        }
        const templates = templateReader(path.join(services.context.extensionUri.fsPath, 'media', 'templates'));
        // ScaffoldInputError names every problem; the registry wrapper shows it.
        const plan = planScaffold(scaffoldInput, templates, (relPath) => existing.get(relPath));

        const decisions = new Map<string, ScaffoldDecision>();
        for (const file of plan.files.filter((f) => f.action === 'conflict')) {
            const decision = options.onConflict ?? (await askConflict(proposed, vscode.Uri.joinPath(folderUri, file.relPath), file.relPath, file.content));
            decisions.set(file.relPath, decision);
        }
        const result = await applyScaffold(plan, decisions, async (relPath, content) => {
            if (folderUri.scheme === 'file') refuseLinks(folderUri.fsPath, relPath);
            await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folderUri, relPath), new TextEncoder().encode(content));
        });
        services.log.info(
            `New project in ${folderUri.fsPath} (${variant}): wrote ${result.written.join(', ') || 'nothing'}; kept ${result.skipped.map((s) => `${s.relPath} (${s.reason})`).join(', ') || 'nothing'}`,
        );

        const compose = vscode.Uri.joinPath(folderUri, 'docker-compose.yaml');
        if (options.open !== false) {
            await vscode.window.showTextDocument(compose, { preview: false });
        }
        const build = vscode.l10n.t('Build Image');
        void vscode.window
            .showInformationMessage(
                vscode.l10n.t('Project {0} in {1}: {2} file(s) written, {3} kept.', scaffoldInput.appName, path.basename(folderUri.fsPath), result.written.length, result.skipped.length),
                build,
            )
            .then(
                (choice) => (choice === build ? vscode.commands.executeCommand('swarmStacks.buildImage', folderUri, { tag: scaffoldInput.image }) : undefined),
                (error: unknown) => services.log.error(String(error)),
            );
        return { ...result, folder: folderUri.fsPath };
    };
}
