import * as vscode from 'vscode';
import { reportError } from '../errors';

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Registers a command whose errors are shown once (short message + "Show Log") and logged in full.
 * Handlers throw; they never show errors themselves.
 */
export function registerCommand(
    context: vscode.ExtensionContext,
    log: vscode.LogOutputChannel,
    id: string,
    handler: CommandHandler,
): void {
    context.subscriptions.push(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
            try {
                return await handler(...args);
            } catch (error) {
                await reportError(log, id, error);
                return undefined;
            }
        }),
    );
}

export function registerCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
    registerCommand(context, log, 'swarmStacks.showLog', () => log.show(true));
    registerCommand(context, log, 'swarmStacks.refresh', () => undefined);
}
