import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { registryDisplayName, registryOfImage } from '../../../core/registry/credentials';
import { pushImage as runPush, pushReference, type PushResult } from '../../../core/registry/push';
import type { ExtensionServices } from '../../services';

/**
 * Push Image: the image given (a string argument: Build Image's "Push", the deploy plan's "Push"), or one
 * picked from the engine's local images. Credentials are those the Docker CLI would use. Resolves with the
 * pushed digest, or undefined when it failed or was cancelled (the command wrapper shows the error once).
 */
export async function pushImage(services: ExtensionServices, imageArgument?: unknown): Promise<PushResult> {
    const client = services.session.client;
    const image = typeof imageArgument === 'string' && imageArgument.trim() !== '' ? imageArgument.trim() : await pickLocalImage(services);
    const ref = pushReference(image);
    // Loaded here: only pushes and deploys read credentials.
    const { nodeRegistryAuthSource } = await import('../../../core/registry/node-io');
    const credentials = nodeRegistryAuthSource(process.env);

    const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pushing {0}', ref.image), cancellable: true },
        async (progress, token): Promise<PushResult> => {
            const controller = new AbortController();
            const subscription = token.onCancellationRequested(() => controller.abort());
            try {
                progress.report({ message: vscode.l10n.t('Reading the credentials for {0}', registryDisplayName(ref.registry)) });
                const authHeader = await credentials.authHeaderFor(ref.image);
                services.log.info(`Pushing ${ref.image} through ${client.endpoint.url} (credentials: ${credentials.describe(ref.image) ?? 'none'})`);
                let reported = 0;
                return await runPush(client, ref.image, {
                    authHeader,
                    signal: controller.signal,
                    onProgress: (p) => {
                        if (p.line) services.log.info(p.line);
                        else if (p.layer && p.layer.state !== 'pushing' && p.layer.state !== 'retrying') services.log.info(`${p.layer.id}: ${p.layer.status}`);
                        // The notification is updated a few times a second at most: the engine sends many more.
                        if (Date.now() - reported > 250 || p.line) {
                            reported = Date.now();
                            progress.report({ message: p.line ?? p.summary });
                        }
                    },
                });
            } catch (error) {
                if (controller.signal.aborted) {
                    services.log.info(`Push of ${ref.image} cancelled: the engine stops it; the tag was not pushed unless the push had finished.`);
                    throw new CancelledError();
                }
                throw error;
            } finally {
                subscription.dispose();
            }
        },
    );
    services.log.info(`Pushed ${result.pinned} in ${(result.durationMs / 1000).toFixed(1)} s`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Pushed {0} to {1}.', result.image, registryDisplayName(result.registry)));
    return result;
}

/** Local tags, those naming a registry other than Docker Hub first; typing gives any other. */
async function pickLocalImage(services: ExtensionServices): Promise<string> {
    const images = await services.session.client.listImages();
    const tags = [...new Set(images.flatMap((i) => i.RepoTags ?? []))];
    const hub = (tag: string): boolean => {
        try {
            return registryOfImage(tag) === 'docker.io';
        } catch {
            return true;
        }
    };
    tags.sort((a, b) => Number(hub(a)) - Number(hub(b)) || a.localeCompare(b));
    const itemsFor = (typed: string): vscode.QuickPickItem[] => [
        ...(typed && !tags.includes(typed) ? [{ label: typed, description: vscode.l10n.t('typed') }] : []),
        ...tags.map((t) => ({ label: t, description: registryDisplayName(safeRegistry(t)) })),
    ];
    const quickPick = vscode.window.createQuickPick();
    quickPick.title = vscode.l10n.t('Push Image');
    quickPick.placeholder = vscode.l10n.t('Image to push (registry/name:tag); pick a local tag or type one');
    quickPick.items = itemsFor('');
    quickPick.ignoreFocusOut = true;
    try {
        return await new Promise<string>((resolve, reject) => {
            quickPick.onDidChangeValue((value) => (quickPick.items = itemsFor(value.trim())));
            quickPick.onDidAccept(() => {
                const picked = quickPick.selectedItems[0]?.label ?? quickPick.value.trim();
                if (!picked) return;
                resolve(picked);
                quickPick.hide();
            });
            quickPick.onDidHide(() => reject(new CancelledError()));
            quickPick.show();
        });
    } finally {
        quickPick.dispose();
    }
}

function safeRegistry(tag: string): string {
    try {
        return registryOfImage(tag);
    } catch {
        return '?';
    }
}
