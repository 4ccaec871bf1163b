/**
 * What goes to the engine, on real engines:
 * - the test bed's 3-node swarm over ssh (the sshd on 127.0.0.1 dialling node1's socket) with the
 *   password-protected cluster registry: scaffold → build on node1 → push → deploy --with-registry-auth, then
 *   `diff` exits 0 with no change, with the flag and without it;
 * - a recording proxy on 127.0.0.1 in front of node1's socket: no X-Registry-Auth on a deploy without the flag
 *   (not even with the digest lookup); with the flag, on the lookup and the service update;
 * - a private registry of this test's own (docker-registry on a free 127.0.0.1 port; the shared ones are left
 *   alone) stopped after a deploy to the main engine: a re-deploy of the unchanged file restarts no task, and a
 *   replicas change removes replicas without replacing the others.
 */
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { clusterNode, loadCluster, nodeClient, withSshPath, type Cluster } from './support/cluster';
import { assertFreshBundle, describeRun, docker, run, swarmStacks, type RunResult } from './support/commands';
import { engineClient, TESTBED_HAPROXY_IMAGE, TESTBED_NODE_IMAGE } from './support/engine';
import { uniqueName } from './support/names';
import { waitFor } from './support/wait';
import { freePort } from '../support/net';

function ok(what: string, r: RunResult): RunResult {
    assert.strictEqual(r.code, 0, describeRun(what, r));
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at |TypeError/m, describeRun(what, r));
    return r;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A TCP listener on 127.0.0.1 that passes every connection on to a unix socket, keeping what the client sent:
 * the engine traffic of the command line, as the engine receives it.
 */
async function recordingProxy(socketPath: string): Promise<{ url: string; sent(): string; clear(): void; close(): Promise<void> }> {
    let recorded = '';
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const engine = net.connect(socketPath);
        sockets.add(client).add(engine);
        client.on('data', (chunk: Buffer) => (recorded += chunk.toString('latin1')));
        client.pipe(engine).pipe(client);
        const end = () => {
            client.destroy();
            engine.destroy();
        };
        client.on('error', end).on('close', end);
        engine.on('error', end).on('close', end);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return {
        url: `tcp://127.0.0.1:${port}`,
        sent: () => recorded,
        clear: () => (recorded = ''),
        close: () => {
            for (const s of sockets) s.destroy();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/** The request lines and X-Registry-Auth values of recorded HTTP traffic. */
function requestsOf(traffic: string): { line: string; registryAuth?: string }[] {
    const requests: { line: string; registryAuth?: string }[] = [];
    // A request may follow the previous one's body directly: request lines are found wherever they start.
    for (const match of traffic.matchAll(/((?:GET|POST|PUT|DELETE|HEAD) \/\S* HTTP\/1\.[01])\r\n([\s\S]*?)\r\n\r\n/g)) {
        const auth = /^x-registry-auth:\s*(.*)$/im.exec(match[2])?.[1];
        requests.push({ line: match[1], ...(auth !== undefined ? { registryAuth: auth } : {}) });
    }
    return requests;
}

describe('registry credentials: sent only when asked, diff right after a deploy, a registry that stops (real engines)', function () {
    this.timeout(10 * 60_000);

    let cluster: Cluster;
    let manager: DockerClient;
    let cleanup: Cleanup;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let sshHost: string;
    let socketPath: string;
    const name = uniqueName('cred');
    const stack = name;
    let image = '';
    let compose = '';

    before(async () => {
        assertFreshBundle();
        cluster = loadCluster();
        const node1 = clusterNode(cluster, 'node1');
        manager = nodeClient(node1, 60_000);
        socketPath = node1.host.replace(/^unix:\/\//, '');
        // The sshd dials node1's socket (ssh://host/path, as docker/cli's ssh helper): the swarm over ssh.
        sshHost = `${cluster.ssh.url}${socketPath}`;
        env = withSshPath(cluster, { ...process.env, DOCKER_CONFIG: cluster.registry.dockerConfig });
        delete env.DOCKER_AUTH_CONFIG;
        cleanup = new Cleanup(manager);
        cleanup.stack(stack);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
        image = `${cluster.registry.cluster}/${name}/app:latest`;
    });

    after(async function () {
        this.timeout(180_000);
        try {
            await cleanup?.run(120_000);
            if (image) for (const node of cluster.nodes) await run('docker', ['-H', node.host, 'image', 'rm', '-f', image], { timeoutMs: 60_000 });
        } finally {
            manager?.close();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('over ssh: scaffold, build on node1, push, deploy --with-registry-auth; then diff exits 0 with no change', async () => {
        const info = await swarmStacks(['ls', '--host', sshHost], { env, timeoutMs: 60_000 });
        ok('ls over ssh to node1', info);
        const project = path.join(dir, 'project');
        const port = 20_000 + Math.floor(Math.random() * 9_000) * 2;
        ok(
            'scaffold',
            await swarmStacks(['scaffold', '--image', image, '--base-image', TESTBED_NODE_IMAGE, '--haproxy-image', TESTBED_HAPROXY_IMAGE, '--replicas', '3', '--port', String(port), '--stats-port', String(port + 1), project], { env }),
        );
        compose = path.join(project, 'docker-compose.yaml');
        ok('build on node1 over ssh', await swarmStacks(['build', '--host', sshHost, '-q', project], { env, timeoutMs: 300_000 }));
        ok('push over ssh', await swarmStacks(['push', '--host', sshHost, '-q', image], { env, timeoutMs: 300_000 }));
        ok('deploy --with-registry-auth over ssh', await swarmStacks(['deploy', '--host', sshHost, '--with-registry-auth', '--wait', '--wait-timeout', '240', '-c', compose, stack], { env, timeoutMs: 300_000 }));
        const service = (await manager.listServices({ name: [`${stack}_`] })).find((s) => s.Spec.Labels?.['com.docker.stack.image'] === image);
        assert.match(service?.Spec.TaskTemplate.ContainerSpec?.Image ?? '', new RegExp(`^${escape(image)}@sha256:[0-9a-f]{64}$`), 'pinned');

        const withFlag = await swarmStacks(['diff', '--host', sshHost, '--with-registry-auth', '-c', compose, stack], { env, timeoutMs: 120_000 });
        assert.strictEqual(withFlag.code, 0, describeRun('diff --with-registry-auth right after the deploy', withFlag));
        assert.strictEqual(withFlag.stdout, '');
        // Without the flag nothing is sent, the private image cannot be looked up: the running services keep what they run.
        const without = await swarmStacks(['diff', '--host', sshHost, '-c', compose, stack], { env, timeoutMs: 120_000 });
        assert.strictEqual(without.code, 0, describeRun('diff without the flag right after the deploy', without));
        assert.strictEqual(without.stdout, '');
        assert.match(without.stderr, new RegExp(`${escape(cluster.registry.cluster)} asks for credentials to look up ${escape(image)}, and none were sent: .*--with-registry-auth`));
        assert.match(without.stderr, new RegExp(`The digest of ${escape(image)} could not be read .*: ${escape(stack)}_\\S+ keeps the image it runs`));
    });

    it('a recording proxy in front of the engine: no X-Registry-Auth without --with-registry-auth; with it, on the lookup and the service', async () => {
        assert.ok(compose, 'the first test deployed the stack');
        const proxy = await recordingProxy(socketPath);
        try {
            const two = path.join(dir, 'project', 'two.yaml');
            fs.writeFileSync(two, fs.readFileSync(compose, 'utf8').replace(/replicas: 3\b/, 'replicas: 2'));
            ok('deploy without the flag (replicas 3 → 2)', await swarmStacks(['deploy', '--host', proxy.url, '-c', two, stack], { env, timeoutMs: 120_000 }));
            ok('deploy --dry-run without the flag', await swarmStacks(['deploy', '--host', proxy.url, '--dry-run', '-c', compose, stack], { env, timeoutMs: 120_000 }));
            const plain = requestsOf(proxy.sent());
            assert.ok(plain.some((r) => r.line.startsWith('GET ') && r.line.includes('/distribution/')), `the digest lookup was made:\n${plain.map((r) => r.line).join('\n')}`);
            assert.ok(plain.some((r) => /^POST \S*\/services\/\S+\/update/.test(r.line)), `the service was updated:\n${plain.map((r) => r.line).join('\n')}`);
            assert.deepStrictEqual(plain.filter((r) => r.registryAuth !== undefined).map((r) => r.line), [], 'no X-Registry-Auth without the flag');

            proxy.clear();
            ok('deploy --with-registry-auth (replicas 2 → 3)', await swarmStacks(['deploy', '--host', proxy.url, '--with-registry-auth', '-c', compose, stack], { env, timeoutMs: 120_000 }));
            const sent = requestsOf(proxy.sent()).filter((r) => r.registryAuth !== undefined);
            assert.ok(sent.some((r) => r.line.includes('/distribution/')), 'the lookup carries the credentials');
            assert.ok(sent.some((r) => /\/services\/\S+\/update/.test(r.line)), 'the service update carries the credentials');
            const decoded = JSON.parse(Buffer.from(sent[0].registryAuth!.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { username?: string };
            assert.strictEqual(decoded.username, cluster.registry.username);
        } finally {
            await proxy.close();
        }
    });

    describe('a private registry that stops', () => {
        let registryProcess: ChildProcess | undefined;
        let own = '';
        let config = '';
        let client: DockerClient;
        let local: Cleanup;
        const ownAuth = { username: 'cred', password: 'cred-password' };
        const tags: string[] = [];

        const get = (apiPath: string): Promise<number> =>
            new Promise((resolve) => {
                const [host, port] = own.split(':');
                const req = http.get({ host, port: Number(port), path: apiPath, timeout: 2000, headers: { Authorization: `Basic ${Buffer.from(`${ownAuth.username}:${ownAuth.password}`).toString('base64')}` } }, (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                });
                req.on('timeout', () => req.destroy());
                req.on('error', () => resolve(0));
            });

        before(async () => {
            client = engineClient();
            local = new Cleanup(client);
            own = `127.0.0.1:${await freePort()}`;
            const base = path.join(dir, 'own-registry');
            fs.mkdirSync(path.join(base, 'data'), { recursive: true });
            const htpasswd = ok('htpasswd', await run('htpasswd', ['-Bbn', ownAuth.username, ownAuth.password]));
            fs.writeFileSync(path.join(base, 'htpasswd'), htpasswd.stdout);
            config = path.join(base, 'config.yml');
            fs.writeFileSync(
                config,
                [
                    'version: 0.1',
                    'log: {level: error}',
                    `storage: {filesystem: {rootdirectory: ${path.join(base, 'data')}}}`,
                    `http: {addr: ${own}, secret: ${uniqueName()}}`,
                    `auth: {htpasswd: {realm: test, path: ${path.join(base, 'htpasswd')}}}`,
                    '',
                ].join('\n'),
            );
            const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'ignore'] });
            registryProcess = child;
            await waitFor(async () => (await get('/v2/')) === 200, { timeoutMs: 15_000, intervalMs: 100, what: `docker-registry on ${own} to answer` });
        });

        after(async function () {
            this.timeout(120_000);
            registryProcess?.kill('SIGKILL');
            try {
                await local?.run(90_000);
                for (const tag of tags) await docker(['image', 'rm', tag]);
            } finally {
                client?.close();
            }
        });

        it('a re-deploy of the unchanged file restarts no task; a replicas change replaces none', async () => {
            const ownImage = `${own}/${uniqueName()}/app:1`;
            ok('docker tag', await docker(['tag', TESTBED_NODE_IMAGE, ownImage]));
            tags.push(ownImage);
            const ownEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(dir, 'own-config') };
            delete ownEnv.DOCKER_AUTH_CONFIG;
            fs.mkdirSync(ownEnv.DOCKER_CONFIG!, { recursive: true });
            fs.writeFileSync(path.join(ownEnv.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ auths: { [own]: { auth: Buffer.from(`${ownAuth.username}:${ownAuth.password}`).toString('base64') } } }));
            ok('push to the own registry', await swarmStacks(['push', '-q', ownImage], { env: ownEnv, timeoutMs: 180_000 }));

            const ownStack = local.stack(uniqueName('stop'));
            const file = (replicas: number): string => {
                const f = path.join(dir, `stop-${replicas}.yaml`);
                fs.writeFileSync(f, `version: "3.8"\nservices:\n  app:\n    image: ${ownImage}\n    command: ["node", "-e", "setInterval(()=>{},1e9)"]\n    init: true\n    stop_grace_period: 1s\n    deploy:\n      replicas: ${replicas}\n`);
                return f;
            };
            ok('deploy --with-registry-auth', await swarmStacks(['deploy', '--with-registry-auth', '--wait', '--wait-timeout', '120', '-c', file(3), ownStack], { env: ownEnv, timeoutMs: 180_000 }));
            const running = async () =>
                (await client.listTasks({ service: [`${ownStack}_app`], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running').map((t) => t.ID).sort();
            const before = await running();
            assert.strictEqual(before.length, 3);

            registryProcess?.kill('SIGKILL');
            registryProcess = undefined;
            await waitFor(async () => (await get('/v2/')) === 0, { timeoutMs: 10_000, intervalMs: 100, what: 'the own registry to be gone' });

            const again = ok('re-deploy of the unchanged file, registry stopped', await swarmStacks(['deploy', '--with-registry-auth', '-c', file(3), ownStack], { env: ownEnv, timeoutMs: 120_000 }));
            assert.match(again.stdout, /is up to date: nothing to change/, describeRun('re-deploy', again));
            assert.match(again.stderr, new RegExp(`The digest of ${escape(ownImage)} could not be read .*: ${escape(ownStack)}_app keeps the image it runs`));
            assert.doesNotMatch(again.stderr, /is in no registry/);
            assert.deepStrictEqual(await running(), before, 'no task was restarted');

            const scaled = ok('replicas 3 → 2, registry stopped', await swarmStacks(['deploy', '--with-registry-auth', '--wait', '--wait-timeout', '120', '--dry-run', '-c', file(2), ownStack], { env: ownEnv, timeoutMs: 120_000 }));
            assert.match(scaled.stdout, /service \S+_app: update\n\s+Mode\.Replicated\.Replicas: 3 → 2\n/, describeRun('plan', scaled));
            assert.doesNotMatch(scaled.stdout, /Image/);
            ok('replicas 3 → 2', await swarmStacks(['deploy', '--with-registry-auth', '--wait', '--wait-timeout', '120', '-c', file(2), ownStack], { env: ownEnv, timeoutMs: 180_000 }));
            const after = await running();
            assert.strictEqual(after.length, 2);
            assert.ok(after.every((id) => before.includes(id)), `the two tasks left are two of the three that ran: ${before.join(', ')} → ${after.join(', ')}`);
        });
    });
});
