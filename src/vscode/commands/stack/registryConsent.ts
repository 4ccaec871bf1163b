/**
 * Whether a deploy from the editor may send the person's registry credentials to the swarm (`--with-registry-auth`
 * of the command line). The setting swarmStacks.deploy.withRegistryAuth says yes for every registry. Otherwise
 * each registry of the stack's images whose credentials the Docker configuration holds is asked about once,
 * naming it, and the answer is kept for the workspace (workspaceState). Nothing is read or sent for a registry
 * without a yes: no credential helper runs, no X-Registry-Auth goes to the engine.
 */
import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { registryDisplayName, registryOfImage, type RegistryAuthSource } from '../../../core/registry/credentials';
import type { ServiceSpec } from '../../../core/specs';
import { IMAGE_LABEL } from '../../../core/stack/names';
import type { ExtensionServices } from '../../services';

const ANSWERS_KEY = 'swarmStacks.registryAuthAnswers';

/** What the deploy (or the drift, which plans as the deploy does) is given. */
export interface RegistryAuthChoice {
    withRegistryAuth: boolean;
    registryAuth?: RegistryAuthSource;
}

/** The image each service of the stack names in the compose file. */
export function stackImages(specs: { services: readonly { spec: ServiceSpec }[] }): string[] {
    return [...new Set(specs.services.map((s) => s.spec.Labels?.[IMAGE_LABEL] ?? s.spec.TaskTemplate.ContainerSpec?.Image ?? '').filter((image) => image !== ''))];
}

function registriesOf(images: readonly string[]): string[] {
    const registries = new Set<string>();
    for (const image of images) {
        try {
            registries.add(registryOfImage(image));
        } catch {
            // Not a reference: the compose validation reports it.
        }
    }
    return [...registries].sort();
}

function answers(services: ExtensionServices): Record<string, boolean> {
    const stored = services.context.workspaceState.get<unknown>(ANSWERS_KEY);
    const result: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
    if (typeof stored === 'object' && stored !== null) {
        for (const [registry, answer] of Object.entries(stored)) if (typeof answer === 'boolean') result[registry] = answer;
    }
    return result;
}

/**
 * The credentials choice for a deploy of `images`. With `ask`, each registry not yet answered for this workspace
 * whose credentials the Docker configuration holds (or that `needCredentials` names: its lookup asked for them) is
 * asked about; closing the question cancels the deploy.
 */
export async function registryAuthChoice(services: ExtensionServices, uri: vscode.Uri | undefined, images: readonly string[], options: { ask: boolean; needCredentials?: readonly string[] }): Promise<RegistryAuthChoice> {
    const { nodeHasStoredCredentials, nodeRegistryAuthSource } = await import('../../../core/registry/node-io');
    if (vscode.workspace.getConfiguration('swarmStacks.deploy', uri).get<boolean>('withRegistryAuth', false)) {
        return { withRegistryAuth: true, registryAuth: nodeRegistryAuthSource(process.env) };
    }
    const known = answers(services);
    const registries = registriesOf(images);
    if (options.ask) {
        for (const registry of registries) {
            if (known[registry] !== undefined) continue;
            const stored = nodeHasStoredCredentials(registry, process.env);
            if (!stored && !options.needCredentials?.includes(registry)) continue;
            known[registry] = await ask(registry, images.filter((image) => registriesOf([image])[0] === registry), stored);
            await services.context.workspaceState.update(ANSWERS_KEY, { ...known });
            services.log.info(`Registry credentials for ${registry}: ${known[registry] ? 'sent to the swarm' : 'not sent'} (remembered for this workspace)`);
        }
    }
    const allowed = new Set(registries.filter((r) => known[r] === true));
    if (!allowed.size) return { withRegistryAuth: false };
    const source = nodeRegistryAuthSource(process.env);
    // Registries without a yes get no header at all (''), and their credentials are never read.
    const onlyAllowed: RegistryAuthSource = {
        authHeaderFor: async (image) => (allowed.has(registriesOf([image])[0] ?? '') ? source.authHeaderFor(image) : ''),
        describe: (image) => source.describe(image),
    };
    return { withRegistryAuth: true, registryAuth: onlyAllowed };
}

/** Whether the registry has no remembered answer in this workspace (so a deploy may still ask about it). */
export function unanswered(services: ExtensionServices, registry: string): boolean {
    return answers(services)[registry] === undefined;
}

/**
 * The question, as a quick pick that stays open until answered (as the deploy's push offer): Send, Don't Send, and
 * what is known below them. Closing it cancels the deploy.
 */
async function ask(registry: string, images: readonly string[], stored: boolean): Promise<boolean> {
    type Item = vscode.QuickPickItem & { send?: boolean };
    const name = registryDisplayName(registry);
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = vscode.l10n.t('Send your credentials for {0} to the swarm?', name);
    pick.placeholder = vscode.l10n.t('The answer is kept for this workspace; the setting swarmStacks.deploy.withRegistryAuth sends them for every registry');
    pick.ignoreFocusOut = true;
    pick.items = [
        { label: `$(key) ${vscode.l10n.t('Send Credentials')}`, description: vscode.l10n.t('as docker stack deploy --with-registry-auth'), send: true },
        { label: `$(circle-slash) ${vscode.l10n.t("Don't Send")}`, send: false },
        { label: vscode.l10n.t('What is known'), kind: vscode.QuickPickItemKind.Separator },
        {
            label: `$(info) ${stored ? vscode.l10n.t('{0} is in {1}, for which your Docker configuration has credentials', images.join(', '), name) : vscode.l10n.t('{0} is in {1}, which asks for credentials to look it up', images.join(', '), name)}`,
            detail: vscode.l10n.t('With them the image is pinned to its digest and the swarm stores them with the service, so that every node can pull it; without them, nodes that do not hold the image cannot pull it'),
        },
    ];
    const answer = await new Promise<boolean | undefined>((resolve) => {
        let chosen: boolean | undefined;
        pick.onDidAccept(() => {
            // The line of what is known only informs: accepting it keeps the question open.
            chosen = pick.selectedItems[0]?.send;
            if (chosen !== undefined) pick.hide();
        });
        pick.onDidHide(() => {
            pick.dispose();
            resolve(chosen);
        });
        pick.show();
    });
    if (answer === undefined) throw new CancelledError();
    return answer;
}
