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

/** Milliseconds of wall time and of the extension host thread's CPU time. */
export interface Timing {
    wallMs: number;
    cpuMs: number;
}

/** What the extension returns from activate: used by its own tests in the real VS Code. */
export interface SwarmStacksApi {
    services: ExtensionServices;
    views: SwarmViews;
    /** evaluation + activate: what VS Code counts (codeLoadingTime + activateCallTime) without its own part. */
    activation: Timing;
    /** Evaluating dist/extension.js, its first statement to its last (scripts/extension-split.mjs); 0 from tsc's output. */
    evaluation: Timing;
    /** The activate() call. */
    activate: Timing;
}

/**
 * [performance.now(), thread CPU ms] at the first and the last statement of dist/extension.js (its banner and footer);
 * absent when run from tsc's output. VS Code loads the module and the extension's context (storage) together and
 * calls activate() when both are ready: the wait between the two is VS Code's, and no figure here counts it.
 */
declare const __swarmStacksEvaluationStart: [number, number] | undefined;
declare const __swarmStacksEvaluationEnd: [number, number] | undefined;

/** The CPU time of this thread (Node 24's threadCpuUsage, which @types/node 20 does not declare; the process's before). */
function threadCpuMs(): number {
    const usage = ((process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage ?? process.cpuUsage).call(process);
    return (usage.user + usage.system) / 1000;
}

function since([wallStart, cpuStart]: [number, number], [wallEnd, cpuEnd]: [number, number] = [performance.now(), threadCpuMs()]): Timing {
    return { wallMs: wallEnd - wallStart, cpuMs: cpuEnd - cpuStart };
}

// Wiring only: every piece lives in its own module and is disposed through the context.
export function activate(context: vscode.ExtensionContext): SwarmStacksApi {
    const activateStart: [number, number] = [performance.now(), threadCpuMs()];
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
    const activateTiming = since(activateStart);
    const evaluation = typeof __swarmStacksEvaluationStart === 'object' && typeof __swarmStacksEvaluationEnd === 'object' ? since(__swarmStacksEvaluationStart, __swarmStacksEvaluationEnd) : { wallMs: 0, cpuMs: 0 };
    const activation = { wallMs: evaluation.wallMs + activateTiming.wallMs, cpuMs: evaluation.cpuMs + activateTiming.cpuMs };
    log.info(
        `Swarm Stacks ${(context.extension.packageJSON as { version: string }).version} activated in ${activation.wallMs.toFixed(1)} ms ` +
            `(bundle evaluation ${evaluation.wallMs.toFixed(1)} ms, activate() ${activateTiming.wallMs.toFixed(1)} ms; CPU ${activation.cpuMs.toFixed(1)} ms)`,
    );
    return { services, views, activation, evaluation, activate: activateTiming };
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions.
}
