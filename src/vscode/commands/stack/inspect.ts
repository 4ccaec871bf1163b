import * as vscode from 'vscode';
import type { NodeSummary, ServiceSummary, TaskSummary } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import { INSPECT_SCHEME } from './inspectDocuments';
import { resolveService } from './targets';

/** Opens the engine's JSON of the item (or of a service picked from the swarm) as a read-only document. */
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
    const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${kind}/${label.replace(/[/\\]/g, '_')}.json`, query: id });
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
}
