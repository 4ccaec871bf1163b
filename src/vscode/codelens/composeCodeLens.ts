import * as path from 'path';
import * as vscode from 'vscode';
import type { ComposePlacement, ServicePlacement } from '../../core/compose/lens-placement';
import { lookupOwn, substitute } from '../../core/compose/interpolate';
import { declaredReplicas, replicaDrift, type StackAssociation } from '../../core/stack/compose-live';
import type { ServiceSummary, StackSummary } from '../../core/swarm-snapshot';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';

/** Argument of the service commands (Update image, Scale, Rollback, reveal). */
interface ServiceCommandArg {
    serviceName: string;
}

/** Argument of swarmStacks.buildImage after the Dockerfile folder. */
interface BuildImageArg {
    tag: string;
    /** The Dockerfile, relative to the build context (compose `build.dockerfile`). */
    dockerfile?: string;
}

type Services = Pick<ExtensionServices, 'model' | 'stackNames' | 'associations' | 'log'>;

/**
 * Lenses on compose files. Above `services:` "Deploy stack" with the live state of the file's stack (or, when
 * several deployed stacks match the file, a lens to pick one). Above each service that runs in the file's stack:
 * its live state (with the file's replica count when the swarm runs another), "Update image", "Scale (N)",
 * "Rollback" — never an action on a service that does not exist. Above `image:` "Build image", only where the
 * service builds (`build:`) and its Dockerfile exists. Reads only the model's snapshot and the associations; both
 * the lens and the tree redraw on the same model change.
 */
export class ComposeCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    readonly onDidChangeCodeLenses = this.changeEmitter.event;

    /** Dockerfile path → exists (undefined while the stat is running). Invalidated by a file watcher. */
    private readonly dockerfiles = new Map<string, boolean | Promise<boolean>>();
    private readonly subscriptions: vscode.Disposable[] = [];
    /** What the lenses of the open compose files showed of the engine, to redraw only when that changed. */
    private lastLiveKey = '';

    constructor(private readonly services: Services) {
        this.subscriptions.push(
            // The model debounces engine events already; redrawing on the same change as the tree keeps them in step.
            services.model.onDidChange(() => this.refreshIfRelevant()),
            services.stackNames.onDidChange(() => this.refreshNow()),
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
        const association = this.services.associations.of(document);
        const stack = this.services.associations.liveStack(association);
        const lenses: vscode.CodeLens[] = [];

        if (placement.servicesLine !== undefined) {
            const range = lineRange(document, placement.servicesLine);
            lenses.push(new vscode.CodeLens(range, { title: deployTitle(association, stack), command: 'swarmStacks.deployStack', arguments: [document.uri] }));
            if (association.kind === 'ambiguous') {
                lenses.push(
                    new vscode.CodeLens(range, {
                        title: vscode.l10n.t('{0} deployed stacks match: pick one', association.candidates.length),
                        tooltip: association.candidates.join(', '),
                        command: 'swarmStacks.pickComposeStack',
                        arguments: [document.uri],
                    }),
                );
            }
        }
        const buildLenses: Array<Promise<vscode.CodeLens | undefined>> = [];
        for (const service of placement.services) {
            const range = lineRange(document, service.keyLine);
            const live = stack?.services.find((s) => s.key === service.key);
            if (association.kind === 'associated' && stack) {
                lenses.push(
                    new vscode.CodeLens(range, live ? { title: liveTitle(live, replicaDrift(declaredReplicas(service), live)), command: 'swarmStacks.revealService', arguments: [{ serviceName: live.name }], tooltip: liveTooltip(live) } : { title: vscode.l10n.t('not deployed'), command: '' }),
                );
            }
            if (live) {
                const arg: ServiceCommandArg = { serviceName: live.name };
                lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Update image'), command: 'swarmStacks.updateServiceImage', arguments: [arg] }));
                if (live.mode === 'replicated') {
                    lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Scale ({0})', live.desired), command: 'swarmStacks.scaleService', arguments: [arg] }));
                }
                lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Rollback'), command: 'swarmStacks.rollbackService', arguments: [arg] }));
            }
            if (service.imageLine !== undefined && service.image !== undefined && service.buildContextHint !== undefined) {
                buildLenses.push(this.buildLens(document, service, service.imageLine, service.buildContextHint));
            }
        }
        if (buildLenses.length === 0) return lenses;
        return Promise.all(buildLenses).then((built) => {
            if (token.isCancellationRequested) return lenses;
            for (const lens of built) if (lens) lenses.push(lens);
            return lenses;
        });
    }

    /** The placement of the document's current version, shared with the associations and the tree. */
    placementOf(document: vscode.TextDocument): ComposePlacement {
        return this.services.associations.placementOf(document);
    }

    /**
     * "Build image" for a service that builds from this folder: its `build:` context and Dockerfile, tagged with its
     * `image:` (as `docker compose build` does). A service without `build:` (the proxy, a database) gets none.
     */
    private async buildLens(document: vscode.TextDocument, service: ServicePlacement, imageLine: number, context: string): Promise<vscode.CodeLens | undefined> {
        if (document.uri.scheme !== 'file') return undefined;
        const composeDir = path.dirname(document.uri.fsPath);
        const folder = path.resolve(composeDir, context);
        const dockerfile = path.resolve(folder, service.dockerfileHint ?? 'Dockerfile');
        if (!(await this.dockerfileExists(dockerfile))) return undefined;
        const tag = substitute(service.image ?? '', lookupOwn(process.env));
        if (tag.error || tag.value === '') return undefined;
        return new vscode.CodeLens(lineRange(document, imageLine), {
            title: vscode.l10n.t('Build image'),
            tooltip: vscode.l10n.t('Build {0} from {1}', tag.value, vscode.workspace.asRelativePath(dockerfile)),
            command: 'swarmStacks.buildImage',
            arguments: [vscode.Uri.file(folder), { tag: tag.value, ...(service.dockerfileHint !== undefined ? { dockerfile: service.dockerfileHint } : {}) } satisfies BuildImageArg],
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
     * and rollback availability, and the stacks matching files not yet associated. Engine events about anything
     * else do not redraw the lenses.
     */
    liveKey(): string {
        const snapshot = this.services.model.snapshot;
        const parts: string[] = [snapshot ? 'ready' : 'none'];
        for (const document of vscode.workspace.textDocuments) {
            if (!isComposeDocument(document)) continue;
            const association = this.services.associations.of(document);
            const stack = this.services.associations.liveStack(association);
            parts.push(`${document.uri.toString()}=${association.kind}:${association.kind === 'associated' ? association.stack : association.kind === 'ambiguous' ? association.candidates.join(',') : ''}`);
            for (const s of stack?.services ?? []) {
                parts.push(`${s.key}:${s.mode}:${s.running}/${s.desired}:${s.updateState ?? ''}:${s.hasPreviousSpec ? 'p' : ''}`);
            }
        }
        return parts.join('|');
    }

    private refreshIfRelevant(): void {
        const key = this.liveKey();
        if (key === this.lastLiveKey) return;
        this.lastLiveKey = key;
        this.changeEmitter.fire();
    }

    private refreshNow(): void {
        this.lastLiveKey = this.liveKey();
        this.changeEmitter.fire();
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
        this.changeEmitter.dispose();
        this.dockerfiles.clear();
    }
}

function lineRange(document: vscode.TextDocument, line: number): vscode.Range {
    const safe = Math.max(0, Math.min(line, document.lineCount - 1));
    return new vscode.Range(safe, 0, safe, 0);
}

function deployTitle(association: StackAssociation, stack: StackSummary | undefined): string {
    if (association.kind !== 'associated') return vscode.l10n.t('Deploy stack');
    if (!stack) return vscode.l10n.t('Deploy stack · {0}: not deployed', association.stack);
    return vscode.l10n.t('Deploy stack · {0}: {1}/{2} running', association.stack, stack.running, stack.desired);
}

const UPDATE_STATE_TEXT: Record<NonNullable<ServiceSummary['updateState']>, () => string> = {
    updating: () => vscode.l10n.t('updating'),
    paused: () => vscode.l10n.t('update paused'),
    completed: () => vscode.l10n.t('updated'),
    rollback_started: () => vscode.l10n.t('rolling back'),
    rollback_paused: () => vscode.l10n.t('rollback paused'),
    rollback_completed: () => vscode.l10n.t('rolled back'),
};

/**
 * `19/20 running · updating`, and `6/6 running · file: 4` when the file declares another count than the swarm
 * runs. A finished update is not repeated forever: `completed` shows no suffix.
 */
function liveTitle(service: ServiceSummary, fileReplicas?: number): string {
    const parts = [vscode.l10n.t('{0}/{1} running', service.running, service.desired)];
    if (fileReplicas !== undefined) parts.push(vscode.l10n.t('file: {0}', fileReplicas));
    const state = service.updateState;
    if (state !== undefined && state !== 'completed') parts.push(UPDATE_STATE_TEXT[state]());
    return parts.join(' · ');
}

function liveTooltip(service: ServiceSummary): string {
    const lines = [`${service.name}  ${service.image}`];
    if (service.updateMessage) lines.push(service.updateMessage);
    return lines.join('\n');
}
