import * as vscode from 'vscode';

/** The one log channel of the extension: details of every operation and every error go here. */
export function createLog(): vscode.LogOutputChannel {
    return vscode.window.createOutputChannel('Swarm Stacks', { log: true });
}
