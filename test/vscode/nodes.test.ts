// The Nodes view on the test bed's real 3-node swarm (scripts/testbed/cluster.sh): the extension is pointed at
// node1's socket (swarmStacks.docker.host), the view shows the three nodes with their tasks, and Drain from the tree
// shows its impact preview (a quick pick) before anything is sent: cancelling leaves the node active; confirming drains
// it, the tree says why the task that cannot move waits; Activate brings the node back.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import type { DockerClient } from '../../src/docker/client';
import type { NodeItem, ServiceItem, StackItem, TaskItem } from '../../src/vscode/views/stackItems';
import { clusterNode, loadCluster, nodeClient, type Cluster } from '../engine/support/cluster';
import { clickInWorkbench, takeScreenshot, workbenchText } from './harness';
import { waitFor } from './wait';

const BASE_IMAGE = 'swarm-stacks-testbed/node:20';
const IDLE = `["node", "-e", "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9)"]`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// The preview is a quick pick (VS Code refuses modal dialogs while tests run).
const PREVIEW = '.quick-input-widget';

describe('Nodes view on a real 3-node swarm', function () {
    this.timeout(300_000);
    const id = `ssn${Math.random().toString(36).slice(2, 8)}`;
    const stack = `${id}stack`;
    let api: SwarmStacksApi;
    let cluster: Cluster;
    let manager: DockerClient;
    let folder: string;
    const nodeIds = new Map<string, string>();

    const nodeItems = async (): Promise<NodeItem[]> => api.views.nodes.getChildren() as NodeItem[];
    const nodeItem = async (name: string): Promise<NodeItem | undefined> => (await nodeItems()).find((n) => n.node.hostname === name);
    const availability = async (name: string): Promise<string | undefined> => (await manager.inspectNode(nodeIds.get(name)!)).Spec.Availability;

    before(async () => {
        cluster = loadCluster();
        manager = nodeClient(clusterNode(cluster, 'node1'));
        for (const n of await manager.listNodes()) nodeIds.set(n.Description?.Hostname ?? '', n.ID);
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ssn-vscode-'));
        const compose = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
        fs.writeFileSync(
            compose.fsPath,
            [
                'version: "3.8"',
                'services:',
                '  web:',
                `    image: ${BASE_IMAGE}`,
                `    command: ${IDLE}`,
                '    stop_grace_period: 1s',
                '    deploy:',
                '      replicas: 3',
                '      placement:',
                '        max_replicas_per_node: 1',
                '  pinned:',
                `    image: ${BASE_IMAGE}`,
                `    command: ${IDLE}`,
                '    stop_grace_period: 1s',
                '    deploy:',
                '      placement:',
                '        constraints: [node.hostname==node2]',
                '',
            ].join('\n'),
        );
        await vscode.workspace.getConfiguration('swarmStacks.deploy').update('resolveImage', 'never', vscode.ConfigurationTarget.Global);
        await vscode.workspace.getConfiguration('swarmStacks.docker').update('host', clusterNode(cluster, 'node1').host, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('workbench.view.extension.swarmStacks');
        await vscode.commands.executeCommand('swarmStacks.views.nodes.focus');
        await waitFor('the 3-node swarm in the model', () => api.services.model.snapshot?.nodes.length === 3);
        await vscode.commands.executeCommand('swarmStacks.deployStack', compose, { stackName: stack, skipConfirmation: true });
    });

    after(async () => {
        // Close a dialog a failed step may have left open, then put node2 back and remove the stack.
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        for (const node of cluster?.nodes ?? []) {
            const n = await manager.inspectNode(nodeIds.get(node.name)!).catch(() => undefined);
            if (n && n.Spec.Availability !== 'active') await manager.updateNode(n.ID, n.Version.Index, { ...n.Spec, Availability: 'active' }).catch(() => undefined);
        }
        await vscode.commands.executeCommand('swarmStacks.removeStack', { stackName: stack }, { skipConfirmation: true });
        await vscode.workspace.getConfiguration('swarmStacks.docker').update('host', undefined, vscode.ConfigurationTarget.Global);
        await vscode.workspace.getConfiguration('swarmStacks.deploy').update('resolveImage', undefined, vscode.ConfigurationTarget.Global);
        manager?.close();
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('shows the three nodes, their roles and the tasks on each', async () => {
        const items = await waitFor('the stack running on all three nodes in the Nodes view', async () => {
            const all = await nodeItems();
            const withWeb = all.filter((n) => n.tasks.some((t) => t.name.startsWith(`${stack}_web.`) && t.state === 'running'));
            const pinnedOnNode2 = all.find((n) => n.node.hostname === 'node2')?.tasks.some((t) => t.name.startsWith(`${stack}_pinned.`) && t.state === 'running');
            return all.length === 3 && withWeb.length === 3 && pinnedOnNode2 ? all : undefined;
        }, 120_000);
        assert.deepStrictEqual(items.map((n) => n.node.hostname), ['node1', 'node2', 'node3']);
        assert.match(String(items[0].description), /^manager \(leader\) · active · ready/);
        assert.match(String(items[1].description), /^worker · active · ready/);
        assert.strictEqual(items[1].contextValue, 'node.worker.active', 'the menus offer Drain, Pause, Promote on a worker');
        const children = api.views.nodes.getChildren(items[1]) as TaskItem[];
        assert.ok(children.some((t) => t.label === `${stack}_pinned.1`), `node2's tasks: ${children.map((t) => t.label).join(', ')}`);
        await api.views.nodesView.reveal(items[1], { expand: true, focus: true, select: true });
        await takeScreenshot('nodes-view');
    });

    it('Drain from the tree shows the impact first; Cancel leaves the node active', async () => {
        const node2 = await nodeItem('node2');
        assert.ok(node2);
        let settled = false;
        const command = Promise.resolve(vscode.commands.executeCommand('swarmStacks.drainNode', node2)).finally(() => (settled = true));
        const text = await workbenchText(PREVIEW).catch((error: unknown) => {
            throw new Error(`no preview (the command ${settled ? 'had ended' : 'was still running'}): ${String(error)}`);
        });
        assert.match(text, /Drain node2\? 2 services will run below the desired replicas\./, text);
        assert.match(text, /^\s*Drain node2$/m, text);
        assert.match(text, /2 tasks stop on node2; none of them can move/, text);
        assert.match(text, new RegExp(`${stack}_web drops below its desired replicas: 2/3 running\\s+max_replicas_per_node 1: the 2 other nodes that can run it are full`), text);
        assert.match(text, new RegExp(`${stack}_pinned \\(1 replica\\) goes down and stays down\\s+no other available node satisfies node\\.hostname==node2`), text);
        assert.strictEqual(await availability('node2'), 'active', 'nothing is sent while the preview is open');
        await takeScreenshot('nodes-drain-preview', { selector: PREVIEW });
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await command;
        assert.ok(settled);
        assert.strictEqual(await availability('node2'), 'active');
    });

    it('confirming drains the node; the task that cannot move says why; Activate brings the node back', async () => {
        const command = vscode.commands.executeCommand('swarmStacks.drainNode', await nodeItem('node2'));
        await workbenchText(PREVIEW);
        await clickInWorkbench(`${PREVIEW} .monaco-list-row:has-text("Drain node2")`);
        await command;
        assert.strictEqual(await availability('node2'), 'drain');
        const pending = await waitFor('the pinned task pending with its reason in the Stacks view', async () => {
            const stackItem = ((await api.views.stacks.getChildren()) as StackItem[]).find((s) => s.stack?.name === stack);
            const services = stackItem ? ((await api.views.stacks.getChildren(stackItem)) as ServiceItem[]) : [];
            const pinned = services.find((s) => s.service?.name === `${stack}_pinned`); // the History node has no service
            const tasks = pinned ? ((await api.views.stacks.getChildren(pinned)) as TaskItem[]) : [];
            return tasks.find((t) => t.task.state === 'pending' && t.task.pendingReason);
        });
        assert.match(String(pending.description), /no suitable node \(.*\): node2 is drained; no available node satisfies the constraint node\.hostname==node2/, String(pending.description));
        const drained = await waitFor('node2 drained in the Nodes view', async () => {
            const item = await nodeItem('node2');
            return item?.node.availability === 'drain' ? item : undefined;
        });
        assert.strictEqual(drained.contextValue, 'node.worker.drain', 'the menus offer Activate on a drained node');
        await vscode.commands.executeCommand('swarmStacks.activateNode', drained, { skipConfirmation: true });
        assert.strictEqual(await availability('node2'), 'active');
        await waitFor('the pinned task running again on node2', async () => (await nodeItem('node2'))?.tasks.some((t) => t.name.startsWith(`${stack}_pinned.`) && t.state === 'running'), 90_000);
    });
    it('an image in a registry the Docker configuration has credentials for: Deploy Stack asks once, naming the registry, and remembers the answer', async () => {
        const askStack = `${id}ask`;
        const node1 = clusterNode(cluster, 'node1').host;
        const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
        const images = ['v1', 'v2'].map((tag) => `${cluster.registry.cluster}/${id}-ask:${tag}`);
        for (const image of images) {
            docker('-H', node1, 'tag', BASE_IMAGE, image);
            docker('--config', cluster.registry.dockerConfig, '-H', node1, 'push', image);
        }
        const compose = vscode.Uri.file(path.join(folder, 'ask-compose.yaml'));
        const write = (image: string) =>
            fs.writeFileSync(
                compose.fsPath,
                ['version: "3.8"', 'services:', '  app:', `    image: ${image}`, `    command: ${IDLE}`, '    stop_grace_period: 1s', '    deploy:', '      replicas: 3', '      placement:', '        max_replicas_per_node: 1', ''].join('\n'),
            );
        write(images[0]);
        const savedDockerConfig = process.env.DOCKER_CONFIG;
        process.env.DOCKER_CONFIG = cluster.registry.dockerConfig;
        const deploySettings = vscode.workspace.getConfiguration('swarmStacks.deploy');
        await deploySettings.update('resolveImage', 'always', vscode.ConfigurationTarget.Global);
        await deploySettings.update('withRegistryAuth', undefined, vscode.ConfigurationTarget.Global);
        try {
            const deploying = Promise.resolve(vscode.commands.executeCommand('swarmStacks.deployStack', compose, { stackName: askStack }));
            const text = await workbenchText(PREVIEW);
            assert.match(text, new RegExp(`Send your credentials for ${escape(cluster.registry.cluster)} to the swarm\\?`), text);
            assert.match(text, new RegExp(`${escape(images[0])} is in ${escape(cluster.registry.cluster)}, for which your Docker configuration has credentials`), text);
            assert.deepStrictEqual(await manager.listServices({ label: [`com.docker.stack.namespace=${askStack}`] }), [], 'nothing is deployed while the question is open');
            await takeScreenshot('deploy-registry-auth-question', { selector: PREVIEW });
            await clickInWorkbench(`${PREVIEW} .monaco-list-row:has-text("Send Credentials")`);
            await deploying;
            const tasks = await waitFor('3 replicas running, one on each node', async () => {
                const running = (await manager.listTasks({ service: [`${askStack}_app`], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running');
                return running.length === 3 && new Set(running.map((t) => t.NodeID)).size === 3 ? running : undefined;
            }, 120_000);
            assert.ok(tasks.every((t) => (t.Spec.ContainerSpec?.Image ?? '').startsWith(`${images[0]}@sha256:`)), 'pinned with the credentials, pulled by every node');
            // Remembered for the workspace: the next deploy, which may not ask, still sends them (the new tag is pinned).
            write(images[1]);
            await vscode.commands.executeCommand('swarmStacks.deployStack', compose, { stackName: askStack, skipConfirmation: true });
            const service = await manager.inspectService(`${askStack}_app`);
            assert.match(service.Spec.TaskTemplate.ContainerSpec?.Image ?? '', new RegExp(`^${escape(images[1])}@sha256:[0-9a-f]{64}$`));
        } finally {
            await vscode.commands.executeCommand('swarmStacks.removeStack', { stackName: askStack }, { skipConfirmation: true });
            await deploySettings.update('resolveImage', 'never', vscode.ConfigurationTarget.Global);
            if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
            else process.env.DOCKER_CONFIG = savedDockerConfig;
            for (const node of cluster.nodes) {
                for (const image of images) {
                    try {
                        docker('-H', node.host, 'rmi', image);
                    } catch {
                        // not pulled there, or still in use by a task shutting down: the test bed's teardown removes it
                    }
                }
            }
        }
    });
    it('deploying an image only node1 holds offers Push next to Deploy Anyway; Push, then every node runs it', async () => {
        const pushStack = `${id}push`;
        const image = `${cluster.registry.cluster}/${id}-app:v1`;
        const node1 = clusterNode(cluster, 'node1').host;
        const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
        docker('-H', node1, 'tag', BASE_IMAGE, image);
        const compose = vscode.Uri.file(path.join(folder, 'push-compose.yaml'));
        fs.writeFileSync(
            compose.fsPath,
            ['version: "3.8"', 'services:', '  app:', `    image: ${image}`, `    command: ${IDLE}`, '    stop_grace_period: 1s', '    deploy:', '      replicas: 3', '      placement:', '        max_replicas_per_node: 1', ''].join('\n'),
        );
        // The registry needs a login: the Docker CLI configuration of the test bed has it, and the services carry it.
        const savedDockerConfig = process.env.DOCKER_CONFIG;
        process.env.DOCKER_CONFIG = cluster.registry.dockerConfig;
        const deploySettings = vscode.workspace.getConfiguration('swarmStacks.deploy');
        await deploySettings.update('resolveImage', 'always', vscode.ConfigurationTarget.Global);
        await deploySettings.update('withRegistryAuth', true, vscode.ConfigurationTarget.Global);
        try {
            const deploying = Promise.resolve(vscode.commands.executeCommand('swarmStacks.deployStack', compose, { stackName: pushStack }));
            const text = await workbenchText(PREVIEW);
            assert.match(text, new RegExp(`Image ${escape(image)} is in no registry the nodes can pull from`), text);
            assert.match(text, new RegExp(`service ${pushStack}_app cannot start on node2, node3\\s+it can on node1`), text);
            assert.match(text, new RegExp(`Only node1 \\(the engine at ${escape(node1)}\\) is known to hold it\\s+the other nodes cannot be asked and pull it only from a registry`), text);
            assert.match(text, /Deploy Anyway/);
            assert.deepStrictEqual(await manager.listServices({ label: [`com.docker.stack.namespace=${pushStack}`] }), [], 'nothing is deployed while the question is open');
            await takeScreenshot('deploy-push-offer', { selector: PREVIEW });
            await clickInWorkbench(`${PREVIEW} .monaco-list-row:has-text("Push ${image}")`);
            await deploying;
            const tasks = await waitFor('3 replicas running, one on each node', async () => {
                const running = (await manager.listTasks({ service: [`${pushStack}_app`], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running');
                return running.length === 3 && new Set(running.map((t) => t.NodeID)).size === 3 ? running : undefined;
            }, 120_000);
            assert.ok(tasks.every((t) => /@sha256:[0-9a-f]{64}$/.test(t.Spec.ContainerSpec?.Image ?? '')), 'pushed, then pinned by digest: the workers pulled it');
        } finally {
            await vscode.commands.executeCommand('swarmStacks.removeStack', { stackName: pushStack }, { skipConfirmation: true });
            await deploySettings.update('withRegistryAuth', undefined, vscode.ConfigurationTarget.Global);
            await deploySettings.update('resolveImage', 'never', vscode.ConfigurationTarget.Global);
            if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
            else process.env.DOCKER_CONFIG = savedDockerConfig;
            for (const node of cluster.nodes) {
                try {
                    docker('-H', node.host, 'rmi', image);
                } catch {
                    // not pulled there, or still in use by a task shutting down: the test bed's teardown removes it
                }
            }
        }
    });
});
