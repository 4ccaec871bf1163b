/**
 * A build `FROM` the test bed's password registry (127.0.0.1:5000), as `docker build` does it: the base image is
 * pushed there, its local tag removed so that the engine must pull it, and `swarm-stacks build` succeeds with the
 * credentials only in the Docker config (sent as X-Registry-Config); with a config that has none for the registry
 * the same build fails on the pull. The Dockerfile's `# syntax=` directive is reported as ignored by the classic
 * builder, which builds it anyway.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { isDockerError } from '../../src/docker/errors';
import { Cleanup } from './support/cleanup';
import { loadCluster, type Cluster } from './support/cluster';
import { assertFreshBundle, describeRun, docker, swarmStacks } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { uniqueName } from './support/names';

describe('build FROM a private registry with the Docker config’s credentials (real engine, test bed registry)', function () {
    this.timeout(180_000);

    let cluster: Cluster;
    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;

    before(async () => {
        assertFreshBundle();
        cluster = loadCluster();
        client = engineClient();
        await client.ping({ timeoutMs: 5000 });
        await client.inspectImage(TESTBED_NODE_IMAGE);
    });

    beforeEach(() => {
        cleanup = new Cleanup(client);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-build-base-'));
    });

    afterEach(async () => {
        await cleanup.run();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The environment of a CLI whose Docker config is `configDir` and nothing else. */
    function withConfig(configDir: string): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: configDir };
        delete env.DOCKER_AUTH_CONFIG;
        return env;
    }

    async function removeTag(tag: string): Promise<void> {
        try {
            await client.removeImage(tag);
        } catch (error) {
            if (!isDockerError(error, 'notFound')) throw error;
        }
    }

    it('pulls the base with the credentials of the Docker config; without them the pull is refused', async () => {
        const registry = cluster.registry.local;
        const base = `${registry}/${uniqueName('negotiate-base')}:1`;
        const built = `${uniqueName('negotiate-built')}:1`;
        cleanup.track('image', built);
        cleanup.track('image', base);

        // The base in the registry, pushed with the test bed's config; then only there.
        const tagged = await docker(['tag', TESTBED_NODE_IMAGE, base], { timeoutMs: 30_000 });
        assert.strictEqual(tagged.code, 0, describeRun('docker tag', tagged));
        const pushed = await swarmStacks(['push', '-q', base], { env: withConfig(cluster.registry.dockerConfig), timeoutMs: 90_000 });
        assert.strictEqual(pushed.code, 0, describeRun('swarm-stacks push of the base', pushed));
        await removeTag(base);

        const context = path.join(dir, 'app');
        fs.mkdirSync(context);
        fs.writeFileSync(path.join(context, 'Dockerfile'), `# syntax=docker/dockerfile:1\nFROM ${base}\nLABEL swarm-stacks.test=build-private-base\n`);

        const empty = path.join(dir, 'empty-config');
        fs.mkdirSync(empty);
        fs.writeFileSync(path.join(empty, 'config.json'), '{}');
        const refused = await swarmStacks(['build', '-t', built, context], { env: withConfig(empty), timeoutMs: 90_000 });
        assert.notStrictEqual(refused.code, 0, describeRun('swarm-stacks build without credentials', refused));
        assert.match(refused.stderr + refused.stdout, /no basic auth credentials|unauthorized|authentication required/i, describeRun('build without credentials', refused));

        const ok = await swarmStacks(['build', '-t', built, context], { env: withConfig(cluster.registry.dockerConfig), timeoutMs: 90_000 });
        assert.strictEqual(ok.code, 0, describeRun('swarm-stacks build with the Docker config’s credentials', ok));
        assert.ok(ok.stderr.includes(`${path.join(context, 'Dockerfile')}:1: # syntax=: ignored by the classic builder`), describeRun('the notice', ok));
        assert.ok(ok.stderr.includes("this build uses the engine's classic builder"), describeRun('the notice', ok));
        const image = await client.inspectImage(built);
        assert.strictEqual((image as { Config?: { Labels?: Record<string, string> } }).Config?.Labels?.['swarm-stacks.test'], 'build-private-base');
    });
});
