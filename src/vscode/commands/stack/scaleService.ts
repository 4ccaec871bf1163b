import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { scaleService as sendScale } from '../../../core/stack/verbs';
import type { ExtensionServices } from '../../services';
import { offerToWriteReplicas } from './composeFile';
import { followService, waitTimeoutMs, withCancellableProgress } from './progress';
import { resolveService } from './targets';

/** Scale Service: an input box with validation; scaling to 0 asks first. */
export async function scaleService(services: ExtensionServices, argument?: unknown, replicasArgument?: unknown): Promise<void> {
    const target = await resolveService(services, argument, vscode.l10n.t('Service to scale'), (s) => s.mode === 'replicated' || s.mode === 'replicated job');
    let replicas: number;
    if (typeof replicasArgument === 'number') {
        replicas = replicasArgument;
    } else {
        const answer = await vscode.window.showInputBox({
            title: vscode.l10n.t('Scale {0}', target.name),
            prompt: vscode.l10n.t('Number of replicas'),
            value: String(target.summary?.desired ?? 1),
            validateInput: (value) => (/^\d+$/.test(value.trim()) && Number(value) <= 10_000 ? undefined : vscode.l10n.t('Enter a whole number from 0 to 10000.')),
        });
        if (answer === undefined) throw new CancelledError();
        replicas = Number(answer.trim());
        if (replicas === 0) {
            const stop = vscode.l10n.t('Scale to 0');
            const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Scale {0} to 0? All its tasks stop.', target.name), { modal: true }, stop);
            if (choice !== stop) throw new CancelledError();
        }
    }
    const engine = services.session.client;
    await withCancellableProgress(vscode.l10n.t('Scaling {0} to {1}', target.name, replicas), async (report, signal) => {
        const result = await sendScale(engine, target.name, replicas, { signal });
        services.log.info(`${target.name} scaled to ${replicas}`);
        void services.model.refresh();
        await followService(engine, result.service.ID, report, signal, { timeoutMs: waitTimeoutMs(), log: services.log });
    });
    void services.model.refresh();
    offerToWriteReplicas(services, target.summary?.stack, target.summary?.key ?? target.name, replicas);
}
