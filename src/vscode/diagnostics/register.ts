import type { ExtensionServices } from '../services';
import { ComposeDiagnostics } from './composeDiagnostics';

/** Live diagnostics on open compose files (setting `swarmStacks.diagnostics.enabled`). */
export function registerDiagnostics(services: ExtensionServices): void {
    services.context.subscriptions.push(new ComposeDiagnostics(services));
}
