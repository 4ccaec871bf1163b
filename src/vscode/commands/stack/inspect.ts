import * as vscode from 'vscode';
import type { NodeSummary, ServiceSummary, TaskSummary } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import { resolveService } from './targets';

const SCHEME = 'swarm-stacks-inspect';

/**
 * Inspect: the engine's JSON for a service, task or node as a read-only document. The document is
 * read afresh each time it is opened.
 */
export function registerInspectDocuments(services: ExtensionServices): void {
    const provider: vscode.TextDocumentContentProvider = {
        provideTextDocumentContent: async (uri) => {
            // /<kind>/<name>.json?<id>: the tab shows the name, the query keeps the ID.
            const kind = uri.path.split('/')[1];
            const id = uri.query;
            const client = services.session.client;
            const object = kind === 'service' ? await client.inspectService(id) : kind === 'node' ? await client.inspectNode(id) : (await client.listTasks({ id: [id] }))[0];
            return `${JSON.stringify(object ?? { error: `${kind} ${id} not found` }, null, 2)}\n`;
        },
    };
    services.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider));
}

export async function inspect(services: ExtensionServices, argument?: unknown): Promise<void> {
    const item = argument as { service?: ServiceSummary; task?: TaskSummary; node?: NodeSummary } | undefined;
    let kind: string;
    let id: string;
    let label: string;
    if (item?.task) {
        [kind, id, label] = ['task', item.task.id, item.task.name];
    } else if (item?.node) {
        [kind, id, label] = ['node', item.node.id, item.node.hostname];
    } else {
        const target = await resolveService(services, argument, vscode.l10n.t('Service to inspect'));
        [kind, id, label] = ['service', target.summary?.id ?? target.name, target.name];
    }
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${kind}/${label.replace(/[/\\]/g, '_')}.json`, query: id });
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
}
