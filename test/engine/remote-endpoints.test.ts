/**
 * Remote endpoints on the test bed's real parts (scripts/testbed/cluster.sh): an sshd on 127.0.0.1 in front
 * of the engine, reached through the system ssh with a key file and no agent, exactly as the Docker CLI
 * reaches it; and the engine's own TLS listener (--tlsverify). Also the faults a user meets: unknown or
 * changed host keys, a wrong port, an unreachable host, no ssh at all, and certificate problems.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar-fs';

import { DockerClient } from '../../src/docker/client';
import { connectDocker } from '../../src/docker/connect';
import { DockerError, isDockerError } from '../../src/docker/errors';
import { Cleanup } from './support/cleanup';
import { Cluster, loadCluster, withSshPath } from './support/cluster';
import { assertFreshBundle, describeRun, run, swarmStacks } from './support/commands';
import { TESTBED_NODE_IMAGE, engineClient } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';

describe('Remote endpoints: ssh as the Docker CLI reaches it, and TLS (real sshd and engine)', function () {
    this.timeout(120_000);

    let cluster: Cluster;
    let local: DockerClient;
    let sshEnv: NodeJS.ProcessEnv;
    const clients: DockerClient[] = [];
    const temp: string[] = [];

    function client(host: string, env: NodeJS.ProcessEnv = sshEnv, timeoutMs = 20_000): DockerClient {
        const c = connectDocker({ host, env, timeoutMs });
        clients.push(c);
        return c;
    }

    function tempDir(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-remote-'));
        temp.push(dir);
        return dir;
    }

    async function failure(c: DockerClient): Promise<{ error: DockerError; ms: number }> {
        const started = Date.now();
        try {
            await c.info();
        } catch (error) {
            assert.ok(isDockerError(error), `a DockerError, got ${String(error)}`);
            return { error, ms: Date.now() - started };
        }
        throw new Error(`${c.endpoint.url} answered, but it should have failed`);
    }

    before(async () => {
        assertFreshBundle();
        cluster = loadCluster();
        sshEnv = withSshPath(cluster);
        local = engineClient();
        await local.ping({ timeoutMs: 5000 });
    });

    after(() => {
        for (const c of clients) c.close();
        local.close();
        for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
    });

    describe('ssh', () => {
        it('with a key file and no agent: the same engine, 100 requests through one ssh process', async () => {
            assert.strictEqual(sshEnv.SSH_AUTH_SOCK, undefined);
            const remote = client(cluster.ssh.url);
            const [viaSsh, direct] = await Promise.all([remote.info(), local.info()]);
            assert.strictEqual(viaSsh.swarm.nodeId, direct.swarm.nodeId, 'ssh reaches the engine of the local socket');
            const started = Date.now();
            for (let i = 0; i < 99; i++) await remote.listServices();
            const ms = Date.now() - started;
            console.log(`      100 requests over ssh: ${remote.sshProcessesStarted} ssh process(es), ${ms} ms for the last 99`);
            assert.strictEqual(remote.sshProcessesStarted, 1);
            // Requests made at once queue on the same process rather than paying a login each.
            await Promise.all(Array.from({ length: 12 }, () => remote.listNodes()));
            assert.strictEqual(remote.sshProcessesStarted, 1);
        });

        it('a socket path in the URL reaches the remote docker whole, and nothing in it runs on the remote host', async () => {
            // The sshd shares this machine's file system, so what the remote shell does is visible here.
            const dir = tempDir();
            const engineSocket = local.endpoint.socketPath ?? '/var/run/docker.sock';
            const odd = path.join(dir, "it's;$(x).sock");
            fs.symlinkSync(engineSocket, odd);
            const direct = await local.info();
            const viaOdd = await client(`${cluster.ssh.url}${odd}`).info();
            assert.strictEqual(viaOdd.swarm.nodeId, direct.swarm.nodeId, 'the quoted path names the engine socket');

            const marker = path.join(dir, 'ran');
            const { error } = await failure(client(`${cluster.ssh.url}${dir}/none$(touch\${IFS}${marker}).sock`));
            assert.ok(!fs.existsSync(marker), 'the command substitution in the path did not run on the remote host');
            assert.match(error.message, /dial-stdio/, error.message);
        });

        it('a Host alias from the ssh config, and ProxyJump through it', async () => {
            const direct = await local.info();
            for (const alias of [cluster.ssh.alias, cluster.ssh.jumpAlias]) {
                const info = await client(`ssh://${alias}`).info();
                assert.strictEqual(info.swarm.nodeId, direct.swarm.nodeId, alias);
            }
        });

        it('a Docker context whose endpoint is ssh, from the CLI and the client, with no warning printed', async () => {
            const config = tempDir();
            const name = 'remote-swarm';
            const meta = path.join(config, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
            fs.mkdirSync(meta, { recursive: true });
            fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: `ssh://${cluster.ssh.alias}`, SkipTLSVerify: false } } }));
            fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
            const env: NodeJS.ProcessEnv = { ...sshEnv, DOCKER_CONFIG: config };
            delete env.DOCKER_HOST;
            delete env.DOCKER_CONTEXT;
            const viaContext = connectDocker({ env, timeoutMs: 20_000 });
            clients.push(viaContext);
            assert.strictEqual(viaContext.endpoint.protocol, 'ssh');
            assert.strictEqual(viaContext.endpoint.contextName, name);
            await viaContext.ping();
            const ours = await swarmStacks(['ls'], { env, timeoutMs: 60_000 });
            assert.strictEqual(ours.code, 0, describeRun('swarm-stacks ls over an ssh context', ours));
            assert.strictEqual(ours.stderr, '', 'nothing on stderr (no deprecation warning, no ssh noise)');
            const theirs = await run('docker', ['stack', 'ls'], { env, timeoutMs: 60_000 });
            assert.strictEqual(theirs.code, 0, describeRun('docker stack ls over the same context', theirs));
            assert.deepStrictEqual(stackNames(ours.stdout), stackNames(theirs.stdout));
        });

        it('deploys over ssh with the CLI; the Docker CLI over the same ssh sees and removes the stack', async () => {
            const dir = tempDir();
            const stack = uniqueName('ssh');
            const compose = path.join(dir, 'docker-compose.yml');
            fs.writeFileSync(
                compose,
                `version: "3.8"\nservices:\n  web:\n    image: ${TESTBED_NODE_IMAGE}\n    command: ["node", "-e", "setInterval(() => {}, 1000)"]\n    deploy:\n      replicas: 0\n`,
            );
            const env = { ...sshEnv, DOCKER_HOST: `ssh://${cluster.ssh.alias}` };
            const cleanup = new Cleanup(local);
            cleanup.stack(stack);
            try {
                const deployed = await swarmStacks(['deploy', '-c', compose, '--resolve-image', 'never', stack], { env, timeoutMs: 90_000 });
                assert.strictEqual(deployed.code, 0, describeRun('swarm-stacks deploy over ssh', deployed));
                assert.ok(!/DEP0170|DeprecationWarning/.test(deployed.stderr), deployed.stderr);
                const services = await run('docker', ['stack', 'services', '--format', '{{.Name}}', stack], { env, timeoutMs: 60_000 });
                assert.strictEqual(services.stdout.trim(), `${stack}_web`, describeRun('docker stack services over ssh', services));
                const removed = await run('docker', ['stack', 'rm', stack], { env, timeoutMs: 60_000 });
                assert.strictEqual(removed.code, 0, describeRun('docker stack rm over ssh', removed));
                const listed = await swarmStacks(['ls'], { env, timeoutMs: 60_000 });
                assert.ok(!stackNames(listed.stdout).includes(stack), listed.stdout);
            } finally {
                await cleanup.run();
            }
        });

        it('streams over ssh: events, a build and service logs', async () => {
            const remote = client(`ssh://${cluster.ssh.alias}`, sshEnv, 60_000);
            const cleanup = new Cleanup(local);
            try {
                // Events: one stream holds its own ssh process while requests go on beside it.
                const controller = new AbortController();
                const events = await remote.events({ filters: { type: ['config'] } }, controller.signal);
                const name = uniqueName('evt');
                const seen = (async () => {
                    for await (const event of events) {
                        if (event.Actor?.Attributes?.name === name) return event.Action;
                    }
                    return undefined;
                })();
                const created = await remote.createConfig({ Name: name, Data: Buffer.from('x').toString('base64') });
                cleanup.track('config', created.id);
                const action = await withTimeout(seen, 15_000, 'the config event over ssh');
                controller.abort();
                assert.strictEqual(action, 'create');

                // A build: the context goes up through ssh's stdin.
                const context = tempDir();
                fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TESTBED_NODE_IMAGE}\nLABEL built.over=ssh\n`);
                const tag = `${uniqueName('build')}:ssh`;
                const progress = await remote.buildImage(tar.pack(context), { t: [tag] });
                const messages: string[] = [];
                for await (const message of progress) {
                    if ('error' in message) throw new Error(message.error);
                    if ('stream' in message) messages.push(message.stream);
                }
                cleanup.track('image', tag);
                const image = await local.inspectImage(tag);
                assert.strictEqual(image.Config?.Labels?.['built.over'], 'ssh', messages.join(''));

                // Service logs.
                const service = uniqueName('logs');
                const { id } = await remote.createService({
                    Name: service,
                    Labels: { [STACK_LABEL]: service },
                    TaskTemplate: {
                        ContainerSpec: {
                            Image: TESTBED_NODE_IMAGE,
                            Command: ['node', '-e', 'console.log("hello over ssh"); setInterval(() => {}, 1000)'],
                            StopGracePeriod: 1_000_000_000,
                        },
                    },
                    Mode: { Replicated: { Replicas: 1 } },
                });
                cleanup.track('service', id);
                let lines: string[] = [];
                await waitFor(
                    async () => {
                        lines = [];
                        for await (const line of await remote.serviceLogs(id, { tail: 'all' })) lines.push(String(line));
                        return lines.some((l) => l.includes('hello over ssh'));
                    },
                    { timeoutMs: 60_000, intervalMs: 500, what: 'the service log line over ssh' },
                );
                // The shared process for requests, plus one per stream (events, build, and each logs read).
                console.log(`      streams over ssh used ${remote.sshProcessesStarted} ssh process(es)`);
            } finally {
                await cleanup.run();
            }
        });

        it('an unknown and a changed host key fail with ssh\'s own message', async () => {
            for (const alias of [cluster.ssh.unknownKeyAlias, cluster.ssh.changedKeyAlias]) {
                const { error, ms } = await failure(client(`ssh://${alias}`));
                assert.strictEqual(error.kind, 'hostKey', error.message);
                assert.match(error.message, new RegExp(`^ssh refused the host key of ssh://${alias}\\. ssh said: .*Host key verification failed\\.`));
                assert.ok(ms < 10_000, `${ms} ms`);
            }
        });

        it('a wrong port: cannot reach, naming the endpoint, at once', async () => {
            const url = `ssh://${cluster.ssh.user}@127.0.0.1:1`;
            const { error, ms } = await failure(client(url));
            assert.strictEqual(error.kind, 'unreachable');
            assert.strictEqual(error.message, `Cannot reach Docker at ${url} over ssh. ssh said: ssh: connect to host 127.0.0.1 port 1: Connection refused`);
            assert.ok(ms < 5_000, `${ms} ms`);
        });

        it('an unreachable host: a bounded wait and one sentence naming the endpoint', async () => {
            // An address on the test bed's node network where no node answers.
            const url = 'ssh://root@10.210.0.77';
            const { error, ms } = await failure(client(url, sshEnv, 8_000));
            assert.ok(error.kind === 'unreachable' || error.kind === 'timeout', `${error.kind}: ${error.message}`);
            assert.ok(error.message.includes(url), error.message);
            assert.ok(!error.message.includes('\n'), 'one sentence');
            assert.ok(ms < 12_000, `${ms} ms`);
        });

        it('no ssh on the PATH: an error that names OpenSSH', async () => {
            const { error } = await failure(client(cluster.ssh.url, { ...sshEnv, PATH: tempDir() }));
            assert.strictEqual(error.kind, 'invalidEndpoint');
            assert.match(error.message, /the OpenSSH client "ssh" is not on the PATH\. Install OpenSSH/);
        });
    });

    describe('TLS', () => {
        function tlsEnv(certPath: string): NodeJS.ProcessEnv {
            return { DOCKER_HOST: cluster.tls.url, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath };
        }

        it('DOCKER_TLS_VERIFY with the client certificate reaches the engine, for the client and the CLI', async () => {
            const env = tlsEnv(cluster.tls.certPath);
            const viaTls = connectDocker({ env, timeoutMs: 10_000 });
            clients.push(viaTls);
            assert.strictEqual(viaTls.endpoint.tls?.verify, true);
            assert.strictEqual((await viaTls.info()).swarm.nodeId, (await local.info()).swarm.nodeId);
            const ls = await swarmStacks(['ls'], { env: { ...process.env, ...env }, timeoutMs: 60_000 });
            assert.strictEqual(ls.code, 0, describeRun('swarm-stacks ls over TLS', ls));
        });

        it('certificate problems are told apart from "cannot reach"', async () => {
            const certs = cluster.tls.certPath;
            // A CA that did not sign the daemon's certificate.
            const wrongCa = tempDir();
            fs.copyFileSync(path.join(certs, 'cert.pem'), path.join(wrongCa, 'ca.pem'));
            fs.copyFileSync(path.join(certs, 'cert.pem'), path.join(wrongCa, 'cert.pem'));
            fs.copyFileSync(path.join(certs, 'key.pem'), path.join(wrongCa, 'key.pem'));
            const untrusted = await failure(connectDocker({ env: tlsEnv(wrongCa), timeoutMs: 10_000 }));
            assert.strictEqual(untrusted.error.kind, 'tls', untrusted.error.message);
            assert.match(untrusted.error.message, /^The TLS connection to Docker at tcp:\/\/127\.0\.0\.1:2376 failed: /);

            // No client certificate: the daemon (--tlsverify) refuses the handshake.
            const caOnly = tempDir();
            fs.copyFileSync(path.join(certs, 'ca.pem'), path.join(caOnly, 'ca.pem'));
            const anonymous = await failure(connectDocker({ env: tlsEnv(caOnly), timeoutMs: 10_000 }));
            assert.strictEqual(anonymous.error.kind, 'tls', anonymous.error.message);

            // Plain HTTP to the TLS port.
            const plain = await failure(connectDocker({ env: { DOCKER_HOST: cluster.tls.url }, timeoutMs: 10_000 }));
            assert.strictEqual(plain.error.kind, 'tls', plain.error.message);
            assert.match(plain.error.message, /expects TLS, but the connection was plain HTTP/);

            // Nothing listening: that is "cannot reach", not a certificate problem.
            const closed = await failure(connectDocker({ env: { ...tlsEnv(certs), DOCKER_HOST: 'tcp://127.0.0.1:1' }, timeoutMs: 10_000 }));
            assert.strictEqual(closed.error.kind, 'unreachable', closed.error.message);
            assert.strictEqual(closed.error.message, 'Cannot reach Docker at tcp://127.0.0.1:1. Is the daemon running?');
        });
    });
});

function stackNames(table: string): string[] {
    return table
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/)[0])
        .filter(Boolean)
        .sort();
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([
            promise,
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
            }),
        ]);
    } finally {
        if (timer) clearTimeout(timer);
    }
}

