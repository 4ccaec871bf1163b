import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { runBuild, type BuildResult } from '../../../core/build/build';
import { formatBytes } from '../../../core/build/context';
import { BuildFailedError, describeStep } from '../../../core/build/progress';
import { bumpTag, COMPOSE_FILE_NAMES, defaultBuildTag } from '../../../core/build/tag';
import { validateImageName } from '../../../core/scaffold/plan';
import type { ExtensionServices } from '../../services';
import { isDirectory, optionsArgument, pick, pickOrType, readText, uriArgument } from './prompts';

interface BuildImageOptions {
    /** Skips the tag prompt. */
    tag: string;
    /** The Dockerfile relative to the folder given (compose `build.dockerfile`); `Dockerfile` when unset. */
    dockerfile?: string;
}

interface BuildImageResult {
    imageId: string;
    tags: string[];
    durationMs: number;
}

/** The Dockerfile to build: the argument (a Dockerfile or a folder), the active editor's Dockerfile, or a pick. */
async function resolveDockerfile(arg: unknown): Promise<{ dir: string; dockerfile: string }> {
    const uri = uriArgument(arg);
    if (uri) {
        if (await isDirectory(uri)) return { dir: uri.fsPath, dockerfile: 'Dockerfile' };
        return { dir: path.dirname(uri.fsPath), dockerfile: path.basename(uri.fsPath) };
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && /(^|\.)Dockerfile(\.|$)|\.dockerfile$/i.test(path.basename(active.fsPath))) {
        return { dir: path.dirname(active.fsPath), dockerfile: path.basename(active.fsPath) };
    }
    const found = await vscode.workspace.findFiles('**/{Dockerfile,*.Dockerfile,Dockerfile.*}', '**/node_modules/**', 50);
    if (found.length === 0) throw new Error(vscode.l10n.t('There is no Dockerfile in this workspace to build.'));
    const items = found
        .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
        .map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f }));
    const chosen = items.length === 1 ? items[0] : await pick(items, { title: vscode.l10n.t('Build Image: which Dockerfile?') });
    return { dir: path.dirname(chosen.uri.fsPath), dockerfile: path.basename(chosen.uri.fsPath) };
}

/** The tag: a quick pick with the default (compose image or folder) and the next `:v2`-style tag; typing gives any other. */
async function askTag(dir: string): Promise<string> {
    const texts = new Map<string, string | undefined>();
    for (const name of COMPOSE_FILE_NAMES) {
        const file = path.join(dir, name);
        texts.set(file, await readText(vscode.Uri.file(file)));
    }
    const composeName = COMPOSE_FILE_NAMES.find((name) => texts.get(path.join(dir, name)) !== undefined);
    const fallback = defaultBuildTag(dir, (file) => texts.get(file));
    const items: vscode.QuickPickItem[] = [
        { label: fallback, description: composeName ? vscode.l10n.t('the image in {0}', composeName) : vscode.l10n.t('from the folder name') },
        { label: bumpTag(fallback), description: vscode.l10n.t('next version') },
    ];
    return pickOrType({
        title: vscode.l10n.t('Build Image: tag'),
        placeholder: vscode.l10n.t('Pick a tag or type another one (name:tag)'),
        items,
        problemOf: (value) => validateImageName(value, 'tag'),
    });
}

export function buildImageCommand(services: ExtensionServices, output: vscode.OutputChannel) {
    return async (arg?: unknown, optionsArg?: unknown): Promise<BuildImageResult> => {
        if (!vscode.workspace.isTrusted) {
            throw new Error(vscode.l10n.t('Building images is disabled in an untrusted workspace: a build runs the Dockerfile on your Docker engine. Trust the workspace to build.'));
        }
        // From the explorer the second argument is the list of selected files: only a plain object is options.
        const options = optionsArgument<BuildImageOptions>(optionsArg);
        const resolved = await resolveDockerfile(arg);
        const dir = resolved.dir;
        // The compose file's build.dockerfile, relative to its context (the folder given), as `docker compose build`.
        const dockerfile = options.dockerfile ?? resolved.dockerfile;
        const tag = options.tag ?? (await askTag(dir));
        const problem = validateImageName(tag, 'tag');
        if (problem) throw new Error(problem);
        const client = services.session.client;

        output.clear();
        output.show(true);
        output.appendLine(vscode.l10n.t('Building {0} from {1} ({2})', tag, dir, dockerfile));
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Building {0}', tag), cancellable: true },
            async (progress, token): Promise<BuildResult> => {
                const controller = new AbortController();
                const subscription = token.onCancellationRequested(() => controller.abort());
                let done = 0;
                try {
                    return await runBuild(client, {
                        dir,
                        dockerfile,
                        tags: [tag],
                        registryConfig: async () => (await import('../../../core/registry/node-io')).nodeBuildRegistryConfig(process.env),
                        signal: controller.signal,
                        onContext: (c) => {
                            const line = vscode.l10n.t('Sending build context: {0} files, {1}', c.fileCount, formatBytes(c.bytes));
                            output.appendLine(line);
                            progress.report({ message: line });
                        },
                        onEvent: (e) => {
                            if (e.kind === 'step') {
                                output.appendLine(describeStep(e.step));
                                const increment = e.step.total > 0 ? (100 * (e.step.index - done)) / (e.step.total + 1) : undefined;
                                done = e.step.index;
                                progress.report({ message: describeStep(e.step), ...(increment ? { increment } : {}) });
                            } else if (e.kind === 'output' || e.kind === 'status') {
                                output.appendLine(e.line);
                            } else if (e.kind === 'notice') {
                                output.appendLine(e.line);
                                services.log.warn(e.line);
                            }
                        },
                    });
                } catch (error) {
                    if (controller.signal.aborted) {
                        output.appendLine(vscode.l10n.t('Build cancelled.'));
                        throw new CancelledError();
                    }
                    if (error instanceof BuildFailedError) output.appendLine(error.message);
                    throw error;
                } finally {
                    subscription.dispose();
                }
            },
        );
        output.appendLine(vscode.l10n.t('Built {0} as {1} in {2} s', result.imageId, result.tags.join(', '), (result.durationMs / 1000).toFixed(1)));
        services.log.info(`Built ${result.imageId} as ${result.tags.join(', ')} from ${dir}`);
        // Offered, not done: pushing sends the image to a registry, which is the person's call.
        const push = vscode.l10n.t('Push');
        void vscode.window.showInformationMessage(vscode.l10n.t('Built image {0}.', tag), push).then(
            (choice) => (choice === push ? vscode.commands.executeCommand('swarmStacks.pushImage', tag) : undefined),
            (error: unknown) => services.log.error(String(error)),
        );
        return { imageId: result.imageId, tags: result.tags, durationMs: result.durationMs };
    };
}
