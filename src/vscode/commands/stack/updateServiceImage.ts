import * as vscode from 'vscode';
import { checkImageReference } from '../../../core/image-reference';
import { orderImageTags } from '../../../core/stack/image-choice';
import { updateServiceImage as sendImageUpdate } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { pickOrType } from '../project/prompts';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';

/** Update Service Image: a rolling update that honours the service's update_config. */
export async function updateServiceImage(services: ExtensionServices, argument?: unknown, imageArgument?: unknown): Promise<void> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to update'));
    const image = typeof imageArgument === 'string' ? imageArgument : await pickImage(services, target.summary?.image);
    const engine = services.session.client;
    await withCancellableProgress(vscode.l10n.t('Updating {0} to {1}', target.name, image), async (report, signal) => {
        const result = await sendImageUpdate(engine, target.name, image, { signal, ...(await registryAuthFor(image)) });
        for (const warning of result.warnings) services.log.warn(warning);
        services.log.info(`Updating ${target.name} to ${image}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, (message) => report(`${image} · ${message}`), signal, { timeoutMs: waitTimeoutMs(), log: services.log });
    });
    void services.model.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} runs {1}.', target.name, image));
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

/** `--with-registry-auth` of `docker service update`, from the swarmStacks.deploy.withRegistryAuth setting. */
async function registryAuthFor(image: string): Promise<{ authHeader?: string }> {
    if (!vscode.workspace.getConfiguration('swarmStacks.deploy').get<boolean>('withRegistryAuth', false)) return {};
    const { nodeRegistryAuthSource } = await import('../../../core/registry/node-io');
    return { authHeader: await nodeRegistryAuthSource(process.env).authHeaderFor(image) };
}
