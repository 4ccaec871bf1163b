import * as vscode from 'vscode';
import type { ExtensionServices } from '../../services';
import { loadOnFirstCall, registerCommand } from '../registerCommand';
import { ProposedDocuments } from './proposedDocuments';

/**
 * The project commands: new load-balanced project, build and push image, generate haproxy.cfg, check load balancing.
 * Each command's module loads on its first call.
 */
export function registerProjectCommands(services: ExtensionServices): void {
    const proposed = new ProposedDocuments();
    services.context.subscriptions.push(proposed);
    // The build's output channel is created with the first build, not at activation.
    const buildOutput = () => {
        const channel = vscode.window.createOutputChannel(vscode.l10n.t('Swarm Stacks Build'));
        services.context.subscriptions.push(channel);
        return channel;
    };

    registerCommand(services, 'swarmStacks.newProject', loadOnFirstCall(async () => (await import('./newProject')).newProjectCommand(services, proposed)));
    registerCommand(services, 'swarmStacks.buildImage', loadOnFirstCall(async () => (await import('./buildImage')).buildImageCommand(services, buildOutput())));
    // An optional image string: Build Image's and the deploy plan's "Push" pass the image to push.
    registerCommand(services, 'swarmStacks.pushImage', async (image) => (await import('./pushImage')).pushImage(services, image));
    registerCommand(services, 'swarmStacks.generateHaproxyConfig', loadOnFirstCall(async () => (await import('./generateHaproxyConfig')).generateHaproxyConfigCommand(services, proposed)));
    registerCommand(services, 'swarmStacks.checkLoadBalancing', loadOnFirstCall(async () => (await import('./checkLoadBalancing')).checkLoadBalancingCommand(services)));
}
