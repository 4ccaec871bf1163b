// The extension pointed at a remote manager over ssh, as a user with a key file and no agent does: a stack the
// Docker CLI deployed over the same ssh shows in the Stacks view; a host whose key ssh does not know leaves the
// views saying exactly that, naming the endpoint. Uses the test bed's sshd (scripts/testbed/cluster.sh): its
// ssh wrapper goes first on the extension host's PATH, the way a user's own ssh would be found.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import type { StackItem } from '../../src/vscode/views/stackItems';
import { takeScreenshot } from './harness';
import { waitFor } from './wait';

interface Cluster {
    ssh: { alias: string; unknownKeyAlias: string; binDir: string };
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLUSTER_JSON = path.join(ROOT, '.testbed', 'cluster.json');

describe('A remote manager over ssh, in the real VS Code', function () {
    this.timeout(180_000);
    const stack = `sst${Math.random().toString(36).slice(2, 8)}ssh`;
    let cluster: Cluster;
    let api: SwarmStacksApi;
    let folder: string;
    let savedPath: string | undefined;
    let savedAgent: string | undefined;
    let cliEnv: NodeJS.ProcessEnv;

    before(async () => {
        if (!fs.existsSync(CLUSTER_JSON)) throw new Error(`${CLUSTER_JSON} is missing: run bash scripts/testbed/setup.sh`);
        cluster = JSON.parse(fs.readFileSync(CLUSTER_JSON, 'utf8')) as Cluster;
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        savedPath = process.env.PATH;
        savedAgent = process.env.SSH_AUTH_SOCK;
        process.env.PATH = `${cluster.ssh.binDir}${path.delimiter}${savedPath ?? ''}`;
        delete process.env.SSH_AUTH_SOCK;
        cliEnv = { ...process.env, DOCKER_HOST: `ssh://${cluster.ssh.alias}` };
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-vscode-ssh-'));
        const compose = path.join(folder, 'docker-compose.yml');
        fs.writeFileSync(
            compose,
            'version: "3.8"\nservices:\n  web:\n    image: swarm-stacks-testbed/node:20\n    command: ["node", "-e", "setInterval(() => {}, 1000)"]\n    deploy:\n      replicas: 0\n',
        );
        // Deployed by the Docker CLI, over the same ssh.
        execFileSync('docker', ['stack', 'deploy', '-c', compose, '--resolve-image', 'never', stack], { env: cliEnv, stdio: 'pipe' });
        await vscode.commands.executeCommand('workbench.view.extension.swarmStacks');
    });

    after(async () => {
        await vscode.workspace.getConfiguration('swarmStacks.docker').update('host', undefined, vscode.ConfigurationTarget.Global);
        try {
            execFileSync('docker', ['stack', 'rm', stack], { env: cliEnv, stdio: 'pipe' });
        } catch {
            // already gone
        }
        process.env.PATH = savedPath;
        if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('shows a stack the Docker CLI deployed, reached through ssh with a key file and no agent', async () => {
        await vscode.workspace.getConfiguration('swarmStacks.docker').update('host', `ssh://${cluster.ssh.alias}`, vscode.ConfigurationTarget.Global);
        const item = await waitFor('the CLI-deployed stack in the Stacks view, over ssh', async () => {
            if (api.services.session.client.endpoint.protocol !== 'ssh') return undefined;
            return (await api.views.stacks.getChildren()).find((i): i is StackItem => (i as StackItem).stack?.name === stack);
        });
        assert.strictEqual(api.services.session.client.endpoint.url, `ssh://${cluster.ssh.alias}`);
        assert.strictEqual(api.services.model.state.kind, 'ready');
        await vscode.commands.executeCommand('swarmStacks.views.stacks.focus');
        // The view renders the new root items a moment after the model changed.
        await waitFor('the stack revealed in the view', async () => {
            await api.views.stacksView.reveal(item, { expand: true, select: true });
            return true;
        }, 15_000);
        await takeScreenshot('ssh-endpoint');
    });

    it('an unknown host key: the views say so in ssh\'s words, naming the endpoint', async () => {
        const url = `ssh://${cluster.ssh.unknownKeyAlias}`;
        await vscode.workspace.getConfiguration('swarmStacks.docker').update('host', url, vscode.ConfigurationTarget.Global);
        const message = await waitFor('the unreachable state with the host-key sentence', () => {
            const state = api.services.model.state;
            return state.kind === 'unreachable' ? state.message : undefined;
        });
        assert.match(message, new RegExp(`^ssh refused the host key of ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\. ssh said: .*Host key verification failed\\.`));
        assert.strictEqual(api.views.stacksView.message, message, 'the Stacks view shows the sentence');
        await takeScreenshot('ssh-host-key');
    });
});
