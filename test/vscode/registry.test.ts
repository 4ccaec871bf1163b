// Push Image inside the real VS Code: the command with an image argument (as Build Image's and the deploy plan's
// "Push" call it) pushes to a registry of this test's own (docker-registry with htpasswd on 127.0.0.1) with the
// credentials of a DOCKER_CONFIG the test writes, and resolves with the digest the registry then serves; with a
// wrong password it resolves with nothing (the error is shown once) and the registry has no such tag.
import * as assert from 'assert';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { freePort } from '../support/net';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
const NODE_IMAGE = 'swarm-stacks-testbed/node:20';
const AUTH = { username: 'vsc', password: 'vsc-password' };

/** The digest the registry serves for repo:tag, or undefined (basic auth, 127.0.0.1 only). */
function registryDigest(registry: string, repo: string, tag: string): Promise<string | undefined> {
    const [host, port] = registry.split(':');
    return new Promise((resolve, reject) => {
        const req = http.request(
            {
                host,
                port: Number(port),
                path: `/v2/${repo}/manifests/${tag}`,
                timeout: 10_000,
                headers: { Authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
            },
            (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode === 200 ? String(res.headers['docker-content-digest']) : undefined));
            },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer from ${registry}`)));
        req.on('error', reject);
        req.end();
    });
}

describe('Push Image (real registry)', function () {
    this.timeout(120_000);
    const rand = crypto.randomBytes(4).toString('hex');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sst-vsc-registry-${rand}-`));
    const savedDockerConfig = process.env.DOCKER_CONFIG;
    const tags: string[] = [];
    let registryProcess: ChildProcess | undefined;
    let registry = '';

    const useCredentials = (password: string): void => {
        const config = path.join(dir, `config-${password}`);
        fs.mkdirSync(config, { recursive: true });
        fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${AUTH.username}:${password}`).toString('base64') } } }));
        // The command reads the credentials of the extension host's environment when it runs, as the CLI would.
        process.env.DOCKER_CONFIG = config;
    };

    before(async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension);
        await extension.activate();
        registry = `127.0.0.1:${await freePort()}`;
        fs.mkdirSync(path.join(dir, 'data'));
        fs.writeFileSync(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', AUTH.username, AUTH.password]));
        const config = path.join(dir, 'registry.yml');
        fs.writeFileSync(
            config,
            `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}}\nhttp: {addr: ${registry}, secret: ${rand}}\nauth: {htpasswd: {realm: test, path: ${path.join(dir, 'htpasswd')}}}\n`,
        );
        registryProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
        for (let i = 0; i < 100; i++) {
            if (await registryDigest(registry, 'none', 'x').then(() => true, () => false)) break;
            await new Promise((r) => setTimeout(r, 100));
        }
    });

    after(() => {
        if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = savedDockerConfig;
        registryProcess?.kill('SIGKILL');
        for (const tag of tags) {
            try {
                execFileSync('docker', ['image', 'rm', tag], { stdio: 'ignore' });
            } catch {
                // already gone
            }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it('pushes the image it is given with the Docker CLI credentials and resolves with the digest', async () => {
        const repo = `sst-vsc-${rand}/app`;
        const image = `${registry}/${repo}:1`;
        execFileSync('docker', ['tag', NODE_IMAGE, image]);
        tags.push(image);
        useCredentials(AUTH.password);
        const result = await vscode.commands.executeCommand<{ digest: string; pinned: string } | undefined>('swarmStacks.pushImage', image);
        assert.ok(result, 'the command resolved with nothing: it failed (see the Swarm Stacks log)');
        assert.match(result.digest, /^sha256:[a-f0-9]{64}$/);
        assert.strictEqual(result.pinned, `${image}@${result.digest}`);
        assert.strictEqual(await registryDigest(registry, repo, '1'), result.digest);
    });

    it('with a wrong password resolves with nothing and the registry has no such tag', async () => {
        const repo = `sst-vsc-${rand}/wrong`;
        const image = `${registry}/${repo}:1`;
        execFileSync('docker', ['tag', NODE_IMAGE, image]);
        tags.push(image);
        useCredentials('not-the-password');
        const result = await vscode.commands.executeCommand('swarmStacks.pushImage', image);
        assert.strictEqual(result, undefined);
        assert.strictEqual(await registryDigest(registry, repo, '1'), undefined);
    });
});
