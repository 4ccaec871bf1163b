import * as vscode from 'vscode';
import { restartService as sendRestart } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';

/** Restart Service: new tasks with the same spec (`docker service update --force`). */
export async function restartService(services: ExtensionServices, argument?: unknown): Promise<void> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to restart'));
    const engine = services.session.client;
    await withCancellableProgress(vscode.l10n.t('Restarting {0}', target.name), async (report, signal) => {
        const result = await sendRestart(engine, target.name, { signal });
        services.log.info(`Restarting ${target.name}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, report, signal, { timeoutMs: waitTimeoutMs(), log: services.log });
    });
    void services.model.refresh();
}
