/**
 * Remove Stack on the real swarm: an app behind HAProxy on an overlay network, removed the way the editor removes it
 * (removeStack with wait). The overlay network must go with the services even when the removal is cut short right
 * after it started (the window closing, Cancel pressed), as it does with `docker stack rm`; and a network that truly
 * cannot go (another stack's service uses it) is reported once, naming the network and what holds it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { applyDeploy, prepareDeploy } from '../../src/core/stack/deploy';
import { stackFromCompose } from '../../src/core/stack/from-compose';
import { removeStack } from '../../src/core/stack/remove';
import type { DockerClient } from '../../src/docker/client';
import { appBehindHaproxy } from '../support/app-behind-haproxy';
import { Cleanup } from './support/cleanup';
import { engineClient, TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';


describe('removeStack on the real swarm (app + HAProxy on an overlay network)', function () {
    this.timeout(240_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;

    before(async () => {
        client = engineClient(30_000);
        await client.ping({ timeoutMs: 5000 });
        for (const image of [TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE]) {
            await client.inspectImage(image).catch(() => {
                throw new Error(`${image} is missing: run scripts/testbed/images.sh`);
            });
        }
        cleanup = new Cleanup(client);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-rm-'));
    });

    after(async function () {
        this.timeout(120_000);
        try {
            await cleanup?.run(90_000);
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** Deploys the files' docker-compose.yaml as `stack` with the product's deploy and waits until every task runs. */
    async function deploy(stack: string, files: Record<string, string>): Promise<void> {
        cleanup.stack(stack);
        const folder = fs.mkdtempSync(path.join(dir, `${stack}-`));
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
        const loaded = stackFromCompose([path.join(folder, 'docker-compose.yaml')], { stackName: stack, env: {}, dotEnv: false });
        assert.ok(loaded.specs, loaded.diagnostics.map((d) => d.message).join('\n'));
        const options = { resolveImage: 'never' as const, prune: false };
        const plan = await prepareDeploy(client, loaded.specs, stack, options);
        assert.deepStrictEqual(plan.problems, []);
        await applyDeploy(client, plan, options);
        await waitFor(
            async () => {
                const services = await client.listServices({ label: [`${STACK_LABEL}=${stack}`] }, { status: true });
                return services.length > 0 && services.every((s) => s.ServiceStatus && s.ServiceStatus.RunningTasks === s.ServiceStatus.DesiredTasks);
            },
            { timeoutMs: 90_000, intervalMs: 250, what: `every task of ${stack} running` },
        );
    }

    const networksOf = async (stack: string) => (await client.listNetworks({ label: [`${STACK_LABEL}=${stack}`] })).map((n) => n.Name);

    it('removes the overlay network even when the removal is cut short 150 ms after it started', async () => {
        const stack = uniqueName('rm');
        // Each app task takes its stop grace period to stop: the tasks are still stopping long after the cut.
        await deploy(stack, appBehindHaproxy({ stack, nodeImage: TESTBED_NODE_IMAGE, haproxyImage: TESTBED_HAPROXY_IMAGE, replicas: 3 }));
        assert.deepStrictEqual(await networksOf(stack), [`${stack}_web`]);

        const controller = new AbortController();
        const cut = setTimeout(() => controller.abort(), 150);
        const started = Date.now();
        const outcome = await removeStack(client, stack, { wait: true, waitTimeoutMs: 120_000, signal: controller.signal }).catch((error: unknown) => error);
        const returnedAfterMs = Date.now() - started;
        clearTimeout(cut);
        // Nothing removes the network after the call: the call must have. The engine lists it until the stopping
        // tasks have left this node's copy of it (as after `docker stack rm`).
        await waitFor(async () => (await networksOf(stack)).length === 0, { timeoutMs: 45_000, intervalMs: 250, what: `${stack}_web to be gone after the cut-short removal` });
        assert.ok(!(outcome instanceof Error), `removeStack failed: ${String(outcome)}`);
        const result = outcome as Awaited<ReturnType<typeof removeStack>>;
        assert.deepStrictEqual(result.failures, []);
        assert.strictEqual(result.waited, 'cancelled', 'the cut stopped the waiting, not the removal');
        assert.ok(result.removed.includes(`network ${stack}_web`), result.removed.join(', '));
        assert.ok(returnedAfterMs < 5_000, `the cut ended the call (${returnedAfterMs} ms)`);
        assert.deepStrictEqual(await client.listServices({ label: [`${STACK_LABEL}=${stack}`] }), []);
        assert.deepStrictEqual(await client.listConfigs({ label: [`${STACK_LABEL}=${stack}`] }), []);
    });

    it('reports a network another stack uses, once, naming the network and the service that holds it', async () => {
        const owner = uniqueName('own');
        const user = uniqueName('use');
        const app = (network: string) => [
            `    image: ${TESTBED_NODE_IMAGE}`,
            '    command: ["node", "-e", "setInterval(() => {}, 1000)"]',
            '    init: true',
            `    networks: [${network}]`,
        ];
        const compose = (lines: string[]) => ({ 'docker-compose.yaml': lines.join('\n') });
        await deploy(owner, compose(['version: "3.8"', 'services:', '  app:', ...app('web'), 'networks:', '  web:', '    driver: overlay', '    attachable: true', '']));
        await deploy(user, compose(['version: "3.8"', 'services:', '  app:', ...app('shared'), 'networks:', '  shared:', '    external: true', `    name: ${owner}_web`, '']));

        const started = Date.now();
        const result = await removeStack(client, owner, { wait: true, waitTimeoutMs: 60_000 });
        assert.ok(Date.now() - started < 10_000, `a network held by a service is not retried (${Date.now() - started} ms)`);
        assert.strictEqual(result.failures.length, 1, result.failures.join('\n'));
        assert.match(result.failures[0], new RegExp(`^Failed to remove network ${owner}_web: .*in use by service .*\\(service ${user}_app\\)$`));
        assert.deepStrictEqual(result.removed, [`service ${owner}_app`]);
        assert.strictEqual(result.waited, undefined);
        assert.deepStrictEqual(await networksOf(owner), [`${owner}_web`], 'the network stays, as the failure says');

        // With the other stack gone, the network goes too.
        await removeStack(client, user);
        const second = await removeStack(client, owner, { wait: true, waitTimeoutMs: 60_000 });
        assert.deepStrictEqual(second.failures, []);
        assert.deepStrictEqual(await networksOf(owner), []);
    });
});
