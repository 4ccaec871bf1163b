import * as vscode from 'vscode';
import { formatAge, type NodeSummary, type ServiceSummary, type StackSummary, type TaskSummary } from '../../core/swarm-snapshot';

/**
 * One TreeItem class per level. Each wraps our own record; contextValue carries kind and state
 * (`service.updating`, `task.failed`) so that menus can match on it.
 */
export class StackItem extends vscode.TreeItem {
    constructor(readonly stack: StackSummary) {
        super(stack.name, vscode.TreeItemCollapsibleState.Expanded);
        this.id = `stack:${stack.name}`;
        this.description = vscode.l10n.t('{0}/{1} running · {2} services', stack.running, stack.desired, stack.services.length);
        this.iconPath = new vscode.ThemeIcon('layers', stack.running < stack.desired ? new vscode.ThemeColor('list.warningForeground') : undefined);
        this.contextValue = 'stack';
        this.tooltip = vscode.l10n.t('Stack {0}: {1} of {2} tasks running', stack.name, stack.running, stack.desired);
    }
}

/** Groups the services that belong to no stack. */
export class UnstackedGroupItem extends vscode.TreeItem {
    constructor(readonly services: ServiceSummary[]) {
        super(vscode.l10n.t('Services outside stacks'), vscode.TreeItemCollapsibleState.Collapsed);
        this.id = 'unstacked';
        this.description = String(services.length);
        this.iconPath = new vscode.ThemeIcon('folder');
        this.contextValue = 'unstackedGroup';
    }
}

const UPDATE_ICONS: Record<string, { icon: string; color?: string }> = {
    updating: { icon: 'sync~spin' },
    rollback_started: { icon: 'history', color: 'list.warningForeground' },
    paused: { icon: 'debug-pause', color: 'list.errorForeground' },
    rollback_paused: { icon: 'debug-pause', color: 'list.errorForeground' },
};

export class ServiceItem extends vscode.TreeItem {
    /** fileReplicas: the count its compose file declares, when the swarm runs another (drift after a Scale). */
    constructor(readonly service: ServiceSummary, readonly fileReplicas?: number) {
        super(service.stack ? service.key : service.name, vscode.TreeItemCollapsibleState.Collapsed);
        this.id = `service:${service.id}`;
        const parts = [`${service.running}/${service.desired}`];
        if (fileReplicas !== undefined) parts.push(vscode.l10n.t('file: {0}', fileReplicas));
        parts.push(service.image);
        if (service.ports.length) parts.push(service.ports.join(', '));
        const transient = service.updateState && service.updateState !== 'completed' && service.updateState !== 'rollback_completed';
        if (transient) parts.push(service.updateState!.replace('_', ' '));
        this.description = parts.join(' · ');
        const marker = transient ? UPDATE_ICONS[service.updateState!] : undefined;
        if (marker) {
            this.iconPath = new vscode.ThemeIcon(marker.icon, marker.color ? new vscode.ThemeColor(marker.color) : undefined);
        } else if (service.running < service.desired) {
            this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        } else {
            this.iconPath = new vscode.ThemeIcon('server-process', new vscode.ThemeColor('testing.iconPassed'));
        }
        this.contextValue = `service.${service.updateState ?? 'idle'}${service.hasPreviousSpec ? '.rollbackable' : ''}${service.mode === 'replicated' ? '.scalable' : ''}`;
        const tooltip = new vscode.MarkdownString();
        tooltip.appendMarkdown(`**${service.name}**\n\n`);
        tooltip.appendMarkdown(vscode.l10n.t('Image: {0}', service.image) + '\n\n');
        tooltip.appendMarkdown(vscode.l10n.t('Mode: {0}, {1}/{2} running', service.mode, service.running, service.desired) + '\n\n');
        if (fileReplicas !== undefined) tooltip.appendMarkdown(vscode.l10n.t('Its compose file declares {0} replicas: a deploy of the file scales it back.', fileReplicas) + '\n\n');
        if (service.updateState) tooltip.appendMarkdown(vscode.l10n.t('Update: {0} {1}', service.updateState, service.updateMessage ?? '') + '\n\n');
        this.tooltip = tooltip;
    }
}

const TASK_STATE_ICONS: Record<string, { icon: string; color?: string }> = {
    running: { icon: 'pass', color: 'testing.iconPassed' },
    failed: { icon: 'error', color: 'list.errorForeground' },
    rejected: { icon: 'error', color: 'list.errorForeground' },
    shutdown: { icon: 'circle-slash' },
    complete: { icon: 'check' },
};

export class TaskItem extends vscode.TreeItem {
    /** Under a service the slot names the task; under a node (`onNode`) its full name does, and the node is implied. */
    constructor(readonly task: TaskSummary, now = Date.now(), onNode = false) {
        super(task.slot !== undefined && !onNode ? `${task.slot}` : task.name, vscode.TreeItemCollapsibleState.None);
        this.id = `${onNode ? 'node-task' : 'task'}:${task.id}`;
        const age = formatAge(task.since, now);
        const parts = [task.state, onNode ? '' : task.nodeName ?? '', age ? vscode.l10n.t('{0} ago', age) : ''];
        // A pending task says why it waits (the constraint it needs), other tasks their error.
        if (task.pendingReason ?? task.error) parts.push(task.pendingReason ?? task.error ?? '');
        this.description = parts.filter((p) => p !== '').join(' · ');
        const marker = TASK_STATE_ICONS[task.state] ?? { icon: 'loading~spin' };
        this.iconPath = new vscode.ThemeIcon(marker.icon, marker.color ? new vscode.ThemeColor(marker.color) : undefined);
        this.contextValue = `task.${task.state}`;
        this.tooltip = [task.name, `${task.state} (desired ${task.desiredState})`, task.message, task.pendingReason ?? task.error, task.image, task.since].filter(Boolean).join('\n');
    }
}

export class NodeItem extends vscode.TreeItem {
    /** `tasks`: the tasks placed on the node, shown as its children. */
    constructor(readonly node: NodeSummary, readonly tasks: readonly TaskSummary[] = []) {
        super(node.hostname, tasks.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        this.id = `node:${node.id}`;
        const role = node.leader ? vscode.l10n.t('manager (leader)') : node.role;
        this.description = [role, node.availability, node.state, node.engineVersion ? `Engine ${node.engineVersion}` : ''].filter(Boolean).join(' · ');
        const healthy = node.state === 'ready' && node.availability === 'active';
        this.iconPath = new vscode.ThemeIcon(node.role === 'manager' ? 'server-environment' : 'server', healthy ? undefined : new vscode.ThemeColor('list.warningForeground'));
        this.description = [this.description, tasks.length ? vscode.l10n.t('{0} task(s)', tasks.length) : ''].filter(Boolean).join(' · ');
        const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
        // `node.<role>.<availability>[.labelled]`: the menus offer what applies (Demote on managers, Activate when not active…).
        this.contextValue = `node.${node.role}.${node.availability}${labels.length ? '.labelled' : ''}`;
        this.tooltip = [
            node.id,
            node.address,
            node.managerReachability ? `reachability: ${node.managerReachability}` : '',
            node.stateMessage ?? '',
            labels.length ? vscode.l10n.t('labels: {0}', labels.join(', ')) : '',
        ].filter(Boolean).join('\n');
    }
}
