import * as vscode from 'vscode';

/**
 * Read-only virtual documents holding content we propose to write (scaffold files, a generated haproxy.cfg), so
 * that `vscode.diff` can show the current file against it before anything is written.
 */
export class ProposedDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
    static readonly scheme = 'swarm-stacks-proposed';
    private readonly contents = new Map<string, string>();
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    private readonly registration: vscode.Disposable;
    private counter = 0;

    readonly onDidChange = this.changeEmitter.event;

    constructor() {
        this.registration = vscode.workspace.registerTextDocumentContentProvider(ProposedDocuments.scheme, this);
    }

    /** A new virtual document for `content`, named like `fileName` (so the diff editor picks the language). */
    add(fileName: string, content: string): vscode.Uri {
        const uri = vscode.Uri.from({ scheme: ProposedDocuments.scheme, path: `/${++this.counter}/${fileName}` });
        this.contents.set(uri.toString(), content);
        return uri;
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.contents.get(uri.toString()) ?? '';
    }

    /** Shows the current file on the left and the proposed content on the right. */
    async showDiff(current: vscode.Uri, proposedContent: string, title: string): Promise<void> {
        const proposed = this.add(current.path.split('/').pop() ?? 'proposed', proposedContent);
        await vscode.commands.executeCommand('vscode.diff', current, proposed, title, { preview: true, preserveFocus: false });
    }

    dispose(): void {
        this.registration.dispose();
        this.changeEmitter.dispose();
        this.contents.clear();
    }
}
