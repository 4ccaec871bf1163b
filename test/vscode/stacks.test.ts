// The seed workflow from inside VS Code, against the real swarm: deploy from the compose file, see
// the stack in the view, scale from a CodeLens, roll an image, roll it back, remove the stack, and
// watch the views go unreachable and come back by themselves.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import type { ServiceItem, StackItem, TaskItem } from '../../src/vscode/views/stackItems';
import { takeScreenshot } from './harness';
import { waitFor } from './wait';

const BASE_IMAGE = 'swarm-stacks-testbed/node:20';


function docker(...args: string[]): string {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('Swarm view, commands and CodeLens on a real swarm', function () {
    this.timeout(240_000);
    const id = `sst${Math.random().toString(36).slice(2, 8)}`;
    const stack = `${id}stack`;
    const image = `${id}-app`;
    const serviceName = `${stack}_web`;
    let api: SwarmStacksApi;
    let folder: string;
    let composeUri: vscode.Uri;

    const stackItem = async (): Promise<StackItem | undefined> =>
        (await api.views.stacks.getChildren()).find((item): item is StackItem => (item as StackItem).stack?.name === stack);
    const serviceItem = async (): Promise<ServiceItem | undefined> => {
        const s = await stackItem();
        return s ? ((await api.views.stacks.getChildren(s)) as ServiceItem[]).find((item) => item.service?.name === serviceName) : undefined;
    };

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        docker('tag', BASE_IMAGE, `${image}:v1`);
        docker('tag', BASE_IMAGE, `${image}:v2`);
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-vscode-'));
        composeUri = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
        fs.writeFileSync(
            composeUri.fsPath,
            [
                'version: "3.8"',
                'services:',
                '  web:',
                `    image: ${image}:v1`,
                '    init: true',
                '    command: ["node", "-e", "require(\'http\').createServer((q, r) => r.end(require(\'os\').hostname())).listen(8080)"]',
                '    deploy:',
                '      replicas: 2',
                '      update_config:',
                '        parallelism: 1',
                '        delay: 1s',
                '',
            ].join('\n'),
        );
        await vscode.commands.executeCommand('workbench.view.extension.swarmStacks');
    });

    after(async () => {
        try {
            docker('stack', 'rm', stack);
        } catch {
            // already gone
        }
        await waitFor('the test stack to be gone', () => docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`) === '' || undefined, 60_000).catch(() => undefined);
        for (const tag of ['v1', 'v2']) {
            try {
                docker('rmi', `${image}:${tag}`);
            } catch {
                // in use by a task still shutting down: the tag goes with the next clean-up
            }
        }
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('deploys from the compose file and shows the stack, its services and tasks', async () => {
        const document = await vscode.workspace.openTextDocument(composeUri);
        await vscode.window.showTextDocument(document);
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack });
        const item = await waitFor('the service with 2/2 running in the view', async () => {
            const s = await serviceItem();
            return s && s.service.running === 2 && s.service.desired === 2 ? s : undefined;
        });
        assert.match(String(item.description), new RegExp(`^2/2 · ${image}:v1`));
        const tasks = (await api.views.stacks.getChildren(item)) as TaskItem[];
        assert.equal(tasks.filter((t) => t.task.state === 'running').length, 2);
        assert.equal(api.services.stackNames.get(composeUri), stack, 'the stack name is remembered for the file');
        await vscode.commands.executeCommand('swarmStacks.views.stacks.focus');
        await api.views.stacksView.reveal(item, { expand: true });
        await takeScreenshot('stacks-view');
    });

    it('scales from the CodeLens, and the view and the lens follow without a manual refresh', async () => {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', composeUri);
        const scale = lenses.find((l) => l.command?.command === 'swarmStacks.scaleService');
        assert.ok(scale?.command, `a Scale lens (lenses: ${lenses.map((l) => l.command?.title).join(' | ')})`);
        await vscode.commands.executeCommand(scale.command.command, ...(scale.command.arguments ?? []), 3);
        await waitFor('3/3 in the view', async () => ((await serviceItem())?.service.running === 3 ? true : undefined), 60_000);
        const live = await waitFor('the lens to show 3 replicas', async () => {
            const fresh = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', composeUri);
            return fresh.find((l) => /3\/3/.test(l.command?.title ?? '') && l.command?.command === 'swarmStacks.revealService');
        });
        // The live-state lens reveals its service in the Stacks view.
        await vscode.commands.executeCommand(live.command!.command, ...(live.command!.arguments ?? []));
        await waitFor('the service selected in the view', () => (api.views.stacksView.selection.some((item) => (item as ServiceItem).service?.name === serviceName) ? true : undefined), 10_000);
    });

    it('rolls a new image out, with the update state in the view', async () => {
        const states = new Set<string>();
        const listener = api.services.model.onDidChange(async () => {
            const state = (await serviceItem())?.service.updateState;
            if (state) states.add(state);
        });
        try {
            await vscode.commands.executeCommand('swarmStacks.updateServiceImage', { serviceName }, `${image}:v2`);
            const item = await waitFor('v2 running everywhere', async () => {
                const s = await serviceItem();
                return s && s.service.image === `${image}:v2` && s.service.updateState === 'completed' && s.service.running === 3 ? s : undefined;
            });
            assert.ok(item.contextValue?.includes('rollbackable'));
        } finally {
            listener.dispose();
        }
        assert.ok(states.has('updating') || states.has('completed'), `update states seen: ${[...states].join(', ')}`);
    });

    it('rolls back to the previous image', async () => {
        await vscode.commands.executeCommand('swarmStacks.rollbackService', { serviceName }, { skipConfirmation: true });
        await waitFor('v1 again after the rollback', async () => {
            const s = await serviceItem();
            return s && s.service.image === `${image}:v1` && s.service.updateState === 'rollback_completed' ? true : undefined;
        });
    });

    it('inspects, restarts and follows the logs of a service from the tree', async () => {
        const item = await waitFor('the service item', serviceItem);
        await vscode.commands.executeCommand('swarmStacks.inspect', item);
        const inspected = await waitFor('the inspect document', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'swarm-stacks-inspect')?.document);
        const json = JSON.parse(inspected.getText()) as { Spec: { Name: string; TaskTemplate: { ForceUpdate?: number } } };
        assert.equal(json.Spec.Name, serviceName);
        assert.equal(inspected.languageId, 'json');
        assert.match(inspected.uri.path, new RegExp(`/service/${serviceName}\\.json$`), 'the tab is named after the service');

        const forceBefore = json.Spec.TaskTemplate.ForceUpdate ?? 0;
        await vscode.commands.executeCommand('swarmStacks.restartService', item);
        const forceAfter = Number(docker('service', 'inspect', serviceName, '--format', '{{.Spec.TaskTemplate.ForceUpdate}}'));
        assert.equal(forceAfter, forceBefore + 1, 'a restart is a forced update without spec changes');
        assert.equal(docker('service', 'inspect', serviceName, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}').split('@')[0], `${image}:v1`);

        await vscode.commands.executeCommand('swarmStacks.showServiceLogs', item);
        const terminal = await waitFor('the logs terminal', () => vscode.window.terminals.find((t) => t.name.includes(serviceName)));
        terminal.dispose();
    });

    it('removes the stack and the view empties', async () => {
        await vscode.commands.executeCommand('swarmStacks.removeStack', { stackName: stack }, { skipConfirmation: true });
        await waitFor('the stack to leave the view', async () => ((await stackItem()) === undefined ? true : undefined));
        assert.equal(docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`), '');
    });

    it('shows the unreachable state when the engine goes away and recovers by itself', async () => {
        // The extension reaches the engine through a socket this test controls: closing it is, for the
        // extension, the engine stopping; opening it again is the engine coming back.
        const socketPath = path.join(folder, 'engine.sock');
        const connections = new Set<net.Socket>();
        const open = () =>
            new Promise<net.Server>((resolve) => {
                const server = net.createServer((client) => {
                    const upstream = net.connect('/var/run/docker.sock');
                    connections.add(client).add(upstream);
                    client.pipe(upstream).pipe(client);
                    const drop = () => {
                        client.destroy();
                        upstream.destroy();
                    };
                    client.on('error', drop).on('close', drop);
                    upstream.on('error', drop).on('close', drop);
                });
                server.listen(socketPath, () => resolve(server));
            });
        const close = (server: net.Server) =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                for (const c of connections) c.destroy();
                connections.clear();
            });
        const config = vscode.workspace.getConfiguration('swarmStacks.docker');
        let server = await open();
        try {
            await config.update('host', `unix://${socketPath}`, vscode.ConfigurationTarget.Global);
            await waitFor('ready through the proxy', () => (api.services.model.state.kind === 'ready' ? true : undefined));
            await close(server);
            await waitFor('the unreachable state', () => (api.services.model.state.kind === 'unreachable' ? true : undefined), 30_000);
            assert.deepEqual(await api.views.stacks.getChildren(), [], 'the view is empty so that its welcome content shows');
            await vscode.commands.executeCommand('workbench.action.closeAllEditors');
            await vscode.commands.executeCommand('workbench.action.closePanel');
            await vscode.commands.executeCommand('swarmStacks.views.stacks.focus');
            await takeScreenshot('welcome-unreachable');
            server = await open();
            await waitFor('recovery without any command', () => (api.services.model.state.kind === 'ready' ? true : undefined), 30_000);
        } finally {
            await config.update('host', undefined, vscode.ConfigurationTarget.Global);
            await close(server);
        }
    });
});
