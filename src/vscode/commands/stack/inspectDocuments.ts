import * as vscode from 'vscode';
import type { ExtensionServices } from '../../services';

/** The scheme of the inspect documents (inspect.ts opens them). */
export const INSPECT_SCHEME = 'swarm-stacks-inspect';

/**
 * Inspect: the engine's JSON for a service, task or node as a read-only document. The document is
 * read afresh each time it is opened. Registered at activation, so that a restored inspect editor shows its document;
 * the command itself (inspect.ts) loads on first use.
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
    services.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, provider));
}
