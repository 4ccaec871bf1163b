import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { rollbackService as sendRollback } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';

/** Rollback Service: back to the previous spec, after a modal confirmation that names it. */
export async function rollbackService(services: ExtensionServices, argument?: unknown, options: { skipConfirmation?: boolean } = {}): Promise<void> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to roll back'), (s) => s.hasPreviousSpec);
    if (!options.skipConfirmation) {
        const rollback = vscode.l10n.t('Roll Back');
        const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Roll {0} back to its previous spec?', target.name), { modal: true }, rollback);
        if (choice !== rollback) throw new CancelledError();
    }
    const engine = services.session.client;
    await withCancellableProgress(vscode.l10n.t('Rolling back {0}', target.name), async (report, signal) => {
        const result = await sendRollback(engine, target.name, { signal });
        services.log.info(`Rolling back ${target.name}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, report, signal, { timeoutMs: waitTimeoutMs(), expectRollback: true, log: services.log });
    });
    void services.model.refresh();
}
