// Config rotation and a verified update in the editor, on the real swarm: New Load-Balanced Project, Build Image,
// Deploy Stack; an edited haproxy.cfg deployed once is served, with no old config left; then Update Service Image
// verified through the stack's proxy, the Load Balancing chart redrawn while the update runs, and 0 failed requests.
// Probe traffic goes to 127.0.0.1 only; every wait is bounded.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { freePort, headerOf } from '../support/net';

interface ProbeOutcome {
    summary: { ok: number; failed: number; hostnames: { hostname: string }[] };
    rendered: Promise<void>;
}

interface VerifiedOutcome {
    summary: { total: number; ok: number; failed: number };
    before: string[];
    after: string[];
    panelUpdates: number;
}

function docker(...args: string[]): string {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('config rotation and a verified update in the editor', function () {
    this.timeout(420_000);
    const id = `sst${Math.random().toString(36).slice(2, 8)}`;
    const app = `${id}web`;
    const stack = id;
    const replicas = 2;
    let folder: string;
    let url = '';

    before(() => {
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-verify-'));
    });

    after(async () => {
        try {
            docker('stack', 'rm', stack);
        } catch {
            // not deployed
        }
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`) !== '') await sleep(500);
        for (const tag of ['latest', 'v2']) {
            try {
                docker('rmi', `${app}:${tag}`);
            } catch {
                // not built, or still in use
            }
        }
        fs.rmSync(folder, { recursive: true, force: true });
    });

    const haproxyConfigs = () =>
        docker('config', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Name}}')
            .split('\n')
            .filter((n) => n.startsWith(`${stack}_haproxy_cfg`))
            .sort();

    it('deploys the scaffolded project; an edited haproxy.cfg is served after one deploy, and no old config is left', async () => {
        const port = await freePort();
        url = `http://127.0.0.1:${port}/`;
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
        await vscode.commands.executeCommand('swarmStacks.buildImage', vscode.Uri.file(folder), { tag: `${app}:latest` });
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack });
        assert.deepEqual(haproxyConfigs(), [`${stack}_haproxy_cfg`]);

        let outcome: ProbeOutcome | undefined;
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            outcome = await vscode.commands.executeCommand<ProbeOutcome>('swarmStacks.checkLoadBalancing', { url, requests: 20 });
            if (outcome && outcome.summary.failed === 0 && outcome.summary.hostnames.length === replicas) break;
            await sleep(1000);
        }
        assert.equal(outcome?.summary.hostnames.length, replicas, 'every replica answers before the edit');

        const cfg = path.join(folder, 'haproxy.cfg');
        const text = fs.readFileSync(cfg, 'utf8');
        const edited = text.replace(/(frontend web\n(?:.*\n)*?\s+default_backend \S+\n)/, '$1    http-response set-header X-Haproxy-Cfg edited\n');
        assert.notEqual(edited, text, 'the edit applies to the template');
        fs.writeFileSync(cfg, edited);
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack, skipConfirmation: true });
        const configs = haproxyConfigs();
        assert.equal(configs.length, 1, `configs left: ${configs.join(', ')}`);
        assert.match(configs[0], new RegExp(`^${stack}_haproxy_cfg-[0-9a-f]{8}$`));
        let header: string | undefined;
        const served = Date.now() + 60_000;
        while (Date.now() < served && (header = await headerOf(url, 'x-haproxy-cfg')) !== 'edited') await sleep(500);
        assert.equal(header, 'edited', 'HAProxy serves the edited config');
    });

    it('Update Service Image verified through the proxy: the chart follows the update, and every request is answered', async () => {
        const indexJs = path.join(folder, 'index.js');
        const text = fs.readFileSync(indexJs, 'utf8');
        const changed = text.replace("`<h1>I'm ${hostname}</h1>\\n`", "`<h1>I'm ${hostname}!!!</h1>\\n`");
        assert.notEqual(changed, text, 'the v2 change applies to the template');
        fs.writeFileSync(indexJs, changed);
        await vscode.commands.executeCommand('swarmStacks.buildImage', vscode.Uri.file(folder), { tag: `${app}:v2` });

        const outcome = await vscode.commands.executeCommand<VerifiedOutcome>('swarmStacks.updateServiceImage', { serviceName: `${stack}_${app}` }, `${app}:v2`, { verify: url });
        assert.ok(outcome, 'the verified update resolved with its outcome');
        assert.equal(outcome.summary.failed, 0, 'no request failed');
        assert.ok(outcome.summary.ok >= 50, `requests answered: ${outcome.summary.ok}`);
        assert.deepEqual(outcome.before, ['v1']);
        assert.deepEqual(outcome.after, ['v2']);
        assert.ok(outcome.panelUpdates >= 5, `the chart was redrawn while the update ran (${outcome.panelUpdates} times)`);
        assert.match(docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `${stack}_${app}`), new RegExp(`^${app}:v2`));
    });
});
