import * as vscode from 'vscode';
import type { ExtensionServices } from '../../services';
import { registerCommand } from '../registerCommand';
import { buildImageCommand } from './buildImage';
import { checkLoadBalancingCommand } from './checkLoadBalancing';
import { generateHaproxyConfigCommand } from './generateHaproxyConfig';
import { newProjectCommand } from './newProject';
import { pushImage } from './pushImage';
import { ProposedDocuments } from './proposedDocuments';

/** The project commands: new load-balanced project, build and push image, generate haproxy.cfg, check load balancing. */
export function registerProjectCommands(services: ExtensionServices): void {
    const proposed = new ProposedDocuments();
    const buildOutput = vscode.window.createOutputChannel(vscode.l10n.t('Swarm Stacks Build'));
    services.context.subscriptions.push(proposed, buildOutput);

    registerCommand(services, 'swarmStacks.newProject', newProjectCommand(services, proposed));
    registerCommand(services, 'swarmStacks.buildImage', buildImageCommand(services, buildOutput));
    // An optional image string: Build Image's and the deploy plan's "Push" pass the image to push.
    registerCommand(services, 'swarmStacks.pushImage', (image) => pushImage(services, image));
    registerCommand(services, 'swarmStacks.generateHaproxyConfig', generateHaproxyConfigCommand(services, proposed));
    registerCommand(services, 'swarmStacks.checkLoadBalancing', checkLoadBalancingCommand(services));
}
