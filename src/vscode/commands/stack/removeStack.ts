import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { removeStack as sendRemove } from '../../../core/stack/remove';
import type { ExtensionServices } from '../../services';
import { withCancellableProgress } from './progress';
import { resolveStack } from './targets';

/**
 * Remove Stack: services, then secrets and configs, then networks; volumes stay. Cancel stops the waiting for the
 * tasks to stop, not the removal (see core/stack/remove.ts).
 */
export async function removeStack(services: ExtensionServices, argument?: unknown, options: { skipConfirmation?: boolean } = {}): Promise<void> {
    const stack = await resolveStack(services, argument, vscode.l10n.t('Stack to remove'));
    if (!options.skipConfirmation) {
        const remove = vscode.l10n.t('Remove');
        const choice = await vscode.window.showWarningMessage(
            vscode.l10n.t('Remove stack {0}?', stack),
            { modal: true, detail: vscode.l10n.t('Its services, networks, configs and secrets are removed. Volumes are kept.') },
            remove,
        );
        if (choice !== remove) throw new CancelledError();
    }
    const engine = services.session.client;
    const result = await withCancellableProgress(vscode.l10n.t('Removing stack {0}', stack), (report, signal) =>
        sendRemove(engine, stack, {
            wait: true,
            waitTimeoutMs: 120_000,
            signal,
            onProgress: (line) => {
                services.log.info(line);
                report(line);
            },
        }),
    );
    void services.model.refresh();
    if (result.nothingFound) throw new Error(vscode.l10n.t('Nothing found in stack: {0}', stack));
    // One error naming what is left and what holds it; the command's error report puts it in the log.
    if (result.failures.length) throw new Error(vscode.l10n.t('Stack {0} was only partly removed. {1}', stack, result.failures.join('; ')));
    if (result.waited === 'cancelled') void vscode.window.showInformationMessage(vscode.l10n.t('Stopped waiting. Stack {0} was removed; the engine goes on stopping its tasks.', stack));
}
