import * as vscode from 'vscode';
import type { ServiceSummary, StackSummary } from '../../../core/swarm-snapshot';
import { CancelledError } from '../../../core/cancellation';
import type { ExtensionServices } from '../../services';

/**
 * Tree commands take the tree item they were invoked on; from the palette or a CodeLens they get
 * nothing or `{ serviceName }`, and then ask with a quick pick. These helpers turn any of those
 * into our own records.
 */
export async function resolveService(services: ExtensionServices, argument: unknown, placeHolder: string, filter: (s: ServiceSummary) => boolean = () => true): Promise<{ name: string; summary?: ServiceSummary }> {
    if (argument && typeof argument === 'object') {
        if ('service' in argument && (argument as { service: ServiceSummary }).service?.name) {
            const summary = (argument as { service: ServiceSummary }).service;
            return { name: summary.name, summary };
        }
        if ('serviceName' in argument && typeof argument.serviceName === 'string') {
            const name = (argument as { serviceName: string }).serviceName;
            return { name, summary: await findSummary(services, name) };
        }
    }
    const snapshot = await currentSnapshot(services);
    const all = [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].filter(filter);
    if (!all.length) throw new Error(vscode.l10n.t('There is no service to choose from.'));
    const picked = await vscode.window.showQuickPick(
        all.map((s) => ({ label: s.name, description: `${s.running}/${s.desired} · ${s.image}`, summary: s })),
        { placeHolder, matchOnDescription: true },
    );
    if (!picked) throw new CancelledError();
    return { name: picked.summary.name, summary: picked.summary };
}

export async function resolveStack(services: ExtensionServices, argument: unknown, placeHolder: string): Promise<string> {
    if (argument && typeof argument === 'object') {
        if ('stack' in argument && (argument as { stack: StackSummary }).stack?.name) return (argument as { stack: StackSummary }).stack.name;
        if ('stackName' in argument && typeof argument.stackName === 'string') return (argument as { stackName: string }).stackName;
    }
    const snapshot = await currentSnapshot(services);
    if (!snapshot.stacks.length) throw new Error(vscode.l10n.t('There is no stack to choose from.'));
    const picked = await vscode.window.showQuickPick(
        snapshot.stacks.map((s) => ({ label: s.name, description: vscode.l10n.t('{0} services · {1}/{2} running', s.services.length, s.running, s.desired) })),
        { placeHolder },
    );
    if (!picked) throw new CancelledError();
    return picked.label;
}

async function currentSnapshot(services: ExtensionServices) {
    if (!services.model.snapshot) await services.model.refresh();
    const state = services.model.state;
    if (state.kind !== 'ready') throw new Error(state.kind === 'loading' ? vscode.l10n.t('The swarm state is not known yet.') : state.message);
    return state.snapshot;
}

async function findSummary(services: ExtensionServices, name: string): Promise<ServiceSummary | undefined> {
    const snapshot = services.model.snapshot;
    if (!snapshot) return undefined;
    return [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].find((s) => s.name === name || s.id === name);
}
