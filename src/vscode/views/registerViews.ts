import * as vscode from 'vscode';
import { replicaDrift } from '../../core/stack/compose-live';
import type { ServiceSummary } from '../../core/swarm-snapshot';
import type { ComposeAssociations } from '../composeAssociations';
import type { SwarmSnapshot, TaskSummary } from '../../core/swarm-snapshot';
import { naturalCompare } from '../../core/stack/names';
import type { SwarmModel } from '../swarmModel';
import { NodeItem, ServiceItem, StackItem, TaskItem, UnstackedGroupItem } from './stackItems';
import { HistoryItem, HistoryProblemItem, revisionItems, RevisionItem, type HistoryLoader } from './historyItems';

export type StacksTreeItem = StackItem | UnstackedGroupItem | ServiceItem | TaskItem | HistoryItem | RevisionItem | HistoryProblemItem;

/** Stacks → services → tasks, from the model's snapshot only (no engine call in getChildren). */
export class StacksTreeProvider implements vscode.TreeDataProvider<StacksTreeItem> {
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    readonly onDidChangeTreeData = this.changeEmitter.event;

    constructor(
        private readonly model: SwarmModel,
        private readonly associations?: ComposeAssociations,
        private readonly history?: HistoryLoader,
    ) {}

    fire(): void {
        this.changeEmitter.fire();
    }

    /** A service item, with the replica count of its open compose file when the swarm runs another. */
    serviceItem(service: ServiceSummary): ServiceItem {
        const declared = service.stack !== undefined ? this.associations?.declared(service.stack, service.key) : undefined;
        return new ServiceItem(service, replicaDrift(declared?.replicas, service));
    }

    getTreeItem(element: StacksTreeItem): vscode.TreeItem {
        return element;
    }

    getChildren(element?: StacksTreeItem): StacksTreeItem[] | Promise<StacksTreeItem[]> {
        const snapshot = this.model.snapshot;
        if (!snapshot) {
            // Empty: the view's welcome content says why (unreachable, not a manager) and offers the way out.
            return [];
        }
        if (!element) {
            const items: StacksTreeItem[] = snapshot.stacks.map((s) => new StackItem(s));
            if (snapshot.unstacked.length) items.push(new UnstackedGroupItem(snapshot.unstacked));
            return items;
        }
        const now = Date.now();
        if (element instanceof StackItem) {
            const items: StacksTreeItem[] = element.stack.services.map((s) => this.serviceItem(s));
            if (this.history) items.push(new HistoryItem(element.stack.name));
            return items;
        }
        // The only children read from the engine, and only once the node is opened: the history is not in the snapshot.
        if (element instanceof HistoryItem && this.history) {
            return this.history(element.stackName).then(
                (entries) => revisionItems(element.stackName, entries),
                (error: unknown) => [new HistoryProblemItem(element.stackName, error)],
            );
        }
        if (element instanceof UnstackedGroupItem) return element.services.map((s) => this.serviceItem(s));
        if (element instanceof ServiceItem) return element.service.tasks.map((t) => new TaskItem(t, now));
        return [];
    }

    /** Needed by TreeView.reveal; items are rebuilt from the snapshot, so parents are looked up in it. */
    getParent(element: StacksTreeItem): StacksTreeItem | undefined {
        const snapshot = this.model.snapshot;
        if (!snapshot) return undefined;
        if (element instanceof ServiceItem) {
            const stack = snapshot.stacks.find((s) => s.name === element.service.stack);
            return stack ? new StackItem(stack) : new UnstackedGroupItem(snapshot.unstacked);
        }
        if (element instanceof TaskItem) {
            const service = [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].find((s) => s.id === element.task.serviceId);
            return service ? this.serviceItem(service) : undefined;
        }
        return undefined;
    }

    dispose(): void {
        this.changeEmitter.dispose();
    }
}

export type NodesTreeItem = NodeItem | TaskItem;

/** Nodes → the tasks placed on each, from the model's snapshot only. */
export class NodesTreeProvider implements vscode.TreeDataProvider<NodesTreeItem> {
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    readonly onDidChangeTreeData = this.changeEmitter.event;

    constructor(private readonly model: SwarmModel) {}

    fire(): void {
        this.changeEmitter.fire();
    }

    getTreeItem(element: NodesTreeItem): vscode.TreeItem {
        return element;
    }

    getChildren(element?: NodesTreeItem): NodesTreeItem[] {
        const snapshot = this.model.snapshot;
        if (!snapshot) return [];
        if (element instanceof NodeItem) {
            const now = Date.now();
            return element.tasks.map((t) => new TaskItem(t, now, true));
        }
        if (element) return [];
        return snapshot.nodes.map((n) => new NodeItem(n, tasksOnNode(snapshot, n.id)));
    }

    /** Needed by TreeView.reveal: a task's parent is the node it is placed on. */
    getParent(element: NodesTreeItem): NodesTreeItem | undefined {
        const snapshot = this.model.snapshot;
        const node = element instanceof TaskItem ? snapshot?.nodes.find((n) => n.id === element.task.nodeId) : undefined;
        return node && snapshot ? new NodeItem(node, tasksOnNode(snapshot, node.id)) : undefined;
    }

    dispose(): void {
        this.changeEmitter.dispose();
    }
}

/** The tasks the snapshot places on a node (the ones meant to run and recent failures), by name. */
function tasksOnNode(snapshot: SwarmSnapshot, nodeId: string): TaskSummary[] {
    return [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked]
        .flatMap((s) => s.tasks)
        .filter((t) => t.nodeId === nodeId)
        .sort((a, b) => naturalCompare(a.name, b.name));
}

export interface SwarmViews {
    stacks: StacksTreeProvider;
    nodes: NodesTreeProvider;
    stacksView: vscode.TreeView<StacksTreeItem>;
    nodesView: vscode.TreeView<NodesTreeItem>;
}

/** Creates both views; the model runs only while one of them is visible. */
export function registerViews(context: vscode.ExtensionContext, model: SwarmModel, associations?: ComposeAssociations, history?: HistoryLoader): SwarmViews {
    const stacks = new StacksTreeProvider(model, associations, history);
    const nodes = new NodesTreeProvider(model);
    const stacksView = vscode.window.createTreeView('swarmStacks.views.stacks', { treeDataProvider: stacks, showCollapseAll: true });
    const nodesView = vscode.window.createTreeView('swarmStacks.views.nodes', { treeDataProvider: nodes });

    let hold: vscode.Disposable | undefined;
    const updateHold = () => {
        const visible = stacksView.visible || nodesView.visible;
        if (visible && !hold) hold = model.hold();
        if (!visible && hold) {
            hold.dispose();
            hold = undefined;
        }
    };
    updateHold();

    const updateMessage = () => {
        const state = model.state;
        // Unreachable: the welcome text says what to do; the message says exactly why, naming the endpoint
        // (an ssh host key, a certificate, a refused connection…).
        const why = state.kind === 'unreachable' ? state.message : undefined;
        stacksView.message = state.kind === 'ready' && state.snapshot.stacks.length === 0 && state.snapshot.unstacked.length === 0
            ? vscode.l10n.t('No stacks yet. Open a compose file and run "Deploy Stack".')
            : why;
        nodesView.message = why;
    };

    // Reveal Service (from the CodeLens live state): shows the service in the Stacks view, expanded.
    const revealService = vscode.commands.registerCommand('swarmStacks.revealService', async (target?: { serviceName?: string }) => {
        const snapshot = model.snapshot;
        const summary = snapshot && [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].find((s) => s.name === target?.serviceName);
        if (!summary) return;
        await stacksView.reveal(stacks.serviceItem(summary), { select: true, focus: true, expand: true });
    });

    context.subscriptions.push(
        revealService,
        stacks,
        nodes,
        stacksView,
        nodesView,
        stacksView.onDidChangeVisibility(updateHold),
        nodesView.onDidChangeVisibility(updateHold),
        model.onDidChange(() => {
            updateMessage();
            stacks.fire();
            nodes.fire();
        }),
        // The drift shown on services comes from their compose files: redraw when one is saved, opened or closed.
        vscode.workspace.onDidSaveTextDocument(() => stacks.fire()),
        vscode.workspace.onDidOpenTextDocument(() => stacks.fire()),
        vscode.workspace.onDidCloseTextDocument(() => stacks.fire()),
        new vscode.Disposable(() => {
            hold?.dispose();
        }),
    );
    return { stacks, nodes, stacksView, nodesView };
}
