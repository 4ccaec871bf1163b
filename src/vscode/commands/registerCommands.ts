import type { ExtensionServices } from '../services';
import { loadOnFirstCall, registerCommand } from './registerCommand';
import type { DeployStackOptions } from './stack/deployStack';
import type { LogViewOptions } from './stack/showServiceLogs';
import { registerInspectDocuments } from './stack/inspectDocuments';
import { registerProjectCommands } from './project/register';

/** The Nodes view's commands (src/vscode/commands/node/nodeCommands.ts); their module loads on first use. */
const NODE_COMMANDS = ['drainNode', 'pauseNode', 'activateNode', 'promoteNode', 'demoteNode', 'addNodeLabel', 'removeNodeLabel'] as const;

// Every handler imports its module when first called: activation evaluates no command code, and the compose,
// schema, Docker and ssh modules load when a command first needs them.
export function registerCommands(services: ExtensionServices): void {
    registerInspectDocuments(services);
    registerCommand(services, 'swarmStacks.showLog', () => services.log.show(true));
    registerCommand(services, 'swarmStacks.refresh', () => services.model.refresh());
    registerCommand(services, 'swarmStacks.deployStack', async (uri, options) => (await import('./stack/deployStack')).deployStack(services, uri, options as DeployStackOptions | undefined));
    registerCommand(services, 'swarmStacks.removeStack', async (target, options) => (await import('./stack/removeStack')).removeStack(services, target, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.updateServiceImage', async (target, image, options) => (await import('./stack/updateServiceImage')).updateServiceImage(services, target, image, options));
    registerCommand(services, 'swarmStacks.scaleService', async (target, replicas) => (await import('./stack/scaleService')).scaleService(services, target, replicas));
    registerCommand(services, 'swarmStacks.rollbackService', async (target, options) => (await import('./stack/rollbackService')).rollbackService(services, target, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.rollbackStack', async (target, options) => (await import('./stack/stackHistory')).rollbackStack(services, target, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.compareRevisions', async (target, against) => (await import('./stack/stackHistory')).compareRevisions(services, target, against));
    registerCommand(services, 'swarmStacks.showDrift', async (target) => (await import('./stack/stackHistory')).showDrift(services, target));
    registerCommand(services, 'swarmStacks.restartService', async (target) => (await import('./stack/restartService')).restartService(services, target));
    registerCommand(services, 'swarmStacks.showServiceLogs', async (target, options) => (await import('./stack/showServiceLogs')).showServiceLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.showTaskLogs', async (target, options) => (await import('./stack/showServiceLogs')).showServiceLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.showStackLogs', async (target, options) => (await import('./stack/showServiceLogs')).showStackLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.inspect', async (target) => (await import('./stack/inspect')).inspect(services, target));
    registerCommand(services, 'swarmStacks.initSwarm', async (options) => (await import('./stack/swarmMembership')).initSwarm(services, options as { advertiseAddr?: string } | undefined));
    registerCommand(services, 'swarmStacks.leaveSwarm', async (options) => (await import('./stack/swarmMembership')).leaveSwarm(services, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.configureDockerHost', async () => (await import('./stack/configureDockerHost')).configureDockerHost(services));
    registerCommand(services, 'swarmStacks.pickComposeStack', async (uri) => (await import('./stack/composeFile')).pickComposeStack(services, uri));
    registerCommand(services, 'swarmStacks.writeReplicasToFile', async (arg) => (await import('./stack/composeFile')).writeReplicasToFile(services, arg));
    registerProjectCommands(services);
    for (const name of NODE_COMMANDS) {
        registerCommand(services, `swarmStacks.${name}`, loadOnFirstCall(async () => (await import('./node/nodeCommands')).nodeCommandHandlers(services)[name]));
    }
}
