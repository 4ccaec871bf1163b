import * as path from 'path';
import * as vscode from 'vscode';

/**
 * The stack name each compose file deploys to: asked once, then remembered per file in the
 * workspace state, so that the CodeLens can show the live state of "its" stack.
 */
export class StackNames {
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;

    constructor(private readonly memento: vscode.Memento) {}

    /** The remembered name, or undefined when the file was never deployed from here. */
    get(uri: vscode.Uri): string | undefined {
        return this.memento.get<string>(key(uri));
    }

    async remember(uri: vscode.Uri, stackName: string): Promise<void> {
        await this.memento.update(key(uri), stackName);
        this.changeEmitter.fire(uri);
    }

    /** The compose files remembered for `stackName` (those deployed to it from this workspace). */
    filesOf(stackName: string): vscode.Uri[] {
        return this.memento
            .keys()
            .filter((k) => k.startsWith(KEY_PREFIX) && this.memento.get<string>(k) === stackName)
            .map((k) => vscode.Uri.parse(k.slice(KEY_PREFIX.length)));
    }

    /** The name to propose the first time: the folder's name, made a valid stack name. */
    suggest(uri: vscode.Uri): string {
        // Valid by the one stack-name rule (core/stack/names.ts): starts with a letter or digit, then letters, digits, - and _.
        const folder = path.basename(path.dirname(uri.fsPath)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').slice(0, 61);
        return folder || 'stack';
    }

    dispose(): void {
        this.changeEmitter.dispose();
    }
}

const KEY_PREFIX = 'swarmStacks.stackName:';

function key(uri: vscode.Uri): string {
    return `${KEY_PREFIX}${uri.toString()}`;
}

/** True for documents the CodeLens and diagnostics work on: compose files by language or by name. */
export function isComposeDocument(document: vscode.TextDocument): boolean {
    if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled' && document.uri.scheme !== 'vscode-remote') return false;
    if (document.languageId === 'dockercompose') return true;
    return document.languageId === 'yaml' && isComposeFileName(document.uri.path);
}

export function isComposeFileName(filePath: string): boolean {
    return /(^|\/)(docker-)?compose([.-][^/]*)?\.ya?ml$/i.test(filePath) || /(^|\/)[^/]*stack[^/]*\.ya?ml$/i.test(filePath);
}
