import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { Diagnostic as CoreDiagnostic, Range as CoreRange } from '../../core/diagnostics';
import { placeComposeLenses, type ComposePlacement } from '../../core/compose/lens-placement';
import { validateComposeText } from '../../core/compose/load';
import { ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE, checkServerTemplateSlots, isArchivedDockercloudHaproxy, type ComposeLike } from '../../core/haproxy/generate';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';

export const DIAGNOSTICS_SETTING = 'swarmStacks.diagnostics.enabled';
/** Validation runs this long after the last keystroke (longer for files whose validation takes longer). */
export const VALIDATE_DEBOUNCE_MS = 300;
const MAX_DEBOUNCE_MS = 3_000;
const SOURCE = 'swarm-stacks';
const HAPROXY_CFG = 'haproxy.cfg';
/** A validation slower than this is written to the log (it runs in the extension host, not the UI thread). */
const SLOW_MS = 100;

type Services = Pick<ExtensionServices, 'log' | 'stackNames'>;

/**
 * Live diagnostics for open compose documents, in one collection "swarm-stacks":
 *  - the core loader's validation of the text as edited (validateComposeText), on open and 300 ms after the last change;
 *  - a proxy service on the archived dockercloud/haproxy image: a warning on its `image:` value with the advice;
 *  - when a haproxy.cfg sits next to the compose file, server-template lines with fewer slots than the service's
 *    declared replicas: a warning on BOTH sides, on the slot count in haproxy.cfg (where the fix is made) and on
 *    the service's `replicas:` value in the compose file (where the mismatch is introduced).
 * Diagnostics a compose document contributes (including those on haproxy.cfg or .env) go away when it is closed.
 */
export class ComposeDiagnostics implements vscode.Disposable {
    private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
    private readonly timers = new Map<string, NodeJS.Timeout>();
    /** Last validation time per document (ms): big files wait longer after a keystroke, so that typing never queues runs. */
    private readonly durations = new Map<string, number>();
    /** Per compose document: every file it has diagnostics for (the document itself, haproxy.cfg, .env, env_file). */
    private readonly contributions = new Map<string, Map<string, vscode.Diagnostic[]>>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private enabled = false;

    constructor(private readonly services: Services) {
        const watcher = vscode.workspace.createFileSystemWatcher(`**/${HAPROXY_CFG}`);
        const cfgChanged = (uri: vscode.Uri): void => this.revalidateFolder(path.dirname(uri.fsPath));
        this.subscriptions.push(
            this.collection,
            watcher,
            watcher.onDidChange(cfgChanged),
            watcher.onDidCreate(cfgChanged),
            watcher.onDidDelete(cfgChanged),
            vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document, 0)),
            vscode.workspace.onDidChangeTextDocument((event) => {
                if (event.contentChanges.length === 0) return;
                const document = event.document;
                if (isComposeDocument(document)) this.schedule(document, this.debounceFor(document));
                else if (isHaproxyCfg(document.uri)) this.revalidateFolder(path.dirname(document.uri.fsPath), VALIDATE_DEBOUNCE_MS);
            }),
            vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
            services.stackNames.onDidChange((uri) => {
                const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
                if (document) this.schedule(document, 0);
            }),
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (event.affectsConfiguration(DIAGNOSTICS_SETTING)) this.applySetting();
            }),
        );
        this.applySetting();
    }

    private applySetting(): void {
        this.enabled = vscode.workspace.getConfiguration().get<boolean>(DIAGNOSTICS_SETTING, true);
        if (this.enabled) {
            for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
        } else {
            for (const timer of this.timers.values()) clearTimeout(timer);
            this.timers.clear();
            this.contributions.clear();
            this.collection.clear();
        }
    }

    private schedule(document: vscode.TextDocument, delay: number): void {
        if (!this.enabled || !isComposeDocument(document)) return;
        const key = document.uri.toString();
        const pending = this.timers.get(key);
        if (pending) clearTimeout(pending);
        this.timers.set(
            key,
            setTimeout(() => {
                this.timers.delete(key);
                this.validate(document).catch((error: unknown) => {
                    this.services.log.error(`Validating ${document.uri.fsPath}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
                });
            }, delay),
        );
    }

    /** 300 ms, or twice the last run for files so big that a run takes longer than that (at most 3 s). */
    private debounceFor(document: vscode.TextDocument): number {
        const last = this.durations.get(document.uri.toString()) ?? 0;
        return Math.min(MAX_DEBOUNCE_MS, Math.max(VALIDATE_DEBOUNCE_MS, Math.round(last * 2)));
    }

    private revalidateFolder(folder: string, delay = 0): void {
        for (const document of vscode.workspace.textDocuments) {
            if (document.uri.scheme === 'file' && path.dirname(document.uri.fsPath) === folder) this.schedule(document, delay);
        }
    }

    /** Validates the document as it is now; drops the result when it was edited or closed meanwhile. */
    async validate(document: vscode.TextDocument): Promise<void> {
        const version = document.version;
        const text = document.getText();
        const isFile = document.uri.scheme === 'file';
        const file = isFile ? document.uri.fsPath : document.uri.path;

        const start = performance.now();
        // The same .env rule as Deploy Stack, so that the editor and the deploy agree on interpolation.
        const dotEnv = isFile && vscode.workspace.getConfiguration('swarmStacks.deploy', document.uri).get<boolean>('readDotEnv', true);
        const core = validateComposeText(file, text, { env: process.env, dotEnv });
        const placement = placeComposeLenses(text);
        const elapsed = performance.now() - start;
        this.durations.set(document.uri.toString(), elapsed);
        if (elapsed > SLOW_MS) this.services.log.debug(`Validating ${path.basename(file)} took ${elapsed.toFixed(0)} ms`);

        const byFile = new Map<string, vscode.Diagnostic[]>();
        const add = (uri: vscode.Uri, diagnostic: vscode.Diagnostic): void => {
            const key = uri.toString();
            const list = byFile.get(key) ?? [];
            list.push(diagnostic);
            byFile.set(key, list);
        };
        byFile.set(document.uri.toString(), []);
        for (const d of core) {
            const own = d.file === file || d.file === '';
            add(own ? document.uri : vscode.Uri.file(d.file), toVscode(d, own ? document : undefined));
        }
        for (const d of archivedHaproxyImages(placement)) add(document.uri, toVscode(d, document));

        if (isFile) {
            const cfgUri = vscode.Uri.file(path.join(path.dirname(file), HAPROXY_CFG));
            const cfgText = await readText(cfgUri);
            if (cfgText !== undefined) {
                const stackName = this.services.stackNames.get(document.uri);
                const problems = checkServerTemplateSlots(cfgText, composeLike(placement), stackName !== undefined ? { stackName } : {});
                byFile.set(cfgUri.toString(), byFile.get(cfgUri.toString()) ?? []);
                for (const problem of problems) {
                    const onCfg = new vscode.Diagnostic(
                        new vscode.Range(problem.line, problem.character, problem.line, problem.character + problem.length),
                        problem.message,
                        vscode.DiagnosticSeverity.Warning,
                    );
                    onCfg.source = SOURCE;
                    onCfg.code = 'haproxy-slots';
                    onCfg.relatedInformation = [];
                    const service = placement.services.find((s) => s.key === problem.service);
                    const composeRange = service?.replicasRange ?? service?.keyRange;
                    if (service && composeRange) {
                        const range = toRange(composeRange, document);
                        onCfg.relatedInformation.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(document.uri, range), vscode.l10n.t('replicas of {0}', problem.service)));
                        const onCompose = new vscode.Diagnostic(
                            range,
                            vscode.l10n.t('{0} ({1} line {2})', problem.message, HAPROXY_CFG, problem.line + 1),
                            vscode.DiagnosticSeverity.Warning,
                        );
                        onCompose.source = SOURCE;
                        onCompose.code = 'haproxy-slots';
                        onCompose.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(cfgUri, onCfg.range), vscode.l10n.t('server-template in {0}', HAPROXY_CFG))];
                        add(document.uri, onCompose);
                    }
                    add(cfgUri, onCfg);
                }
            }
        }

        // Edited, closed or switched off while reading haproxy.cfg: a newer run (or none) decides.
        if (!this.enabled || document.isClosed || document.version !== version) return;
        this.publish(document.uri.toString(), byFile);
    }

    private publish(owner: string, byFile: Map<string, vscode.Diagnostic[]>): void {
        const previous = this.contributions.get(owner);
        this.contributions.set(owner, byFile);
        const affected = new Set([...(previous?.keys() ?? []), ...byFile.keys()]);
        for (const file of affected) this.refreshFile(file);
    }

    private forget(uri: vscode.Uri): void {
        const key = uri.toString();
        const pending = this.timers.get(key);
        if (pending) clearTimeout(pending);
        this.timers.delete(key);
        this.durations.delete(key);
        const previous = this.contributions.get(key);
        if (!previous) return;
        this.contributions.delete(key);
        for (const file of previous.keys()) this.refreshFile(file);
    }

    /** A file's diagnostics are the union of what every open compose document says about it. */
    private refreshFile(file: string): void {
        const all: vscode.Diagnostic[] = [];
        for (const byFile of this.contributions.values()) all.push(...(byFile.get(file) ?? []));
        const uri = vscode.Uri.parse(file);
        if (all.length === 0) this.collection.delete(uri);
        else this.collection.set(uri, all);
    }

    dispose(): void {
        for (const timer of this.timers.values()) clearTimeout(timer);
        this.timers.clear();
        for (const s of this.subscriptions) s.dispose();
    }
}

function isHaproxyCfg(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && path.basename(uri.fsPath) === HAPROXY_CFG;
}

/** The text of a file: the open editor's when there is one (unsaved edits count), else the disk's. */
async function readText(uri: vscode.Uri): Promise<string | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    try {
        return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
    } catch {
        return undefined;
    }
}

/** What checkServerTemplateSlots reads, from the placement (works while other parts of the file have errors). */
function composeLike(placement: ComposePlacement): ComposeLike {
    const services: NonNullable<ComposeLike['services']> = {};
    for (const s of placement.services) {
        services[s.key] = { deploy: { ...(s.replicas !== undefined ? { replicas: s.replicas } : {}), ...(s.mode !== undefined ? { mode: s.mode } : {}) } };
        if (s.image !== undefined) services[s.key]!.image = s.image;
    }
    return { services };
}

/** A warning on the image of every service still on dockercloud/haproxy. */
export function archivedHaproxyImages(placement: ComposePlacement): CoreDiagnostic[] {
    const found: CoreDiagnostic[] = [];
    for (const s of placement.services) {
        if (s.image === undefined || !isArchivedDockercloudHaproxy(s.image)) continue;
        found.push({ file: '', range: s.imageRange ?? s.keyRange, severity: 'warning', code: 'archived-haproxy-image', message: ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE });
    }
    return found;
}

const SEVERITY: Record<CoreDiagnostic['severity'], vscode.DiagnosticSeverity> = {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    info: vscode.DiagnosticSeverity.Information,
};

function toVscode(d: CoreDiagnostic, document: vscode.TextDocument | undefined): vscode.Diagnostic {
    const diagnostic = new vscode.Diagnostic(toRange(d.range, document), d.message, SEVERITY[d.severity]);
    diagnostic.source = SOURCE;
    diagnostic.code = d.code;
    return diagnostic;
}

/** 0-based core range → VS Code range; an empty range is widened to the rest of its line so that it is visible. */
function toRange(r: CoreRange, document: vscode.TextDocument | undefined): vscode.Range {
    const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    if (!range.isEmpty || !document || r.start.line >= document.lineCount) return range;
    const line = document.lineAt(r.start.line);
    const end = line.text.trimEnd().length;
    return end > r.start.character ? new vscode.Range(r.start.line, r.start.character, r.start.line, end) : range;
}
