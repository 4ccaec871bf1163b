import * as vscode from 'vscode';
import { createLog } from './vscode/log';
import { registerCommands } from './vscode/commands/registerCommands';

// Wiring only: every piece lives in its own module and is disposed through the context.
export function activate(context: vscode.ExtensionContext): void {
    const log = createLog();
    context.subscriptions.push(log);
    registerCommands(context, log);
    log.info(`Swarm Stacks ${context.extension.packageJSON.version as string} activated`);
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions.
}
