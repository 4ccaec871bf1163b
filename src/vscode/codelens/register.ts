import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';
import type { ComposeCodeLensProvider } from './composeCodeLens';

const CODELENS_SETTING = 'swarmStacks.codeLens.enabled';

/** The documents the lenses are offered on: VS Code's compose language, and YAML files named like compose files. */
const COMPOSE_SELECTOR: vscode.DocumentSelector = [
    { language: 'dockercompose' },
    { language: 'yaml', pattern: '**/*{compose,stack}*.{yml,yaml}' },
];

/**
 * What is registered at activation: the lens provider (its module, its Dockerfile watcher, its subscriptions to the
 * model) is made when VS Code first asks for lenses, which it does only for a visible compose file.
 */
class ProviderOnFirstRequest implements vscode.CodeLensProvider, vscode.Disposable {
    private provider: ComposeCodeLensProvider | undefined;
    private forwarding: vscode.Disposable | undefined;
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    readonly onDidChangeCodeLenses = this.changeEmitter.event;

    constructor(private readonly services: ExtensionServices) {}

    provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): ReturnType<ComposeCodeLensProvider['provideCodeLenses']> {
        if (!this.provider) {
            const { ComposeCodeLensProvider } = require('./composeCodeLens') as typeof import('./composeCodeLens');
            this.provider = new ComposeCodeLensProvider(this.services);
            this.forwarding = this.provider.onDidChangeCodeLenses(() => this.changeEmitter.fire());
        }
        return this.provider.provideCodeLenses(document, token);
    }

    dispose(): void {
        this.forwarding?.dispose();
        this.provider?.dispose();
        this.changeEmitter.dispose();
    }
}

/**
 * The compose CodeLens, while `swarmStacks.codeLens.enabled` is on: the provider is registered, and the swarm model
 * is held (kept live) only while a compose editor is visible. Turning the setting off unregisters the provider
 * and releases the hold.
 */
export function registerCodeLens(services: ExtensionServices): void {
    const controller = new CodeLensController(services);
    services.context.subscriptions.push(controller);
}

class CodeLensController implements vscode.Disposable {
    private active: { provider: ProviderOnFirstRequest; registration: vscode.Disposable } | undefined;
    private hold: vscode.Disposable | undefined;
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly services: ExtensionServices) {
        this.subscriptions.push(
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (event.affectsConfiguration(CODELENS_SETTING)) this.update();
            }),
            vscode.window.onDidChangeVisibleTextEditors(() => this.updateHold()),
            vscode.workspace.onDidOpenTextDocument(() => this.updateHold()),
        );
        this.update();
    }

    private enabled(): boolean {
        return vscode.workspace.getConfiguration().get<boolean>(CODELENS_SETTING, true);
    }

    private update(): void {
        if (this.enabled() && !this.active) {
            const provider = new ProviderOnFirstRequest(this.services);
            const registration = vscode.languages.registerCodeLensProvider(COMPOSE_SELECTOR, provider);
            this.active = { provider, registration };
        } else if (!this.enabled() && this.active) {
            this.active.registration.dispose();
            this.active.provider.dispose();
            this.active = undefined;
        }
        this.updateHold();
    }

    /** Live lenses need a live model, but only while someone can see them. */
    private updateHold(): void {
        const wanted = this.active !== undefined && vscode.window.visibleTextEditors.some((editor) => isComposeDocument(editor.document));
        if (wanted && !this.hold) {
            this.hold = this.services.model.hold();
        } else if (!wanted && this.hold) {
            this.hold.dispose();
            this.hold = undefined;
        }
    }

    dispose(): void {
        this.hold?.dispose();
        this.hold = undefined;
        this.active?.registration.dispose();
        this.active?.provider.dispose();
        this.active = undefined;
        for (const s of this.subscriptions) s.dispose();
    }
}
