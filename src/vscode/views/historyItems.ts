import * as vscode from 'vscode';
import type { HistoryEntry } from '../../core/stack/history';

/** Reads a stack's history from the engine (core/stack/history.ts), loaded when the History node opens. */
export type HistoryLoader = (stackName: string) => Promise<HistoryEntry[]>;

/** The History node under each stack: its revisions, newest first, read from the swarm when expanded. */
export class HistoryItem extends vscode.TreeItem {
    constructor(readonly stackName: string) {
        super(vscode.l10n.t('History'), vscode.TreeItemCollapsibleState.Collapsed);
        this.id = `history:${stackName}`;
        this.iconPath = new vscode.ThemeIcon('history');
        this.contextValue = 'stackHistory';
        this.tooltip = vscode.l10n.t('Every deploy and rollback of stack {0} made by Swarm Stacks, kept in the swarm', stackName);
    }
}

/**
 * One entry of the history: a revision (`revision`, `revision.current` for the one running), a changed stack
 * outside Swarm Stacks (`revision.outside`), or an object that claims to be a revision and is refused
 * (`revision.refused`, with the reason).
 */
export class RevisionItem extends vscode.TreeItem {
    constructor(
        readonly stackName: string,
        readonly entry: HistoryEntry,
        current: boolean,
        index: number,
    ) {
        super(labelOf(entry), vscode.TreeItemCollapsibleState.None);
        this.id = `history:${stackName}:${entry.kind === 'outside' ? `outside-${index}` : `${entry.kind}-${entry.revision ?? entry.configId}`}`;
        if (entry.kind === 'revision') {
            const p = entry.payload;
            this.description = [current ? vscode.l10n.t('running') : '', p.reason, p.time.replace('T', ' ').replace(/\.\d+Z$/, ''), p.deployedBy].filter(Boolean).join(' · ');
            this.iconPath = new vscode.ThemeIcon(current ? 'pass-filled' : 'git-commit', current ? new vscode.ThemeColor('testing.iconPassed') : undefined);
            this.contextValue = current ? 'revision.current' : 'revision';
            this.tooltip = [
                vscode.l10n.t('Revision {0} of stack {1}: {2}', p.revision, stackName, p.reason),
                vscode.l10n.t('{0} by {1}, Swarm Stacks {2}', p.time, p.deployedBy, p.version),
                p.composeHash ? vscode.l10n.t('compose files {0}', p.composeHash) : '',
                p.services.map((s) => `${s.name}: ${s.spec.TaskTemplate.ContainerSpec?.Image ?? ''}`).join('\n'),
            ].filter(Boolean).join('\n');
            // A click shows what this revision changed from the one before.
            this.command = { command: 'swarmStacks.compareRevisions', title: vscode.l10n.t('Compare with Previous Revision'), arguments: [this, 'previous'] };
        } else if (entry.kind === 'outside') {
            this.description = [entry.change.services.join(', '), entry.change.at?.replace('T', ' ').replace(/\.\d+Z$/, '') ?? ''].filter(Boolean).join(' · ');
            this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
            this.contextValue = 'revision.outside';
            this.tooltip = vscode.l10n.t('These services were changed by something other than Swarm Stacks (docker stack deploy, docker service update…): {0}', entry.change.services.join(', '));
        } else {
            this.description = vscode.l10n.t('refused');
            this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
            this.contextValue = 'revision.refused';
            this.tooltip = entry.reason;
        }
    }
}

function labelOf(entry: HistoryEntry): string {
    if (entry.kind === 'outside') return vscode.l10n.t('Deployed outside Swarm Stacks');
    if (entry.kind === 'refused') return entry.revision === undefined ? entry.configName : vscode.l10n.t('Revision {0}', entry.revision);
    return vscode.l10n.t('Revision {0}', entry.revision);
}

/** The History node's children, newest first; the latest revision is "running" unless something changed since. */
export function revisionItems(stackName: string, entries: readonly HistoryEntry[]): RevisionItem[] {
    const last = entries[entries.length - 1];
    return entries.map((entry, index) => new RevisionItem(stackName, entry, entry === last && entry.kind === 'revision', index)).reverse();
}

/** In place of the revisions when the history could not be read (engine unreachable, refused): the reason. */
export class HistoryProblemItem extends vscode.TreeItem {
    constructor(stackName: string, error: unknown) {
        super(vscode.l10n.t('The history could not be read'), vscode.TreeItemCollapsibleState.None);
        this.id = `history:${stackName}:problem`;
        this.description = error instanceof Error ? error.message : String(error);
        this.tooltip = this.description;
        this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        this.contextValue = 'historyProblem';
    }
}
