import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { updateServiceImage as sendImageUpdate } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';

/** Update Service Image: a rolling update that honours the service's update_config. */
export async function updateServiceImage(services: ExtensionServices, argument?: unknown, imageArgument?: unknown): Promise<void> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to update'));
    const image = typeof imageArgument === 'string' ? imageArgument : await pickImage(services, target.summary?.image);
    const engine = services.session.client;
    await withCancellableProgress(vscode.l10n.t('Updating {0} to {1}', target.name, image), async (report, signal) => {
        const result = await sendImageUpdate(engine, target.name, image, { signal });
        for (const warning of result.warnings) services.log.warn(warning);
        services.log.info(`Updating ${target.name} to ${image}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, report, signal, { timeoutMs: waitTimeoutMs(), log: services.log });
    });
    void services.model.refresh();
}

/** Local image tags of the same repository first, then every other tag; or type one. */
async function pickImage(services: ExtensionServices, current: string | undefined): Promise<string> {
    const images = await services.session.client.listImages();
    const tags = [...new Set(images.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'))];
    const repository = current?.replace(/:[^:/]*$/, '');
    tags.sort((a, b) => Number(b.startsWith(`${repository}:`)) - Number(a.startsWith(`${repository}:`)) || a.localeCompare(b));
    const quickPick = vscode.window.createQuickPick();
    quickPick.title = vscode.l10n.t('Update Service Image');
    quickPick.placeholder = vscode.l10n.t('Image for the rolling update (currently {0}); pick a local tag or type one', current ?? '?');
    quickPick.items = tags.map((t) => ({ label: t, description: t === current ? vscode.l10n.t('current') : undefined }));
    return new Promise<string>((resolve, reject) => {
        quickPick.onDidChangeValue((value) => {
            const typed = value.trim();
            quickPick.items = [
                ...(typed && !tags.includes(typed) ? [{ label: typed, description: vscode.l10n.t('typed') }] : []),
                ...tags.map((t) => ({ label: t, description: t === current ? vscode.l10n.t('current') : undefined })),
            ];
        });
        quickPick.onDidAccept(() => {
            const picked = quickPick.selectedItems[0]?.label ?? quickPick.value.trim();
            quickPick.hide();
            if (picked) resolve(picked);
            else reject(new CancelledError());
        });
        quickPick.onDidHide(() => {
            reject(new CancelledError());
            quickPick.dispose();
        });
        quickPick.show();
    });
}
