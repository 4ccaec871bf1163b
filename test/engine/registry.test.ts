/**
 * Registries for real: the test bed's registry at 127.0.0.1:5000 (htpasswd auth) and, for the fault of a
 * registry that stops half-way through a push, a docker-registry of this test's own on another 127.0.0.1 port.
 * - `swarm-stacks push` with the credentials of the test bed's DOCKER_CONFIG: the digest the registry holds.
 * - deploy pins `127.0.0.1:5000/…@sha256:` the digest `docker stack deploy` pins, and with
 *   --with-registry-auth a node that does not have the image pulls it with those credentials.
 * - a wrong password (a DOCKER_CONFIG written here) and a registry that is down: one sentence naming the
 *   registry and `docker login`, on push and on deploy; nothing is deployed under --with-registry-auth, and
 *   without the flag no credentials are sent at all.
 * - the registry killed half-way through a push: bounded, one sentence naming it and what got there; the tag
 *   is not in the registry afterwards (the engine stopped the push), and pushing again completes it.
 */
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { loadCluster, nodeClient, type Cluster } from './support/cluster';
import { assertFreshBundle, CLI, describeRun, docker, run, swarmStacks, type RunResult } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { uniqueName } from './support/names';
import { waitFor } from './support/wait';
import { freePort } from '../support/net';

const DIGEST = /sha256:[a-f0-9]{64}/;

/** GET on the registry's HTTP API (traffic to 127.0.0.1 only), with basic auth. */
function registryGet(registry: string, apiPath: string, auth: { username: string; password: string }, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const [host, port] = registry.split(':');
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host, port: Number(port), path: apiPath, method: 'GET', timeout: 10_000, headers: { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`, ...headers } },
            (res) => {
                let body = '';
                res.on('data', (c: Buffer) => (body += c.toString()));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
            },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer from ${registry} within 10 s`)));
        req.on('error', reject);
        req.end();
    });
}

/** The digest the registry serves for repo:tag (Docker-Content-Digest of the v2 manifest). */
async function registryDigest(registry: string, repo: string, tag: string, auth: { username: string; password: string }): Promise<string | undefined> {
    const r = await registryGet(registry, `/v2/${repo}/manifests/${tag}`, auth, { Accept: 'application/vnd.docker.distribution.manifest.v2+json' });
    return r.status === 200 ? String(r.headers['docker-content-digest']) : undefined;
}

/** A DOCKER_CONFIG folder whose config.json has these auths. */
function writeDockerConfig(dir: string, auths: Record<string, { username: string; password: string }>): string {
    fs.mkdirSync(dir, { recursive: true });
    const entries = Object.fromEntries(Object.entries(auths).map(([registry, a]) => [registry, { auth: Buffer.from(`${a.username}:${a.password}`).toString('base64') }]));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: entries }));
    return dir;
}

function ok(what: string, r: RunResult): RunResult {
    assert.strictEqual(r.code, 0, describeRun(what, r));
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at |TypeError/m, describeRun(what, r));
    return r;
}

/** The one line swarm-stacks printed for a failure (its last stderr line). */
function failureLine(r: RunResult): string {
    const lines = r.stderr.trim().split('\n');
    return lines[lines.length - 1] ?? '';
}

describe('registries: push, digest pinning, --with-registry-auth, wrong password, a registry that stops (real engine)', function () {
    this.timeout(240_000);

    let cluster: Cluster;
    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;
    let auth: { username: string; password: string };
    let registry: string;
    let goodEnv: NodeJS.ProcessEnv;
    const tags: string[] = [];

    before(async () => {
        assertFreshBundle();
        cluster = loadCluster();
        registry = cluster.registry.local;
        auth = { username: cluster.registry.username, password: cluster.registry.password };
        client = engineClient();
        await client.inspectImage(TESTBED_NODE_IMAGE);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-registry-'));
        goodEnv = { ...process.env, DOCKER_CONFIG: cluster.registry.dockerConfig };
        delete goodEnv.DOCKER_AUTH_CONFIG;
    });

    after(async function () {
        this.timeout(60_000);
        for (const tag of tags) await docker(['image', 'rm', tag]);
        fs.rmSync(dir, { recursive: true, force: true });
        client?.close();
    });

    beforeEach(() => {
        cleanup = new Cleanup(client);
    });

    afterEach(async function () {
        this.timeout(120_000);
        await cleanup.run();
    });

    async function tagged(reference: string): Promise<string> {
        ok(`docker tag ${reference}`, await docker(['tag', TESTBED_NODE_IMAGE, reference]));
        tags.push(reference);
        return reference;
    }

    function composeFor(image: string, file: string): string {
        fs.writeFileSync(
            file,
            `version: "3.8"\nservices:\n  app:\n    image: ${image}\n    command: ["node", "-e", "setInterval(()=>{},1e9)"]\n    init: true\n    stop_grace_period: 1s\n`,
        );
        return file;
    }

    it('pushes with the test bed credentials and pins the digest docker stack deploy pins', async () => {
        const repo = `${uniqueName()}/app`;
        const image = await tagged(`${registry}/${repo}:1`);

        const pushed = ok('swarm-stacks push', await swarmStacks(['push', image], { env: goodEnv, timeoutMs: 180_000 }));
        const digest = pushed.stdout.trim().match(DIGEST)?.[0];
        assert.ok(digest, describeRun('push prints IMAGE@DIGEST', pushed));
        assert.strictEqual(pushed.stdout.trim(), `${image}@${digest}`);
        assert.match(pushed.stderr, new RegExp(`credentials from auths in ${cluster.registry.dockerConfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        assert.strictEqual(await registryDigest(registry, repo, '1', auth), digest, 'the registry serves the pushed digest under the tag');

        // Both tools resolve the tag through the registry (with the same credentials) and pin the same digest.
        const compose = composeFor(image, path.join(dir, 'pin.yml'));
        const ours = cleanup.stack(uniqueName('ours'));
        const theirs = cleanup.stack(uniqueName('cli'));
        ok('swarm-stacks deploy --with-registry-auth', await swarmStacks(['deploy', '--with-registry-auth', '-c', compose, ours], { env: goodEnv }));
        ok('docker stack deploy --with-registry-auth', await run('docker', ['--config', cluster.registry.dockerConfig, 'stack', 'deploy', '--with-registry-auth', '-c', compose, theirs]));
        const [oursService, theirsService] = await Promise.all([client.inspectService(`${ours}_app`), client.inspectService(`${theirs}_app`)]);
        assert.strictEqual(oursService.Spec.TaskTemplate.ContainerSpec?.Image, `${image}@${digest}`);
        assert.strictEqual(theirsService.Spec.TaskTemplate.ContainerSpec?.Image, oursService.Spec.TaskTemplate.ContainerSpec?.Image);
    });

    it('on the 3-node swarm, --with-registry-auth lets every node pull the pushed image from the registry', async () => {
        // The main engine never pulls for services (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE, to stay offline): the
        // nodes of the test bed's swarm do, from the same registry storage at its cluster address.
        const manager = cluster.nodes.find((n) => n.role === 'manager');
        assert.ok(manager, 'the test bed has a manager node');
        const repo = `${uniqueName()}/app`;
        const pushedImage = await tagged(`${registry}/${repo}:1`);
        const pushed = ok('swarm-stacks push', await swarmStacks(['push', '-q', pushedImage], { env: goodEnv, timeoutMs: 180_000 }));
        const digest = pushed.stdout.trim().match(DIGEST)?.[0];
        assert.ok(digest);
        const image = `${cluster.registry.cluster}/${repo}:1`;
        const compose = path.join(dir, 'nodes.yml');
        fs.writeFileSync(
            compose,
            `version: "3.8"\nservices:\n  app:\n    image: ${image}\n    command: ["node", "-e", "setInterval(()=>{},1e9)"]\n    init: true\n    stop_grace_period: 1s\n` +
                `    deploy:\n      replicas: 3\n      placement: {max_replicas_per_node: 1}\n`,
        );
        const managerClient = nodeClient(manager);
        const nodeCleanup = new Cleanup(managerClient);
        const stack = nodeCleanup.stack(uniqueName('nodes'));
        try {
            ok('swarm-stacks deploy --with-registry-auth on the 3 nodes', await swarmStacks(['deploy', '--host', manager.host, '--with-registry-auth', '--wait', '--wait-timeout', '120', '-c', compose, stack], { env: goodEnv, timeoutMs: 180_000 }));
            const service = await managerClient.inspectService(`${stack}_app`);
            assert.strictEqual(service.Spec.TaskTemplate.ContainerSpec?.Image, `${image}@${digest}`, 'pinned through the cluster address');
            const running = (await managerClient.listTasks({ service: [`${stack}_app`], 'desired-state': ['running'] })).filter((t) => t.Status?.State === 'running');
            assert.strictEqual(new Set(running.map((t) => t.NodeID)).size, 3, 'a running task on each of the 3 nodes, each pulled with the credentials');
        } finally {
            await nodeCleanup.run();
            managerClient.close();
        }
    });

    it('a wrong password gives one sentence naming the registry and docker login, on push and on deploy', async () => {
        const image = await tagged(`${registry}/${uniqueName()}/app:1`);
        const wrongEnv = { ...goodEnv, DOCKER_CONFIG: writeDockerConfig(path.join(dir, 'wrong'), { [registry]: { username: auth.username, password: 'not-the-password' } }) };

        const push = await swarmStacks(['push', image], { env: wrongEnv, timeoutMs: 60_000 });
        assert.strictEqual(push.code, 1, describeRun('push with a wrong password', push));
        assert.strictEqual(
            failureLine(push),
            `swarm-stacks: The registry ${registry} refused the credentials for the push of ${image} (unauthorized: authentication required): log in with \`docker login ${registry}\` and try again.`,
        );

        // The tag exists in the registry (pushed with the right password), so only the login is wrong.
        ok('push with the right password', await swarmStacks(['push', '-q', image], { env: goodEnv, timeoutMs: 180_000 }));
        const compose = composeFor(image, path.join(dir, 'wrong.yml'));
        const stack = cleanup.stack(uniqueName('wrong'));
        const refused = await swarmStacks(['deploy', '--with-registry-auth', '-c', compose, stack], { env: wrongEnv });
        assert.strictEqual(refused.code, 1, describeRun('deploy --with-registry-auth with a wrong password', refused));
        assert.match(refused.stderr, new RegExp(`The registry ${registry.replace(/\./g, '\\.')} refused the credentials for the digest of ${image.replace(/\./g, '\\.')} \\(unauthorized: authentication required\\): log in with \`docker login ${registry.replace(/\./g, '\\.')}\` and try again\\.`));
        assert.match(refused.stderr, /Nothing was deployed\./);
        assert.deepStrictEqual(await client.listServices({ label: [`com.docker.stack.namespace=${stack}`] }), [], 'nothing was created');

        // Without the flag no credentials go to the engine, as with docker stack deploy: the deploy goes on with the
        // CLI's warning and one sentence naming the flag (the wrong password is never read).
        const warned = ok('deploy with a wrong password, no flag', await swarmStacks(['deploy', '-c', compose, stack], { env: wrongEnv }));
        assert.match(warned.stderr, /could not be accessed on a registry to record/);
        assert.match(warned.stderr, new RegExp(`${registry.replace(/\./g, '\\.')} asks for credentials to look up ${image.replace(/\./g, '\\.')}, and none were sent: .*--with-registry-auth`));
    });

    it('a registry that is down gives one sentence naming it, on push and on deploy', async () => {
        const port = await freePort();
        const down = `127.0.0.1:${port}`;
        const image = await tagged(`${down}/${uniqueName()}/app:1`);
        const started = Date.now();
        const push = await swarmStacks(['push', image], { env: goodEnv, timeoutMs: 60_000 });
        assert.strictEqual(push.code, 1, describeRun('push to a registry that is down', push));
        assert.match(failureLine(push), new RegExp(`^swarm-stacks: The registry ${down.replace(/\./g, '\\.')} cannot be reached from the Docker engine at \\S+ for the push of ${image.replace(/\./g, '\\.')} \\(.*connection refused\\): check that it is running at that address, and log in with \`docker login ${down.replace(/\./g, '\\.')}\` if it needs credentials\\.$`));
        assert.ok(Date.now() - started < 20_000, `bounded: ${Date.now() - started} ms`);

        const stack = cleanup.stack(uniqueName('down'));
        const deployed = ok('deploy with the registry down', await swarmStacks(['deploy', '--dry-run', '-c', composeFor(image, path.join(dir, 'down.yml')), stack], { env: goodEnv }));
        assert.match(deployed.stderr, new RegExp(`The registry ${down.replace(/\./g, '\\.')} cannot be reached .*for the digest of ${image.replace(/\./g, '\\.')} .*\`docker login ${down.replace(/\./g, '\\.')}\``));
    });

    describe('a registry that stops half-way through a push', () => {
        let registryProcess: ChildProcess | undefined;
        let own: string;
        let config: string;
        const ownAuth = { username: 'halfway', password: 'halfway-password' };

        async function startRegistry(): Promise<void> {
            const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
            registryProcess = child;
            let log = '';
            child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
            await waitFor(async () => (await registryGet(own, '/v2/', ownAuth).then((r) => r.status === 200, () => false)), {
                timeoutMs: 15_000,
                intervalMs: 100,
                what: `docker-registry on ${own} to answer (${log.slice(-500)})`,
            });
        }

        function stopRegistry(): void {
            registryProcess?.kill('SIGKILL');
            registryProcess = undefined;
        }

        before(async () => {
            own = `127.0.0.1:${await freePort()}`;
            const base = path.join(dir, 'own-registry');
            fs.mkdirSync(path.join(base, 'data'), { recursive: true });
            const htpasswd = await run('htpasswd', ['-Bbn', ownAuth.username, ownAuth.password]);
            ok('htpasswd', htpasswd);
            fs.writeFileSync(path.join(base, 'htpasswd'), htpasswd.stdout);
            config = path.join(base, 'config.yml');
            fs.writeFileSync(
                config,
                [
                    'version: 0.1',
                    'log: {level: error}',
                    `storage: {filesystem: {rootdirectory: ${path.join(base, 'data')}}, delete: {enabled: true}}`,
                    `http: {addr: ${own}, secret: ${uniqueName()}}`,
                    `auth: {htpasswd: {realm: test, path: ${path.join(base, 'htpasswd')}}}`,
                    '',
                ].join('\n'),
            );
        });

        afterEach(() => stopRegistry());

        it('is given up within the bound with one sentence; the tag is not pushed, and pushing again completes it', async function () {
            this.timeout(180_000);
            await startRegistry();
            const repo = `${uniqueName()}/app`;
            const image = await tagged(`${own}/${repo}:1`);
            const env = { ...goodEnv, DOCKER_CONFIG: writeDockerConfig(path.join(dir, 'own'), { [own]: ownAuth }) };

            const stallSeconds = 5;
            const started = Date.now();
            const child = spawn(process.execPath, [CLI, 'push', '--stall-timeout', String(stallSeconds), image], { env, stdio: ['ignore', 'pipe', 'pipe'] });
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
            child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
            const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
            const hardStop = setTimeout(() => child.kill('SIGKILL'), 120_000);
            try {
                // Kill the registry once the upload is under way.
                await waitFor(async () => /: Pushing$/m.test(stderr), { timeoutMs: 60_000, intervalMs: 20, what: `the push to start uploading\n${stderr}` });
                stopRegistry();
                const killedAt = Date.now();
                const code = await exited;
                const afterKill = Date.now() - killedAt;
                assert.strictEqual(code, 1, `exit code\n--- stdout\n${stdout}--- stderr\n${stderr}`);
                assert.strictEqual(stdout, '', 'no digest is printed');
                // The engine retries right away; the bound runs from its first retry.
                assert.ok(afterKill < (stallSeconds + 10) * 1000, `bounded: ${afterKill} ms after the registry died`);
                const line = stderr.trim().split('\n').at(-1) ?? '';
                assert.match(line, new RegExp(`^swarm-stacks: The registry ${own.replace(/\./g, '\\.')} stopped answering half-way through the push of ${image.replace(/\./g, '\\.')} \\(the Docker engine at \\S+ was still retrying layer`));
                assert.match(line, /of \d+ layers had reached the registry and the tag 1 was not pushed, so the registry does not have this image yet; check that the registry is running, then push again/);
                assert.strictEqual(line.split(/\.\s+[A-Z]/).length, 1, `one sentence: ${line}`);
            } finally {
                clearTimeout(hardStop);
            }

            // The registry comes back on the same storage. Had the engine kept retrying, its next attempt (15 s
            // after the failure) would push the tag: wait past it, and the tag is still not there.
            await startRegistry();
            const waitUntil = started + 25_000;
            while (Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 500));
            assert.strictEqual(await registryDigest(own, repo, '1', ownAuth), undefined, 'the interrupted push left no tag');

            const again = ok('push again', await swarmStacks(['push', image], { env, timeoutMs: 120_000 }));
            const digest = again.stdout.trim().match(DIGEST)?.[0];
            assert.ok(digest, describeRun('push again prints the digest', again));
            assert.strictEqual(await registryDigest(own, repo, '1', ownAuth), digest);
        });
    });
});
