import * as vscode from 'vscode';
import type { DockerClient } from '../docker/client';

/**
 * Owns the Docker client built from the settings and the environment, and builds a new one when
 * `swarmStacks.docker.*` changes. Everything else asks it for the current client.
 */
export class DockerSession implements vscode.Disposable {
    private current: DockerClient | undefined;
    private configurationError: Error | undefined;
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    private readonly subscription: vscode.Disposable;

    /** Fires after the endpoint settings changed and a new client is in place. */
    readonly onDidChangeClient = this.changeEmitter.event;

    constructor(private readonly log: vscode.LogOutputChannel) {
        this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
            if (event.affectsConfiguration('swarmStacks.docker')) {
                // Idle kept-alive connections (for ssh: ssh processes) of the old endpoint end now.
                this.current?.close();
                this.current = undefined;
                this.configurationError = undefined;
                this.changeEmitter.fire();
            }
        });
    }

    /** The client for the configured endpoint; throws a sentence when the configuration cannot be used. */
    get client(): DockerClient {
        if (this.configurationError) {
            throw this.configurationError;
        }
        if (!this.current) {
            const config = vscode.workspace.getConfiguration('swarmStacks.docker');
            try {
                // The Docker modules load with the first client, not at activation.
                const { connectDocker } = require('../docker/connect') as typeof import('../docker/connect');
                this.current = connectDocker({
                    host: config.get<string>('host', ''),
                    timeoutMs: Math.max(1, config.get<number>('timeoutSeconds', 30)) * 1000,
                });
                this.log.info(`Docker endpoint: ${this.current.endpoint.url} (from ${this.current.endpoint.source})`);
            } catch (error) {
                this.configurationError = error instanceof Error ? error : new Error(String(error));
                throw this.configurationError;
            }
        }
        return this.current;
    }

    dispose(): void {
        this.current?.close();
        this.subscription.dispose();
        this.changeEmitter.dispose();
    }
}
