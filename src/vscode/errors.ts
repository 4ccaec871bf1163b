import * as vscode from 'vscode';
import { isCancellation } from '../core/cancellation';

/**
 * Shows an error once, briefly, with a "Show Log" action; the details go to the log.
 * Cancellation is not an error and shows nothing.
 */
export async function reportError(log: vscode.LogOutputChannel, context: string, error: unknown): Promise<void> {
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
    const choice = await vscode.window.showErrorMessage(firstLine, showLog);
    if (choice === showLog) {
        log.show(true);
    }
}
