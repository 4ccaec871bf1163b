// Remove Stack as a person runs it: deploy an app behind HAProxy on an overlay network from the compose file's
// CodeLens, scale it, pick Remove Stack's stack from the quick pick, and press Cancel on its notification while it
// waits for the tasks to stop. The stack's overlay network must go with its services, as with `docker stack rm`:
// Cancel stops the waiting, not the removal, and the notification that follows says so.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import { appBehindHaproxy } from '../support/app-behind-haproxy';
import { freePort } from '../support/net';
import { clickInWorkbench, typeInWorkbench, workbenchText } from './harness';
import { waitFor, within } from './wait';

const BASE_IMAGE = 'swarm-stacks-testbed/node:20';
const PROXY_IMAGE = 'swarm-stacks-testbed/haproxy:2.6';

function docker(args: string[]): string {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

describe('Remove Stack picked from the list and confirmed', function () {
    this.timeout(300_000);
    const stack = `rm${Math.random().toString(36).slice(2, 8)}`;
    const byLabel = `label=com.docker.stack.namespace=${stack}`;
    let api: SwarmStacksApi;
    let folder: string;
    let composeUri: vscode.Uri;

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        const port = await freePort('0.0.0.0');
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-rm-'));
        // Each app task takes its stop grace period to stop: Remove Stack waits that long for them.
        const files = appBehindHaproxy({ stack, nodeImage: BASE_IMAGE, haproxyImage: PROXY_IMAGE, replicas: 2, publishedPort: port });
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
        composeUri = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
    });

    after(async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        try {
            docker(['stack', 'rm', stack]);
        } catch {
            // already gone
        }
        await waitFor('the test stack to be gone', () => docker(['network', 'ls', '-q', '--filter', byLabel]) === '' || undefined, 60_000).catch(() => undefined);
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('deploys from the CodeLens and scales', async () => {
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(composeUri));
        await within('Deploy Stack', vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack }), 120_000);
        await waitFor('the app running 2/2', () => docker(['service', 'ls', '--filter', `name=${stack}_app`, '--format', '{{.Replicas}}']) === '2/2' || undefined, 60_000);
        assert.equal(docker(['network', 'ls', '--filter', byLabel, '--format', '{{.Name}}']), `${stack}_web`);
        await within('Scale', vscode.commands.executeCommand('swarmStacks.scaleService', { serviceName: `${stack}_app` }, 3), 120_000);
        await waitFor('the app running 3/3', () => docker(['service', 'ls', '--filter', `name=${stack}_app`, '--format', '{{.Replicas}}']) === '3/3' || undefined, 60_000);
        await waitFor('the stack in the model', () => api.services.model.snapshot?.stacks.some((s) => s.name === stack && s.running === 4) || undefined, 30_000);
    });

    it('removes the services and the overlay network when Cancel is pressed while it waits', async () => {
        // VS Code answers modal dialogs by itself while tests run; the confirmation is skipped the way tests may.
        const running = vscode.commands.executeCommand('swarmStacks.removeStack', undefined, { skipConfirmation: true });
        assert.match(await workbenchText(`.quick-input-widget .monaco-list-row:has-text("${stack}")`), new RegExp(stack));
        await typeInWorkbench(stack, ['Enter']);
        await clickInWorkbench(`.notification-toast:has-text("Removing stack ${stack}") .monaco-button:has-text("Cancel")`);
        await within('Remove Stack after Cancel', running, 30_000);
        // Nothing removes the network after the command: the command must have. The engine lists it until the
        // stopping tasks have left this node's copy of it (as after `docker stack rm`).
        await waitFor('the overlay network to be gone', () => docker(['network', 'ls', '-q', '--filter', byLabel]) === '' || undefined, 45_000);
        assert.equal(docker(['service', 'ls', '-q', '--filter', byLabel]), '', 'the services are gone');
        // The toast may have timed out by now: the notification center keeps it.
        await vscode.commands.executeCommand('notifications.showList');
        try {
            const said = await workbenchText('.notifications-center .notification-list-item:has-text("Stopped waiting")');
            assert.match(said, new RegExp(`Stopped waiting\\. Stack ${stack} was removed; the engine goes on stopping its tasks\\.`));
        } finally {
            await vscode.commands.executeCommand('notifications.hideList');
        }
    });
});
