import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';
import { readOpenOrDisk } from './composeDiagnostics';

const COLLECTION = 'swarm-stacks-deployed';
const CODE = 'changed-config';
const ROTATE_SETTING = 'swarmStacks.deploy.rotateConfigs';
/** The engine is asked at most this long; a swarm out of reach just gives no warning. */
const ENGINE_TIMEOUT_MS = 5_000;
const DEBOUNCE_MS = 500;

type Services = Pick<ExtensionServices, 'log' | 'stackNames' | 'session'>;

/**
 * A warning that needs the live swarm, so it is the editor's addition to the one lint pipeline (`swarm-stacks lint`
 * reads files only, and the parity with it holds for every file-only problem): a config of the compose file whose
 * content differs from the deployed config of the same name. Without rotation a deploy is refused there (swarm configs
 * cannot change); the quick fixes turn rotation on, in the settings or for this stack in the compose file. Checked on
 * open and on save (of the compose file or of any file beside it, haproxy.cfg above all), not on every keystroke.
 */
export class RotationDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
    private readonly collection = vscode.languages.createDiagnosticCollection(COLLECTION);
    private readonly timers = new Map<string, NodeJS.Timeout>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly services: Services) {
        this.subscriptions.push(
            this.collection,
            vscode.languages.registerCodeActionsProvider({ pattern: '**/*.{yml,yaml}' }, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
            vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)),
            vscode.workspace.onDidSaveTextDocument((saved) => {
                for (const d of vscode.workspace.textDocuments) {
                    if (d.uri.scheme === 'file' && saved.uri.scheme === 'file' && path.dirname(d.uri.fsPath) === path.dirname(saved.uri.fsPath)) this.schedule(d);
                }
            }),
            vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
            services.stackNames.onDidChange((uri) => {
                const d = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
                if (d) this.schedule(d);
            }),
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (event.affectsConfiguration(ROTATE_SETTING)) for (const d of vscode.workspace.textDocuments) this.schedule(d);
            }),
        );
        for (const d of vscode.workspace.textDocuments) this.schedule(d);
    }

    private schedule(document: vscode.TextDocument): void {
        if (document.uri.scheme !== 'file' || !isComposeDocument(document)) return;
        const key = document.uri.toString();
        clearTimeout(this.timers.get(key));
        this.timers.set(
            key,
            setTimeout(() => {
                this.timers.delete(key);
                this.check(document).catch((error: unknown) => this.services.log.debug(`Checking deployed configs of ${document.uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`));
            }, DEBOUNCE_MS),
        );
    }

    /** Compares the file's configs with the deployed ones; publishes the warnings unless the document moved on. */
    async check(document: vscode.TextDocument): Promise<void> {
        const version = document.version;
        const stackName = this.services.stackNames.get(document.uri);
        const rotating = vscode.workspace.getConfiguration('swarmStacks.deploy', document.uri).get<boolean>('rotateConfigs', false);
        const enabled = vscode.workspace.getConfiguration().get<boolean>('swarmStacks.diagnostics.enabled', true);
        if (stackName === undefined || rotating || !enabled) {
            this.collection.delete(document.uri);
            return;
        }
        const { stackFromCompose } = await import('../../core/stack/from-compose');
        const { changedConfigs, rotationRequested } = await import('../../core/stack/rotation');
        const loaded = stackFromCompose([{ path: document.uri.fsPath, text: document.getText() }], { stackName, env: process.env, readFile: readOpenOrDisk });
        if (!loaded.specs || !loaded.specs.configs.length || rotationRequested(loaded.load.config)) {
            this.collection.delete(document.uri);
            return;
        }
        const deployed = await this.services.session.client.listConfigs({ name: loaded.specs.configs.map((c) => c.name) }, { timeoutMs: ENGINE_TIMEOUT_MS });
        const changed = changedConfigs(loaded.specs, deployed);
        if (document.isClosed || document.version !== version) return;
        const diagnostics = changed.map((c) => {
            const place = loaded.load.locate(['configs', c.key]);
            const range = place ? new vscode.Range(place.range.start.line, place.range.start.character, place.range.end.line, place.range.end.character) : new vscode.Range(0, 0, 0, 0);
            const d = new vscode.Diagnostic(
                range,
                vscode.l10n.t(
                    'Config {0} of the deployed stack {1} holds other content: swarm configs cannot change, so a deploy would be refused. Turn on config rotation to deploy it as {0}-<hash>.',
                    c.name,
                    stackName,
                ),
                vscode.DiagnosticSeverity.Warning,
            );
            d.source = 'swarm-stacks';
            d.code = CODE;
            return d;
        });
        if (diagnostics.length) this.collection.set(document.uri, diagnostics);
        else this.collection.delete(document.uri);
    }

    provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
        const mine = context.diagnostics.filter((d) => d.code === CODE && d.source === 'swarm-stacks');
        if (!mine.length) return [];
        const inFile = new vscode.CodeAction(vscode.l10n.t('Turn on config rotation for this stack (x-swarm-stacks in the compose file)'), vscode.CodeActionKind.QuickFix);
        inFile.diagnostics = mine;
        inFile.isPreferred = true;
        inFile.edit = new vscode.WorkspaceEdit();
        const end = document.lineAt(document.lineCount - 1).range.end;
        const separator = document.getText().endsWith('\n') || document.getText() === '' ? '' : '\n';
        inFile.edit.insert(document.uri, end, `${separator}\nx-swarm-stacks:\n  rotate-configs: true\n`);
        const setting = new vscode.CodeAction(vscode.l10n.t('Turn on config rotation in the settings (swarmStacks.deploy.rotateConfigs)'), vscode.CodeActionKind.QuickFix);
        setting.diagnostics = mine;
        setting.command = { title: setting.title, command: 'workbench.action.openSettings', arguments: [ROTATE_SETTING] };
        return [inFile, setting];
    }

    dispose(): void {
        for (const timer of this.timers.values()) clearTimeout(timer);
        this.timers.clear();
        for (const s of this.subscriptions) s.dispose();
    }
}
