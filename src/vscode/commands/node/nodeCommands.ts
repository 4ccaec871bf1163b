import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { availabilityImpact, describeImpact, labelChangeImpact, type Availability, type ImpactLine } from '../../../core/nodes/impact';
import { addNodeLabels, demoteNode, demoteRefusal, parseNodeLabel, promoteNode, removeNodeLabels, setNodeAvailability, type NodeVerbResult } from '../../../core/nodes/verbs';
import type { NodeSummary, SwarmSnapshot } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import type { CommandHandler } from '../registerCommand';

/** Options for automation (tests); a person is asked instead. */
interface NodeCommandOptions {
    skipConfirmation?: boolean;
}

/**
 * The Nodes view's commands, by name (registered in registerCommands.ts). Each reads the swarm afresh, says what will happen (the impact is
 * computed in src/core/nodes), asks, then sends one node update.
 */
export function nodeCommandHandlers(services: ExtensionServices): Record<'drainNode' | 'pauseNode' | 'activateNode' | 'promoteNode' | 'demoteNode' | 'addNodeLabel' | 'removeNodeLabel', CommandHandler> {
    const availability = (to: Availability) => (target: unknown, options: unknown) => changeAvailability(services, target, to, (options ?? {}));
    return {
        drainNode: availability('drain'),
        pauseNode: availability('pause'),
        activateNode: availability('active'),
        promoteNode: (target) => promote(services, target),
        demoteNode: (target, options) => demote(services, target, (options ?? {})),
        addNodeLabel: (target, label) => addLabel(services, target, label),
        removeNodeLabel: (target, key, options) => removeLabel(services, target, key, (options ?? {})),
    };
}

/** A fresh snapshot: a preview from a stale one would promise the wrong thing. */
async function freshSnapshot(services: ExtensionServices): Promise<SwarmSnapshot> {
    await services.model.refresh();
    const state = services.model.state;
    if (state.kind !== 'ready') throw new Error(state.kind === 'loading' ? vscode.l10n.t('The swarm state is not known yet.') : state.message);
    return state.snapshot;
}

/** A NodeItem (`{ node }`), `{ nodeId }`, `{ nodeName }`, or nothing (then a quick pick). */
async function resolveNode(services: ExtensionServices, argument: unknown, snapshot: SwarmSnapshot, placeHolder: string): Promise<NodeSummary> {
    const wanted = argument && typeof argument === 'object' ? argument as { node?: NodeSummary; nodeId?: unknown; nodeName?: unknown } : {};
    const ref = wanted.node?.id ?? (typeof wanted.nodeId === 'string' ? wanted.nodeId : typeof wanted.nodeName === 'string' ? wanted.nodeName : undefined);
    if (ref !== undefined) {
        const found = snapshot.nodes.find((n) => n.id === ref || n.hostname === ref);
        if (!found) throw new Error(vscode.l10n.t('Node {0} is not in the swarm of {1}.', ref, services.session.client.endpoint.url));
        return found;
    }
    const picked = await vscode.window.showQuickPick(
        snapshot.nodes.map((n) => ({ label: n.hostname, description: `${n.role} · ${n.availability} · ${n.state}`, node: n })),
        { placeHolder },
    );
    if (!picked) throw new CancelledError();
    return picked.node;
}

async function finish(services: ExtensionServices, result: NodeVerbResult): Promise<void> {
    services.log.info(result.message);
    await services.model.refresh();
    void vscode.window.showInformationMessage(result.message);
}

const VERBS: Record<Availability, () => string> = {
    drain: () => vscode.l10n.t('Drain'),
    pause: () => vscode.l10n.t('Pause'),
    active: () => vscode.l10n.t('Activate'),
};

/** Drain, Pause, Activate: the impact first, in a modal that names the node, then the update. */
async function changeAvailability(services: ExtensionServices, argument: unknown, to: Availability, options: NodeCommandOptions): Promise<void> {
    const snapshot = await freshSnapshot(services);
    const node = await resolveNode(services, argument, snapshot, vscode.l10n.t('Node to {0}', VERBS[to]().toLowerCase()));
    const impact = availabilityImpact(snapshot, node.id, to);
    const { summary, details, lines } = describeImpact(impact);
    services.log.info(`${summary}\n${details.map((d) => `    ${d}`).join('\n')}`);
    if (impact.unchanged) {
        void vscode.window.showInformationMessage(summary);
        return;
    }
    if (!options.skipConfirmation) {
        await confirmImpact(summary, vscode.l10n.t('{0} {1}', VERBS[to](), node.hostname), lines);
    }
    await finish(services, await setNodeAvailability(services.session.client, node.id, to));
}

const SEVERITY_ICONS: Record<ImpactLine['severity'], string> = { info: '$(info)', warning: '$(warning)', error: '$(error)' };

/**
 * The impact preview: a quick pick whose title is the question, whose first item does it (naming the node) and
 * whose other items say what happens, one per line with its reason below. Only the action item acts; Escape,
 * Cancel or closing it sends nothing.
 */
function confirmImpact(summary: string, actionLabel: string, lines: readonly ImpactLine[]): Promise<void> {
    type Item = vscode.QuickPickItem & { choice?: 'act' | 'cancel' };
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = summary;
    pick.placeholder = vscode.l10n.t('What happens is listed below; choose "{0}" to go ahead', actionLabel);
    pick.ignoreFocusOut = true;
    pick.items = [
        { label: `$(check) ${actionLabel}`, choice: 'act' },
        { label: `$(close) ${vscode.l10n.t('Cancel')}`, choice: 'cancel' },
        { label: vscode.l10n.t('What happens'), kind: vscode.QuickPickItemKind.Separator },
        ...lines.map((l): Item => ({ label: `${SEVERITY_ICONS[l.severity]} ${l.head}`, ...(l.reason ? { detail: l.reason } : {}) })),
    ];
    return new Promise<void>((resolve, reject) => {
        let chosen: Item['choice'];
        pick.onDidAccept(() => {
            // An impact line only informs: accepting it keeps the preview open.
            chosen = pick.selectedItems[0]?.choice;
            if (chosen) pick.hide();
        });
        pick.onDidHide(() => {
            pick.dispose();
            if (chosen === 'act') resolve();
            else reject(new CancelledError());
        });
        pick.show();
    });
}

async function promote(services: ExtensionServices, argument: unknown): Promise<void> {
    const snapshot = await freshSnapshot(services);
    const node = await resolveNode(services, argument, snapshot, vscode.l10n.t('Node to promote to a manager'));
    await finish(services, await promoteNode(services.session.client, node.id));
}

async function demote(services: ExtensionServices, argument: unknown, options: NodeCommandOptions): Promise<void> {
    const snapshot = await freshSnapshot(services);
    const node = await resolveNode(services, argument, snapshot, vscode.l10n.t('Manager to demote to a worker'));
    const refusal = demoteRefusal(snapshot.nodes.filter((n) => n.role === 'manager').map((n) => n.id), node.id, node.hostname);
    if (refusal) throw new Error(refusal);
    if (node.role === 'manager' && !options.skipConfirmation) {
        const action = vscode.l10n.t('Demote {0}', node.hostname);
        const managers = snapshot.nodes.filter((n) => n.role === 'manager').length;
        const choice = await vscode.window.showWarningMessage(
            vscode.l10n.t('Demote manager {0} to a worker?', node.hostname),
            { modal: true, detail: vscode.l10n.t('The swarm keeps {0} manager(s). Raft needs a majority of managers reachable to accept any change.', managers - 1) },
            action,
        );
        if (choice !== action) throw new CancelledError();
    }
    await finish(services, await demoteNode(services.session.client, node.id));
}

async function addLabel(services: ExtensionServices, argument: unknown, labelArgument: unknown): Promise<void> {
    const snapshot = await freshSnapshot(services);
    const node = await resolveNode(services, argument, snapshot, vscode.l10n.t('Node to label'));
    let label = typeof labelArgument === 'string' ? labelArgument : undefined;
    if (label === undefined) {
        label = await vscode.window.showInputBox({
            title: vscode.l10n.t('Add a label to {0}', node.hostname),
            prompt: vscode.l10n.t('key=value, used by placement constraints as node.labels.key==value'),
            placeHolder: 'zone=west',
            validateInput: (value) => {
                try {
                    parseNodeLabel(value);
                    return undefined;
                } catch (error) {
                    return error instanceof Error ? error.message : String(error);
                }
            },
        });
        if (label === undefined) throw new CancelledError();
    }
    await finish(services, await addNodeLabels(services.session.client, node.id, [label]));
}

/** Removing a label can stop tasks whose constraints need it: they are named before asking. */
async function removeLabel(services: ExtensionServices, argument: unknown, keyArgument: unknown, options: NodeCommandOptions): Promise<void> {
    const snapshot = await freshSnapshot(services);
    const node = await resolveNode(services, argument, snapshot, vscode.l10n.t('Node to remove a label from'));
    let key = typeof keyArgument === 'string' ? keyArgument : undefined;
    if (key === undefined) {
        const entries = Object.entries(node.labels);
        if (!entries.length) throw new Error(vscode.l10n.t('Node {0} has no labels.', node.hostname));
        const picked = await vscode.window.showQuickPick(entries.map(([k, v]) => ({ label: k, description: v })), { placeHolder: vscode.l10n.t('Label to remove from {0}', node.hostname) });
        if (!picked) throw new CancelledError();
        key = picked.label;
    }
    if (!options.skipConfirmation) {
        const remaining = { ...node.labels };
        delete remaining[key];
        const stopping = labelChangeImpact(snapshot, node.id, remaining);
        const detail = stopping.length
            ? stopping.map((s) => vscode.l10n.t('{0}: {1} task(s) on {2} stop, as they need {3}.', s.service, s.tasks, node.hostname, s.constraints.join(', '))).join('\n')
            : vscode.l10n.t('No running task needs this label.');
        const action = vscode.l10n.t('Remove {0}', key);
        const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Remove label {0} from {1}?', key, node.hostname), { modal: true, detail }, action);
        if (choice !== action) throw new CancelledError();
    }
    await finish(services, await removeNodeLabels(services.session.client, node.id, [key]));
}
