// The blog's workflow end to end in the editor, on the real swarm: New Load-Balanced Project, Build
// Image, Deploy Stack, then Check Load Balancing through the HAProxy the project put in front.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { takeScreenshot } from './harness';
import { freePort } from '../support/net';

interface ProbeOutcome {
    summary: { ok: number; failed: number; hostnames: { hostname: string }[] };
    rendered: Promise<void>;
}

function docker(...args: string[]): string {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('the seed workflow in the editor', function () {
    this.timeout(300_000);
    const id = `sst${Math.random().toString(36).slice(2, 8)}`;
    const app = `${id}web`;
    const stack = id;
    const replicas = 3;
    let folder: string;

    before(() => {
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-seed-'));
    });

    after(async () => {
        try {
            docker('stack', 'rm', stack);
        } catch {
            // not deployed
        }
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`) !== '') {
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        try {
            docker('rmi', `${app}:latest`);
        } catch {
            // not built, or still in use
        }
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('scaffolds, builds, deploys, and every replica answers through HAProxy', async () => {
        const port = await freePort();
        await vscode.commands.executeCommand('swarmStacks.newProject', {
            folder,
            variant: 'haproxy-dns',
            appName: app,
            replicas,
            port,
            statsPort: await freePort(),
            baseImage: 'swarm-stacks-testbed/node:20',
            haproxyImage: 'swarm-stacks-testbed/haproxy:2.6',
        });
        const composeUri = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
        assert.ok(fs.existsSync(composeUri.fsPath), 'the compose file was written');

        await vscode.commands.executeCommand('swarmStacks.buildImage', vscode.Uri.file(folder), { tag: `${app}:latest` });
        assert.ok(docker('image', 'inspect', '--format', '{{.Id}}', `${app}:latest`).startsWith('sha256:'));

        // Deploy follows every service to convergence before it returns.
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack });
        assert.equal(docker('service', 'ls', '--filter', `name=${stack}_${app}`, '--format', '{{.Replicas}}'), `${replicas}/${replicas}`);

        // HAProxy learns the tasks from Docker's DNS within a few seconds: probe until all answer (bounded).
        let outcome: ProbeOutcome | undefined;
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            await vscode.commands.executeCommand('workbench.action.closeAllEditors');
            outcome = await vscode.commands.executeCommand<ProbeOutcome>('swarmStacks.checkLoadBalancing', { url: `http://127.0.0.1:${port}/`, requests: 30 });
            if (outcome && outcome.summary.failed === 0 && outcome.summary.hostnames.length === replicas) break;
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        assert.ok(outcome, 'the probe ran');
        assert.equal(outcome.summary.failed, 0, 'no request failed');
        assert.equal(outcome.summary.hostnames.length, replicas, `hostnames: ${outcome.summary.hostnames.map((h) => h.hostname).join(', ')}`);
        await outcome.rendered;
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('notifications.clearAll');
        await takeScreenshot('load-balancing', { selector: 'iframe.webview.ready' });
    });
});
