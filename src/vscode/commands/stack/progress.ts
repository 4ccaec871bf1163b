import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { describeOutcome, waitForService, type ConvergenceProgress } from '../../../core/stack/converge';
import type { StackEngine } from '../../../core/stack/engine';

/** Runs long work in a cancellable notification; the work gets an AbortSignal. */
export function withCancellableProgress<T>(title: string, work: (report: (message: string) => void, signal: AbortSignal) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
            return await work((message) => progress.report({ message }), controller.signal);
        } catch (error) {
            if (controller.signal.aborted) throw new CancelledError();
            throw error;
        } finally {
            subscription.dispose();
        }
    });
}

export function describeProgress(p: ConvergenceProgress): string {
    const state = p.updateState && p.updateState !== 'completed' ? ` · ${p.updateState.replace('_', ' ')}` : '';
    // Failures the engine still retries (docker stack deploy shows them too): said while waiting, not yet an error.
    const retrying = p.retrying?.length ? vscode.l10n.t(' · the engine retries: {0}', p.retrying[0]) : '';
    // Nodes that reject tasks for their image say so while the wait goes on, instead of a silent count.
    const rejected = p.pullRejected?.length ? ` · ${p.pullRejected.join('; ')}` : '';
    return vscode.l10n.t('{0}: {1}/{2} running{3}', p.serviceName, p.running, p.desired, state) + retrying + rejected;
}

/**
 * Follows a service to convergence with its replica and update state in the notification.
 * Cancelling stops the waiting only: the engine goes on, and the message says so.
 */
export async function followService(engine: StackEngine, serviceId: string, report: (message: string) => void, signal: AbortSignal, options: { timeoutMs: number; expectRollback?: boolean; log: vscode.LogOutputChannel }): Promise<{ text: string; pullRejected?: string[] }> {
    try {
        const outcome = await waitForService(engine, serviceId, { timeoutMs: options.timeoutMs, signal, expectRollback: options.expectRollback, onProgress: (p) => report(describeProgress(p)) });
        const text = describeOutcome(outcome);
        options.log.info(text);
        if (outcome.kind === 'removed') {
            // Removed meanwhile (Remove Stack while a deploy was still following it): the wait ends, as if cancelled.
            void vscode.window.showInformationMessage(vscode.l10n.t('Stopped waiting: {0} was removed.', outcome.serviceName));
            throw new CancelledError();
        }
        if (outcome.kind !== 'converged') throw new Error(text);
        if (outcome.progress.pullRejected?.length) options.log.warn(text);
        return { text, ...(outcome.progress.pullRejected?.length ? { pullRejected: outcome.progress.pullRejected } : {}) };
    } catch (error) {
        if (signal.aborted) {
            void vscode.window.showInformationMessage(vscode.l10n.t('Stopped waiting. The engine goes on with the change.'));
            throw new CancelledError();
        }
        throw error;
    }
}

export function waitTimeoutMs(): number {
    return Math.max(10, vscode.workspace.getConfiguration('swarmStacks').get<number>('waitTimeoutSeconds', 600)) * 1000;
}
