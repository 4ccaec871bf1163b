import * as vscode from 'vscode';
import { reportError } from '../errors';
import type { ExtensionServices } from '../services';

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Registers a command whose errors are shown once (short message + "Show Log") and logged in full.
 * Handlers throw; they never show errors themselves.
 */
export function registerCommand(services: Pick<ExtensionServices, 'context' | 'log'>, id: string, handler: CommandHandler): void {
    services.context.subscriptions.push(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
            try {
                return await handler(...args);
            } catch (error) {
                reportError(services.log, id, error);
                return undefined;
            }
        }),
    );
}

/** A handler made by a module that loads on the command's first call (the module is evaluated once). */
export function loadOnFirstCall(load: () => Promise<CommandHandler>): CommandHandler {
    let loaded: Promise<CommandHandler> | undefined;
    return async (...args: unknown[]) => (await (loaded ??= load()))(...args);
}
