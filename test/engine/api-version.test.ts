/**
 * The API version on the wire, against the real engine: a recording proxy on 127.0.0.1 in front of the engine's
 * socket logs what `docker stack deploy` (the Docker CLI installed here) and `swarm-stacks deploy --wait` send for
 * the same file. Ours must ping first (`HEAD /_ping`), then send only `/v1.NN/` paths, NN the version the Docker
 * CLI picked against the same engine; the event stream of the wait included. DOCKER_API_VERSION pins it. It runs
 * against each engine of the test bed (20.10, 26.1, 28.5).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { assertFreshBundle, describeRun, killStackContainers, run, swarmStacks } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { otherEngineClient, testedEngines } from './support/engines';
import { uniqueName } from './support/names';
import { recordingProxy, type RecordingProxy } from './support/recording-proxy';

const VERSIONED = /^[A-Z]+ \/v(1\.\d+)\//;

for (const engine of testedEngines()) {
    describe(`API version negotiation on the wire against the ${engine.name} engine (${engine.version}, recording proxy)`, function () {
        this.timeout(180_000);

        let client: DockerClient;
        let cleanup: Cleanup;
        let proxy: RecordingProxy;
        let compose: string;

        before(async () => {
            assertFreshBundle();
            client = engine.host ? otherEngineClient({ host: engine.host }) : engineClient();
            await client.ping({ timeoutMs: 5000 });
            await client.inspectImage(TESTBED_NODE_IMAGE);
            if (client.endpoint.protocol !== 'unix' || !client.endpoint.socketPath) {
                throw new Error(`The recording proxy needs the engine on a unix socket; the engine under test is ${client.endpoint.url}`);
            }
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-apiversion-'));
            compose = path.join(dir, 'docker-compose.yml');
            fs.writeFileSync(
                compose,
                `version: "3.8"\nservices:\n  web:\n    image: ${TESTBED_NODE_IMAGE}\n    command: ["node", "-e", "setInterval(() => {}, 1000)"]\n    init: true\n    stop_grace_period: 1s\n    deploy:\n      replicas: 1\n`,
            );
        });

        beforeEach(async () => {
            cleanup = new Cleanup(client);
            proxy = await recordingProxy(client.endpoint.socketPath!);
        });

        afterEach(async () => {
            await proxy.close();
            await cleanup.run();
        });

        after(() => {
            if (engine.host) client.close();
        });

        /** The environment of a client that reaches the engine through the proxy only. */
        function throughProxy(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
            const env: NodeJS.ProcessEnv = { ...process.env };
            delete env.DOCKER_CONTEXT;
            delete env.DOCKER_TLS_VERIFY;
            delete env.DOCKER_API_VERSION;
            return { ...env, DOCKER_HOST: proxy.host, ...extra };
        }

        /** The versions in the paths of `requests` (the ping's excluded); fails on an unversioned path. */
        function versionsOf(requests: string[]): Set<string> {
            const versions = new Set<string>();
            for (const request of requests) {
                if (request.endsWith(' /_ping')) continue;
                const match = VERSIONED.exec(request);
                assert.ok(match, `an unversioned request: ${request}\n${requests.join('\n')}`);
                versions.add(match[1]);
            }
            return versions;
        }

        it('a deploy pings, then speaks only the version the Docker CLI picks against this engine, the wait’s event stream included', async () => {
            const cliStack = cleanup.stack(uniqueName('c'));
            const ourStack = cleanup.stack(uniqueName('s'));

            const theirs = await run('docker', ['stack', 'deploy', '--resolve-image', 'never', '-c', compose, cliStack], { env: throughProxy(), timeoutMs: 60_000 });
            assert.strictEqual(theirs.code, 0, describeRun('docker stack deploy through the proxy', theirs));
            const cliRequests = proxy.requests.splice(0);
            const cliVersions = versionsOf(cliRequests);
            assert.strictEqual(cliVersions.size, 1, cliRequests.join('\n'));
            const [cliVersion] = cliVersions;

            const ours = await swarmStacks(['deploy', '--resolve-image', 'never', '--wait', '--wait-timeout', '90', '-c', compose, ourStack], { env: throughProxy(), timeoutMs: 120_000 });
            assert.strictEqual(ours.code, 0, describeRun('swarm-stacks deploy --wait through the proxy', ours));
            const ourRequests = proxy.requests.splice(0);
            assert.strictEqual(ourRequests[0], 'HEAD /_ping', ourRequests.join('\n'));
            assert.strictEqual(ourRequests.filter((r) => r.endsWith(' /_ping')).length, 1, `one ping:\n${ourRequests.join('\n')}`);
            assert.deepStrictEqual([...versionsOf(ourRequests)], [cliVersion], ourRequests.join('\n'));
            assert.ok(ourRequests.some((r) => r.startsWith(`POST /v${cliVersion}/services/create`)), ourRequests.join('\n'));
            assert.ok(ourRequests.some((r) => r.startsWith(`GET /v${cliVersion}/events`)), `the wait follows the event stream:\n${ourRequests.join('\n')}`);
            // The same version as the door's own client: what the core was told for its comparison.
            assert.strictEqual(await client.apiVersion(), cliVersion);
            await killStackContainers(client, [cliStack, ourStack]);
        });

        it('DOCKER_API_VERSION pins the version, as for the Docker CLI', async () => {
            const result = await swarmStacks(['ls'], { env: throughProxy({ DOCKER_API_VERSION: '1.41' }), timeoutMs: 60_000 });
            assert.strictEqual(result.code, 0, describeRun('swarm-stacks ls with DOCKER_API_VERSION=1.41', result));
            const requests = proxy.requests.splice(0);
            assert.ok(requests.length > 0);
            // Pinned, whatever the engine's answer to a ping (`ls` pings to say why an engine cannot be reached).
            assert.deepStrictEqual([...versionsOf(requests)], ['1.41'], requests.join('\n'));

            const tooOld = await swarmStacks(['ls'], { env: throughProxy({ DOCKER_API_VERSION: '1.40' }), timeoutMs: 60_000 });
            assert.notStrictEqual(tooOld.code, 0);
            assert.match(tooOld.stderr, /DOCKER_API_VERSION asks for Engine API 1\.40, but Swarm Stacks needs Engine API 1\.41 \(Docker 20\.10\) or newer\./);
            assert.deepStrictEqual(proxy.requests, [], 'nothing sent');
        });
    });
}
