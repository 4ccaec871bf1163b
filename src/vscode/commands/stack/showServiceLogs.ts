import * as vscode from 'vscode';
import { isCancellation } from '../../../core/cancellation';
import type { TaskSummary } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import { resolveService } from './targets';

/**
 * Show Service Logs (or one task's): follows the log in a terminal; closing the terminal stops
 * the stream. Output goes to a terminal, not to notifications.
 */
export async function showServiceLogs(services: ExtensionServices, argument?: unknown): Promise<void> {
    const task = (argument as { task?: TaskSummary } | undefined)?.task;
    const target = task ? { id: task.id, name: task.name, isTask: true } : await serviceTarget(services, argument);
    const client = services.session.client;
    const controller = new AbortController();
    const writeEmitter = new vscode.EventEmitter<string>();
    const closeEmitter = new vscode.EventEmitter<number | void>();
    const pty: vscode.Pseudoterminal = {
        onDidWrite: writeEmitter.event,
        onDidClose: closeEmitter.event,
        open: () => {
            void (async () => {
                try {
                    const options = { follow: true, tail: 500, timestamps: false };
                    const stream = target.isTask ? await client.taskLogs(target.id, options, controller.signal) : await client.serviceLogs(target.id, options, controller.signal);
                    stream.setEncoding('utf8');
                    for await (const chunk of stream) {
                        writeEmitter.fire(String(chunk).replace(/\r?\n/g, '\r\n'));
                    }
                    writeEmitter.fire(`\r\n${vscode.l10n.t('[log stream ended]')}\r\n`);
                } catch (error) {
                    if (!controller.signal.aborted && !isCancellation(error)) {
                        const message = error instanceof Error ? error.message : String(error);
                        services.log.error(`Logs of ${target.name}: ${message}`);
                        writeEmitter.fire(`\r\n${message}\r\n`);
                    }
                }
            })();
        },
        close: () => {
            controller.abort();
            writeEmitter.dispose();
            closeEmitter.dispose();
        },
    };
    const terminal = vscode.window.createTerminal({ name: vscode.l10n.t('Logs: {0}', target.name), pty, iconPath: new vscode.ThemeIcon('output') });
    terminal.show();
}

async function serviceTarget(services: ExtensionServices, argument: unknown): Promise<{ id: string; name: string; isTask: boolean }> {
    const picked = await resolveService(services, argument, vscode.l10n.t('Service whose logs to follow'));
    return { id: picked.summary?.id ?? picked.name, name: picked.name, isTask: false };
}
