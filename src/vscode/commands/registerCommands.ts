import type { ExtensionServices } from '../services';
import { registerCommand } from './registerCommand';
import { deployStack, type DeployStackOptions } from './stack/deployStack';
import { removeStack } from './stack/removeStack';
import { updateServiceImage } from './stack/updateServiceImage';
import { scaleService } from './stack/scaleService';
import { rollbackService } from './stack/rollbackService';
import { restartService } from './stack/restartService';
import { showServiceLogs, showStackLogs, type LogViewOptions } from './stack/showServiceLogs';
import { inspect, registerInspectDocuments } from './stack/inspect';
import { configureDockerHost } from './stack/configureDockerHost';
import { initSwarm, leaveSwarm } from './stack/swarmMembership';
import { registerProjectCommands } from './project/register';
import { pickComposeStack, writeReplicasToFile } from './stack/composeFile';
import { registerNodeCommands } from './node/nodeCommands';

export function registerCommands(services: ExtensionServices): void {
    registerInspectDocuments(services);
    registerCommand(services, 'swarmStacks.showLog', () => services.log.show(true));
    registerCommand(services, 'swarmStacks.refresh', () => services.model.refresh());
    registerCommand(services, 'swarmStacks.deployStack', (uri, options) => deployStack(services, uri, options as DeployStackOptions | undefined));
    registerCommand(services, 'swarmStacks.removeStack', (target, options) => removeStack(services, target, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.updateServiceImage', (target, image) => updateServiceImage(services, target, image));
    registerCommand(services, 'swarmStacks.scaleService', (target, replicas) => scaleService(services, target, replicas));
    registerCommand(services, 'swarmStacks.rollbackService', (target, options) => rollbackService(services, target, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.restartService', (target) => restartService(services, target));
    registerCommand(services, 'swarmStacks.showServiceLogs', (target, options) => showServiceLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.showTaskLogs', (target, options) => showServiceLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.showStackLogs', (target, options) => showStackLogs(services, target, options as LogViewOptions | undefined));
    registerCommand(services, 'swarmStacks.inspect', (target) => inspect(services, target));
    registerCommand(services, 'swarmStacks.initSwarm', (options) => initSwarm(services, options as { advertiseAddr?: string } | undefined));
    registerCommand(services, 'swarmStacks.leaveSwarm', (options) => leaveSwarm(services, options as { skipConfirmation?: boolean } | undefined));
    registerCommand(services, 'swarmStacks.configureDockerHost', () => configureDockerHost(services));
    registerCommand(services, 'swarmStacks.pickComposeStack', (uri) => pickComposeStack(services, uri));
    registerCommand(services, 'swarmStacks.writeReplicasToFile', (arg) => writeReplicasToFile(services, arg));
    registerProjectCommands(services);
    registerNodeCommands(services);
}
