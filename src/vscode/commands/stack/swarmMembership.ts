import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import type { ExtensionServices } from '../../services';

/** Initialize Swarm: makes this engine a single-node swarm manager. */
export async function initSwarm(services: ExtensionServices, options: { advertiseAddr?: string } = {}): Promise<void> {
    const client = services.session.client;
    let advertiseAddr = options.advertiseAddr ?? '';
    try {
        await client.init({ advertiseAddr });
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // An engine with several addresses cannot choose one to advertise: ask which.
        if (advertiseAddr || !/advertise/i.test(message)) throw error;
        const answer = await vscode.window.showInputBox({
            title: vscode.l10n.t('Initialize Swarm'),
            prompt: vscode.l10n.t('The engine has several addresses. Address other nodes should reach this manager on (e.g. 192.168.1.10 or eth0):'),
            validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter an address or interface name.')),
        });
        if (answer === undefined) throw new CancelledError();
        advertiseAddr = answer.trim();
        await client.init({ advertiseAddr });
    }
    services.log.info(`Swarm initialised on ${client.endpoint.url}`);
    await services.model.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('This engine is now a swarm manager.'));
}

/** Leave Swarm: destructive for a manager (its stacks go), so it asks first and forces. */
export async function leaveSwarm(services: ExtensionServices, options: { skipConfirmation?: boolean } = {}): Promise<void> {
    const client = services.session.client;
    if (!options.skipConfirmation) {
        const leave = vscode.l10n.t('Leave Swarm');
        const choice = await vscode.window.showWarningMessage(
            vscode.l10n.t('Make {0} leave the swarm?', client.endpoint.url),
            { modal: true, detail: vscode.l10n.t('On a single-node swarm this removes every stack, service, config and secret of the swarm.') },
            leave,
        );
        if (choice !== leave) throw new CancelledError();
    }
    await client.leave({ force: true });
    services.log.info(`Left the swarm on ${client.endpoint.url}`);
    await services.model.refresh();
}
