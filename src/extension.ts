import * as vscode from 'vscode';
import { createLog } from './vscode/log';
import { DockerSession } from './vscode/dockerSession';
import { SwarmModel } from './vscode/swarmModel';
import { StackNames } from './vscode/stackNames';
import { ComposeAssociations } from './vscode/composeAssociations';
import { registerCommands } from './vscode/commands/registerCommands';
import { registerViews, type SwarmViews } from './vscode/views/registerViews';
import { registerCodeLens } from './vscode/codelens/register';
import { registerDiagnostics } from './vscode/diagnostics/register';
import type { ExtensionServices } from './vscode/services';

/** What the extension returns from activate: used by its own tests in the real VS Code. */
export interface SwarmStacksApi {
    services: ExtensionServices;
    views: SwarmViews;
    /** Milliseconds from the first statement of the bundle to the end of activate() (see scripts/extension-split.mjs). */
    activationMs: number;
}

/** performance.now() when dist/extension.js began to evaluate (its banner); absent when run from tsc's output. */
declare const __swarmStacksEvaluationStart: number | undefined;
const evaluationStart = typeof __swarmStacksEvaluationStart === 'number' ? __swarmStacksEvaluationStart : performance.now();

// Wiring only: every piece lives in its own module and is disposed through the context.
export function activate(context: vscode.ExtensionContext): SwarmStacksApi {
    const log = createLog();
    const session = new DockerSession(log);
    const model = new SwarmModel(session, log);
    const stackNames = new StackNames(context.workspaceState);
    const associations = new ComposeAssociations(model, stackNames);
    context.subscriptions.push(log, session, model, stackNames, associations);

    const services: ExtensionServices = { context, log, session, model, stackNames, associations };
    // The History node reads the stack's revisions from the swarm; the history code loads when a node first opens.
    const views = registerViews(context, model, associations, async (stack) => (await import('./core/stack/history')).readHistory(session.client, stack));
    registerCommands(services);
    registerCodeLens(services);
    registerDiagnostics(services);
    const activationMs = performance.now() - evaluationStart;
    log.info(`Swarm Stacks ${context.extension.packageJSON.version as string} activated (${activationMs.toFixed(1)} ms: bundle evaluation and activate())`);
    return { services, views, activationMs };
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions.
}
