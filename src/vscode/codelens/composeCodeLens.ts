import * as path from 'path';
import * as vscode from 'vscode';
import { placeComposeLenses, type ComposePlacement, type ServicePlacement } from '../../core/compose/lens-placement';
import { substitute } from '../../core/compose/interpolate';
import type { ServiceSummary, StackSummary, SwarmSnapshot } from '../../core/swarm-snapshot';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';

/** The documents the lenses are offered on: VS Code's compose language, and YAML files named like compose files. */
export const COMPOSE_SELECTOR: vscode.DocumentSelector = [
    { language: 'dockercompose' },
    { language: 'yaml', pattern: '**/*{compose,stack}*.{yml,yaml}' },
];

/** Engine changes arrive in bursts (a rolling update); lenses are redrawn once it settles. */
const REFRESH_DEBOUNCE_MS = 250;

/** Argument of the service commands (Update image, Scale, Rollback, reveal). */
export interface ServiceCommandArg {
    serviceName: string;
}

/** Argument of swarmStacks.buildImage after the Dockerfile folder. */
export interface BuildImageArg {
    tag: string;
}

type Services = Pick<ExtensionServices, 'model' | 'stackNames' | 'log'>;

/**
 * Lenses on compose files: above `services:` "Deploy stack" with the live state of the file's stack, above
 * each service "Update image", "Scale (N)", "Rollback" and its live state, above `image:` "Build image" when
 * the service's folder has a Dockerfile. Reads only `services.model.snapshot` and `services.stackNames`;
 * the placement is the pure `placeComposeLenses`, cached per document version.
 */
export class ComposeCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    readonly onDidChangeCodeLenses = this.changeEmitter.event;

    private readonly placements = new Map<string, { version: number; placement: ComposePlacement }>();
    /** Dockerfile path → exists (undefined while the stat is running). Invalidated by a file watcher. */
    private readonly dockerfiles = new Map<string, boolean | Promise<boolean>>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private debounceTimer: NodeJS.Timeout | undefined;
    /** What the lenses of the open compose files showed of the engine, to redraw only when that changed. */
    private lastLiveKey = '';

    constructor(private readonly services: Services) {
        this.subscriptions.push(
            services.model.onDidChange(() => this.scheduleRefreshIfRelevant()),
            services.stackNames.onDidChange(() => this.refreshNow()),
            vscode.workspace.onDidCloseTextDocument((document) => this.placements.delete(document.uri.toString())),
        );
        const watcher = vscode.workspace.createFileSystemWatcher('**/*[Dd]ockerfile*');
        const forget = (uri: vscode.Uri): void => {
            if (this.dockerfiles.delete(uri.fsPath)) this.refreshNow();
        };
        this.subscriptions.push(watcher, watcher.onDidCreate(forget), watcher.onDidDelete(forget));
        this.lastLiveKey = this.liveKey();
    }

    provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] | Promise<vscode.CodeLens[]> {
        const placement = this.placementOf(document);
        const stackName = this.services.stackNames.get(document.uri);
        const snapshot = this.services.model.snapshot;
        const stack = stackName !== undefined && snapshot ? findStack(snapshot, stackName) : undefined;
        const serviceStack = stackName ?? this.services.stackNames.suggest(document.uri);
        const lenses: vscode.CodeLens[] = [];

        if (placement.servicesLine !== undefined) {
            const range = lineRange(document, placement.servicesLine);
            lenses.push(new vscode.CodeLens(range, { title: deployTitle(stackName, snapshot, stack), command: 'swarmStacks.deployStack', arguments: [document.uri] }));
        }
        const buildLenses: Array<Promise<vscode.CodeLens | undefined>> = [];
        for (const service of placement.services) {
            const range = lineRange(document, service.keyLine);
            const serviceName = `${serviceStack}_${service.key}`;
            const arg: ServiceCommandArg = { serviceName };
            const live = stack?.services.find((s) => s.key === service.key);
            if (stack) {
                lenses.push(
                    new vscode.CodeLens(range, live ? { title: liveTitle(live), command: 'swarmStacks.revealService', arguments: [{ serviceName: live.name }], tooltip: liveTooltip(live) } : { title: vscode.l10n.t('not deployed'), command: '' }),
                );
            }
            lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Update image'), command: 'swarmStacks.updateServiceImage', arguments: [arg] }));
            const replicated = live ? live.mode === 'replicated' : service.mode === undefined || service.mode === 'replicated';
            if (replicated) {
                const n = live ? live.desired : service.replicas ?? 1;
                lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Scale ({0})', n), command: 'swarmStacks.scaleService', arguments: [arg] }));
            }
            if (stack && live) {
                lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Rollback'), command: 'swarmStacks.rollbackService', arguments: [arg] }));
            }
            if (service.imageLine !== undefined && service.image !== undefined) {
                buildLenses.push(this.buildLens(document, service, service.imageLine));
            }
        }
        if (buildLenses.length === 0) return lenses;
        return Promise.all(buildLenses).then((built) => {
            if (token.isCancellationRequested) return lenses;
            for (const lens of built) if (lens) lenses.push(lens);
            return lenses;
        });
    }

    /** The placement of the document's current version (provideCodeLenses runs on every edit). */
    placementOf(document: vscode.TextDocument): ComposePlacement {
        const key = document.uri.toString();
        const cached = this.placements.get(key);
        if (cached && cached.version === document.version) return cached.placement;
        const placement = placeComposeLenses(document.getText());
        this.placements.set(key, { version: document.version, placement });
        return placement;
    }

    private async buildLens(document: vscode.TextDocument, service: ServicePlacement, imageLine: number): Promise<vscode.CodeLens | undefined> {
        if (document.uri.scheme !== 'file') return undefined;
        const composeDir = path.dirname(document.uri.fsPath);
        const folder = path.resolve(composeDir, service.buildContextHint ?? '.');
        const dockerfile = path.resolve(folder, service.dockerfileHint ?? 'Dockerfile');
        if (!(await this.dockerfileExists(dockerfile))) return undefined;
        const tag = substitute(service.image ?? '', (name) => process.env[name]);
        if (tag.error || tag.value === '') return undefined;
        return new vscode.CodeLens(lineRange(document, imageLine), {
            title: vscode.l10n.t('Build image'),
            tooltip: vscode.l10n.t('Build {0} from {1}', tag.value, vscode.workspace.asRelativePath(dockerfile)),
            command: 'swarmStacks.buildImage',
            arguments: [vscode.Uri.file(folder), { tag: tag.value } satisfies BuildImageArg],
        });
    }

    private dockerfileExists(file: string): Promise<boolean> {
        const known = this.dockerfiles.get(file);
        if (known !== undefined) return Promise.resolve(known);
        const pending = Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.file(file))).then(
            (stat) => (stat.type & vscode.FileType.File) !== 0,
            () => false,
        );
        this.dockerfiles.set(file, pending);
        void pending.then((exists) => {
            if (this.dockerfiles.get(file) === pending) this.dockerfiles.set(file, exists);
        });
        return pending;
    }

    /**
     * The part of the snapshot the open compose files show: their stacks' services with replicas, update state
     * and rollback availability. Engine events about anything else do not redraw the lenses.
     */
    liveKey(): string {
        const snapshot = this.services.model.snapshot;
        const parts: string[] = [snapshot ? 'ready' : 'none'];
        const names = new Set<string>();
        for (const document of vscode.workspace.textDocuments) {
            if (!isComposeDocument(document)) continue;
            const name = this.services.stackNames.get(document.uri);
            if (name !== undefined) names.add(name);
        }
        for (const name of [...names].sort()) {
            const stack = snapshot ? findStack(snapshot, name) : undefined;
            parts.push(`${name}=${stack ? `${stack.running}/${stack.desired}` : '-'}`);
            for (const s of stack?.services ?? []) {
                parts.push(`${s.key}:${s.mode}:${s.running}/${s.desired}:${s.updateState ?? ''}:${s.hasPreviousSpec ? 'p' : ''}`);
            }
        }
        return parts.join('|');
    }

    private scheduleRefreshIfRelevant(): void {
        if (this.debounceTimer) clearTimeout(this.debounceTimer);
        this.debounceTimer = setTimeout(() => {
            this.debounceTimer = undefined;
            const key = this.liveKey();
            if (key === this.lastLiveKey) return;
            this.lastLiveKey = key;
            this.changeEmitter.fire();
        }, REFRESH_DEBOUNCE_MS);
    }

    private refreshNow(): void {
        this.lastLiveKey = this.liveKey();
        this.changeEmitter.fire();
    }

    dispose(): void {
        if (this.debounceTimer) clearTimeout(this.debounceTimer);
        for (const s of this.subscriptions) s.dispose();
        this.changeEmitter.dispose();
        this.placements.clear();
        this.dockerfiles.clear();
    }
}

function findStack(snapshot: SwarmSnapshot, name: string): StackSummary | undefined {
    return snapshot.stacks.find((s) => s.name === name);
}

function lineRange(document: vscode.TextDocument, line: number): vscode.Range {
    const safe = Math.max(0, Math.min(line, document.lineCount - 1));
    return new vscode.Range(safe, 0, safe, 0);
}

function deployTitle(stackName: string | undefined, snapshot: SwarmSnapshot | undefined, stack: StackSummary | undefined): string {
    if (stackName === undefined || !snapshot) return vscode.l10n.t('Deploy stack');
    if (!stack) return vscode.l10n.t('Deploy stack · {0}: not deployed', stackName);
    return vscode.l10n.t('Deploy stack · {0}: {1}/{2} running', stackName, stack.running, stack.desired);
}

const UPDATE_STATE_TEXT: Record<NonNullable<ServiceSummary['updateState']>, () => string> = {
    updating: () => vscode.l10n.t('updating'),
    paused: () => vscode.l10n.t('update paused'),
    completed: () => vscode.l10n.t('updated'),
    rollback_started: () => vscode.l10n.t('rolling back'),
    rollback_paused: () => vscode.l10n.t('rollback paused'),
    rollback_completed: () => vscode.l10n.t('rolled back'),
};

/** `19/20 running · updating`; a finished update is not repeated forever: `completed` shows no suffix. */
export function liveTitle(service: ServiceSummary): string {
    const counts = vscode.l10n.t('{0}/{1} running', service.running, service.desired);
    const state = service.updateState;
    if (state === undefined || state === 'completed') return counts;
    return `${counts} · ${UPDATE_STATE_TEXT[state]()}`;
}

function liveTooltip(service: ServiceSummary): string {
    const lines = [`${service.name}  ${service.image}`];
    if (service.updateMessage) lines.push(service.updateMessage);
    return lines.join('\n');
}
