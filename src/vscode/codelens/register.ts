import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { isComposeDocument } from '../stackNames';
import { COMPOSE_SELECTOR, ComposeCodeLensProvider } from './composeCodeLens';

const CODELENS_SETTING = 'swarmStacks.codeLens.enabled';

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
    private active: { provider: ComposeCodeLensProvider; registration: vscode.Disposable } | undefined;
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
            const provider = new ComposeCodeLensProvider(this.services);
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
