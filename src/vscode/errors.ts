import * as vscode from 'vscode';
import { isCancellation } from '../core/cancellation';

/**
 * Shows an error once, briefly, with a "Show Log" action; the details go to the log.
 * Cancellation is not an error and shows nothing.
 *
 * The toast is not awaited: `showErrorMessage` resolves only when the user closes it, and a command whose promise
 * waited on it would never settle for `executeCommand` callers (automation, other extensions, tests).
 */
export function reportError(log: vscode.LogOutputChannel, context: string, error: unknown): void {
    if (isCancellation(error)) {
        log.info(`${context}: cancelled`);
        return;
    }
    const message = error instanceof Error ? error.message : String(error);
    log.error(`${context}: ${message}`);
    if (error instanceof Error && error.stack) {
        log.debug(error.stack);
    }
    const showLog = vscode.l10n.t('Show Log');
    const firstLine = message.split('\n')[0];
    void vscode.window.showErrorMessage(firstLine, showLog).then((choice) => {
        if (choice === showLog) log.show(true);
    });
}
