// The project commands inside the real VS Code: New Load-Balanced Project (with options and through its real
// prompts, including a conflict that must not overwrite the user's file), Build Image on the generated folder
// (checked with the docker CLI), and the load-balancing panel on a small local HTTP server (screenshot).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
const NODE_IMAGE = 'swarm-stacks-testbed/node:20';
const HAPROXY_IMAGE = 'swarm-stacks-testbed/haproxy:2.6';

interface NewProjectResult {
    folder: string;
    written: string[];
    skipped: { relPath: string; reason: string }[];
}

/** Runs a command that shows prompts, accepting the active item / default value of each one, bounded. */
async function runAcceptingPrompts<T>(command: string, ...args: unknown[]): Promise<T> {
    let settled = false;
    const running = Promise.resolve(vscode.commands.executeCommand<T>(command, ...args)).finally(() => (settled = true));
    for (let i = 0; i < 80 && !settled; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.ok(settled, `${command} still waits for input after 20 s`);
    return running;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        promise.finally(() => clearTimeout(timer)),
        new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
    ]);
}

describe('project commands (scaffold, build, load-balancing panel)', function () {
    this.timeout(120_000);
    const rand = crypto.randomBytes(4).toString('hex');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `sst-vsc-${rand}-`));
    const image = `sst-vsc-${rand}-app:v1`;
    let server: http.Server | undefined;

    before(async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension);
        await extension.activate();
    });

    after(async () => {
        server?.closeAllConnections();
        server?.close();
        try {
            execFileSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' });
        } catch {
            // not built
        }
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        fs.rmSync(root, { recursive: true, force: true });
    });

    it('New Load-Balanced Project with options writes the project and opens the compose file', async () => {
        const folder = path.join(root, 'withopts');
        const result = await vscode.commands.executeCommand<NewProjectResult>('swarmStacks.newProject', {
            folder,
            variant: 'haproxy-dns',
            appName: 'lbapp',
            replicas: 3,
            port: 18099,
            baseImage: NODE_IMAGE,
            haproxyImage: HAPROXY_IMAGE,
        });
        assert.ok(result, 'the command returned nothing (it failed: see the log)');
        assert.deepStrictEqual([...result.written].sort(), ['.dockerignore', 'Dockerfile', 'README.md', 'docker-compose.yaml', 'haproxy.cfg', 'index.js', 'package.json']);
        const compose = fs.readFileSync(path.join(folder, 'docker-compose.yaml'), 'utf8');
        assert.match(compose, /^ {2}lbapp:$/m);
        assert.match(compose, /replicas: 3/);
        assert.match(compose, new RegExp(`image: ${HAPROXY_IMAGE}`));
        assert.match(fs.readFileSync(path.join(folder, 'Dockerfile'), 'utf8'), new RegExp(`^FROM ${NODE_IMAGE}$`, 'm'));
        assert.match(fs.readFileSync(path.join(folder, 'haproxy.cfg'), 'utf8'), /server-template app 10 tasks\.lbapp:8080/);
        assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(folder, 'docker-compose.yaml'));
    });

    it('New Load-Balanced Project through its prompts; a changed file is kept (Skip is the default answer)', async () => {
        const folder = path.join(root, 'prompted-app');
        fs.mkdirSync(folder);
        const first = await runAcceptingPrompts<NewProjectResult>('swarmStacks.newProject', { folder });
        assert.ok(first);
        assert.strictEqual(first.written.length, 7);
        const compose = fs.readFileSync(path.join(folder, 'docker-compose.yaml'), 'utf8');
        assert.match(compose, /^ {2}prompted-app:$/m, 'app name defaulted from the folder');
        assert.match(compose, /replicas: 5/);
        assert.match(compose, /published: 80$/m);

        const indexJs = path.join(folder, 'index.js');
        const mine = `${fs.readFileSync(indexJs, 'utf8')}// my change\n`;
        fs.writeFileSync(indexJs, mine);
        const second = await runAcceptingPrompts<NewProjectResult>('swarmStacks.newProject', { folder });
        assert.ok(second);
        assert.deepStrictEqual(second.written, []);
        assert.deepStrictEqual(second.skipped.find((s) => s.relPath === 'index.js'), { relPath: 'index.js', reason: 'kept-existing' });
        assert.strictEqual(fs.readFileSync(indexJs, 'utf8'), mine, 'the changed file was not replaced');
    });

    it('Build Image builds the generated folder with the given tag', async () => {
        const folder = path.join(root, 'withopts');
        const result = await vscode.commands.executeCommand<{ imageId: string; tags: string[] }>('swarmStacks.buildImage', vscode.Uri.file(folder), { tag: image });
        assert.ok(result, 'the build failed: see the log');
        assert.deepStrictEqual(result.tags, [image]);
        const id = execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { encoding: 'utf8' }).trim();
        assert.strictEqual(id, result.imageId);
    });

    it('Check Load Balancing shows the hostnames of a local server in the panel', async () => {
        const hosts = ['web.1.k3j9', 'web.2.p0x1', 'web.3.a7d2', 'web.4.zz81', 'web.5.q4e6'];
        let n = 0;
        server = http.createServer((_req, res) => {
            const i = n++;
            // Round robin, with every eighth answer from the first host (as leastconn may do).
            const host = hosts[i % 8 === 7 ? 0 : i % hosts.length];
            res.writeHead(200, { 'Content-Type': 'text/html' });
            res.end(`<h1>I'm ${host}</h1>\n`);
        });
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
        const port = (server.address() as { port: number }).port;

        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('notifications.clearAll');
        const result = await vscode.commands.executeCommand<{ summary: { ok: number; failed: number; hostnames: unknown[] }; rendered: Promise<void> }>(
            'swarmStacks.checkLoadBalancing',
            { url: `http://127.0.0.1:${port}/`, requests: 60 },
        );
        assert.ok(result);
        assert.strictEqual(result.summary.failed, 0);
        assert.strictEqual(result.summary.ok, 60);
        assert.strictEqual(result.summary.hostnames.length, 5);
        await withTimeout(result.rendered, 15_000, 'the panel to render');
        // The screenshot of the panel is taken on the real swarm (seed.test.ts).
    });
});
