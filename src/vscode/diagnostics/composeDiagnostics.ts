import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { Diagnostic as CoreDiagnostic, Range as CoreRange } from '../../core/diagnostics';
import { checkFileSize, readBoundedFile } from '../../core/bounded-file';
import { HAPROXY_CFG } from '../../core/haproxy/cfg-file';
import { stackNameProblem } from '../../core/stack/names';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';

const DIAGNOSTICS_SETTING = 'swarmStacks.diagnostics.enabled';
/** Validation runs this long after the last keystroke (longer for files whose validation takes longer). */
const VALIDATE_DEBOUNCE_MS = 300;
const MAX_DEBOUNCE_MS = 3_000;
const SOURCE = 'swarm-stacks';
/** A validation slower than this is written to the log (it runs in the extension host, not the UI thread). */
const SLOW_MS = 100;

type Services = Pick<ExtensionServices, 'log' | 'stackNames' | 'associations'>;

/**
 * Live diagnostics for open compose documents, in one collection "swarm-stacks": exactly what `swarm-stacks lint`
 * prints for the text as edited (core/stack/lint.ts: load, conversion, the archived-HAProxy advice and the
 * haproxy.cfg slot check on both sides), on open and 300 ms after the last change. The YAML parse is the one the
 * lenses use for the same document version (ComposeAssociations.parsedOf).
 * Diagnostics a compose document contributes (including those on haproxy.cfg or .env) go away when it is closed.
 */
export class ComposeDiagnostics implements vscode.Disposable {
    private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
    private readonly timers = new Map<string, NodeJS.Timeout>();
    /** Last validation time per document (ms): big files wait longer after a keystroke, so that typing never queues runs. */
    private readonly durations = new Map<string, number>();
    /** Documents validated at least once since they were opened. */
    private readonly validated = new Set<string>();
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
        const start = performance.now();
        // The parse the lenses use for this version; lint reuses it.
        const parsed = this.services.associations.parsedOf(document);
        const file = parsed.source.file;
        // The same .env rule as Deploy Stack, so that the editor and the deploy agree on interpolation.
        const dotEnv = document.uri.scheme === 'file' && vscode.workspace.getConfiguration('swarmStacks.deploy', document.uri).get<boolean>('readDotEnv', true);
        const stackName = this.services.stackNames.get(document.uri);
        // The lint pipeline (compose loader, schema, conversion) loads with the first validation, not at activation.
        const { lintParsedCompose } = require('../../core/stack/lint') as typeof import('../../core/stack/lint');
        const lint = lintParsedCompose(parsed, {
            env: process.env,
            dotEnv,
            readFile: readOpenOrDisk,
            ...(stackName !== undefined && stackNameProblem(stackName) === undefined ? { stackName } : {}),
        });
        const elapsed = performance.now() - start;
        // The first run of a document parses it whole and may load the lint's modules: the runs after an edit parse
        // by pieces and cost a fraction of it, so only those set the wait after the next keystroke.
        const key = document.uri.toString();
        if (this.validated.has(key)) this.durations.set(key, elapsed);
        this.validated.add(key);
        if (elapsed > SLOW_MS) this.services.log.debug(`Validating ${path.basename(file)} took ${elapsed.toFixed(0)} ms`);

        const byFile = new Map<string, vscode.Diagnostic[]>();
        byFile.set(document.uri.toString(), []);
        // haproxy.cfg keeps an entry while it exists, so that fixed slot warnings are cleared there too.
        if (lint.haproxyCfg !== undefined) byFile.set(vscode.Uri.file(lint.haproxyCfg).toString(), []);
        const uriOf = (f: string): vscode.Uri => (f === file || f === '' ? document.uri : vscode.Uri.file(f));
        for (const d of lint.diagnostics) {
            const uri = uriOf(d.file);
            const key = uri.toString();
            const list = byFile.get(key) ?? [];
            list.push(toVscode(d, uri === document.uri ? document : undefined, uriOf));
            byFile.set(key, list);
        }

        // Edited, closed or switched off meanwhile: a newer run (or none) decides.
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
        this.validated.delete(key);
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

/**
 * The text of a file for the lint: the open editor's when there is one (unsaved edits count), else the disk's, read
 * as the command line reads it (bounded, regular files only: src/core/bounded-file.ts). Synchronous, as the loader
 * reads env files: the files read are small and local.
 */
export function readOpenOrDisk(file: string, maxBytes?: number): Uint8Array {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (!open) return readBoundedFile(file, maxBytes);
    const bytes = new TextEncoder().encode(open.getText());
    checkFileSize(file, bytes.length, maxBytes);
    return bytes;
}

const SEVERITY: Record<CoreDiagnostic['severity'], vscode.DiagnosticSeverity> = {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    info: vscode.DiagnosticSeverity.Information,
};

function toVscode(d: CoreDiagnostic, document: vscode.TextDocument | undefined, uriOf: (file: string) => vscode.Uri): vscode.Diagnostic {
    const diagnostic = new vscode.Diagnostic(toRange(d.range, document), d.message, SEVERITY[d.severity]);
    diagnostic.source = SOURCE;
    diagnostic.code = d.code;
    if (d.related) {
        diagnostic.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uriOf(r.file), toRange(r.range, undefined)), r.message));
    }
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
