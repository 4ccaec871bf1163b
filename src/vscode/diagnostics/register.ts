import type { ExtensionServices } from '../services';
import { ComposeDiagnostics } from './composeDiagnostics';
import { RotationDiagnostics } from './rotationDiagnostics';

/** Live diagnostics on open compose files (setting `swarmStacks.diagnostics.enabled`). */
export function registerDiagnostics(services: ExtensionServices): void {
    services.context.subscriptions.push(new ComposeDiagnostics(services));
    // Needs the live swarm: the editor's one addition to the lint pipeline (rotationDiagnostics.ts says why).
    services.context.subscriptions.push(new RotationDiagnostics(services));
}
