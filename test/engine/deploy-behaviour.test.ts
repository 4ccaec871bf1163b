/**
 * How `swarm-stacks deploy` behaves on the real engine beyond spec conformance: --prune, a changed
 * config refused before anything is sent, a partial failure reported and converged by a re-run,
 * --dry-run, and --wait following convergence, a rolled-back and a paused update.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Service } from '../../src/core/specs';
import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { assertFreshBundle, describeRun, swarmStacks, type RunResult } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';

const IDLE = `["node", "-e", "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1e9)"]`;

function service(name: string, extra = '', replicas = 0, command = IDLE): string {
    return `  ${name}:
    image: ${TESTBED_NODE_IMAGE}
    command: ${command}
    init: true
    stop_grace_period: 2s
    deploy:
      replicas: ${replicas}
${extra}`;
}

function noTrace(what: string, r: RunResult): void {
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at |TypeError/m, describeRun(what, r));
}

describe('deploy behaviour (real engine)', function () {
    this.timeout(180_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;

    before(async () => {
        assertFreshBundle();
        client = engineClient();
        await client.ping({ timeoutMs: 5000 });
        await client.inspectImage(TESTBED_NODE_IMAGE);
    });

    beforeEach(() => {
        cleanup = new Cleanup(client);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-behaviour-'));
    });

    afterEach(async function () {
        this.timeout(120_000);
        try {
            await cleanup.run();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    function file(name: string, services: string[], tail = ''): string {
        const f = path.join(dir, name);
        fs.writeFileSync(f, `version: "3.8"\nservices:\n${services.join('')}${tail}`);
        return f;
    }

    async function deploy(args: string[], expectCode = 0): Promise<RunResult> {
        const r = await swarmStacks(['deploy', '--resolve-image', 'never', ...args], { timeoutMs: 150_000 });
        assert.strictEqual(r.code, expectCode, describeRun(`swarm-stacks deploy ${args.join(' ')}`, r));
        noTrace('deploy', r);
        return r;
    }

    async function stackState(stack: string): Promise<Record<string, unknown>> {
        const filter = { label: [`${STACK_LABEL}=${stack}`] };
        const [services, networks, secrets, configs] = await Promise.all([
            client.listServices(filter),
            client.listNetworks(filter),
            client.listSecrets(filter),
            client.listConfigs(filter),
        ]);
        return {
            services: Object.fromEntries(services.map((s) => [s.Spec.Name, s.Version.Index])),
            networks: networks.map((n) => n.Id).sort(),
            secrets: Object.fromEntries(secrets.map((s) => [s.Spec.Name, s.Version.Index])),
            configs: Object.fromEntries(configs.map((c) => [c.Spec.Name, [c.Version.Index, c.Spec.Data]])),
        };
    }

    async function serviceNames(stack: string): Promise<string[]> {
        return (await client.listServices({ label: [`${STACK_LABEL}=${stack}`] })).map((s) => s.Spec.Name ?? '').sort();
    }

    it('--prune removes only the services of this stack that left the file', async () => {
        const stack = cleanup.stack(uniqueName());
        const other = cleanup.stack(`${stack}x`); // a stack whose name starts with this one's
        const both = file('both.yml', [service('keep'), service('gone')]);
        const one = file('one.yml', [service('keep')]);
        await Promise.all([deploy(['-c', both, stack]), deploy(['-c', both, other])]);
        const keep = await client.inspectService(`${stack}_keep`);

        const pruned = await deploy(['--prune', '-c', one, stack]);
        assert.match(pruned.stdout, new RegExp(`Removing service ${stack}_gone`));
        assert.deepStrictEqual(await serviceNames(stack), [`${stack}_keep`]);
        assert.deepStrictEqual(await serviceNames(other), [`${other}_gone`, `${other}_keep`], 'the other stack is untouched');
        assert.strictEqual((await client.inspectService(`${stack}_keep`)).Version.Index, keep.Version.Index, 'the kept service is not updated');

        // Without --prune, a service that left the file stays.
        await deploy(['-c', one, other]);
        assert.deepStrictEqual(await serviceNames(other), [`${other}_gone`, `${other}_keep`]);
    });

    it('a config whose content changed under the same name is reported before anything is sent', async () => {
        const stack = cleanup.stack(uniqueName());
        const data = path.join(dir, 'app.conf');
        fs.writeFileSync(data, 'one\n');
        const configs = `configs:\n  conf:\n    file: ./app.conf\n`;
        const uses = '    configs: [conf]\n';
        const v1 = file('v1.yml', [service('app', uses)], configs);
        await deploy(['-c', v1, stack]);
        const before = await stackState(stack);

        fs.writeFileSync(data, 'two\n');
        // The new file also changes the service and adds one: neither may happen.
        const v2 = file('v2.yml', [service('app', uses, 1), service('added', uses)], configs);
        const r = await deploy(['-c', v2, stack], 1);
        assert.match(r.stderr, new RegExp(`config ${stack}_conf exists with other content`));
        assert.match(r.stderr, /Nothing was deployed/);
        assert.deepStrictEqual(await stackState(stack), before, 'nothing changed in the engine');
    });

    it('a partial failure says what was applied and what not; a re-run after the fix converges', async () => {
        const stack = cleanup.stack(uniqueName());
        // swarmkit refuses a memory reservation below 4 MiB at create time (validateResources); the
        // compose loader and the CLI both accept it.
        const reservation = (memory: string) => `      resources:\n        reservations:\n          memory: ${memory}\n`;
        const broken = file('broken.yml', [service('good'), service('bad', reservation('1M'))]);
        const r = await deploy(['-c', broken, stack], 1);
        assert.match(r.stderr, new RegExp(`failed to create service ${stack}_bad: .*4MiB`, 'i'));
        assert.match(r.stderr, /Applied: .*create network/);
        assert.match(r.stderr, new RegExp(`Not applied: create service ${stack}_bad\\.`));
        assert.match(r.stderr, /Deploying again continues/);
        const applied = r.stderr.match(/Applied: (.*)\./)?.[1] ?? '';
        // What it says it applied is what the engine holds.
        assert.deepStrictEqual(await serviceNames(stack), applied.includes(`create service ${stack}_good`) ? [`${stack}_good`] : []);

        const fixed = file('fixed.yml', [service('good'), service('bad', reservation('8M'))]);
        const good = (await serviceNames(stack)).length ? await client.inspectService(`${stack}_good`) : undefined;
        const again = await deploy(['-c', fixed, stack]);
        assert.match(again.stdout, new RegExp(`Creating service ${stack}_bad`));
        assert.doesNotMatch(again.stdout, /Creating network/);
        assert.deepStrictEqual(await serviceNames(stack), [`${stack}_bad`, `${stack}_good`]);
        if (good) assert.strictEqual((await client.inspectService(`${stack}_good`)).Version.Index, good.Version.Index);
        const third = await deploy(['-c', fixed, stack]);
        assert.match(third.stdout, /is up to date: nothing to change/);
    });

    it('--dry-run touches nothing, on a new stack and on an existing one', async () => {
        const stack = cleanup.stack(uniqueName());
        const v1 = file('v1.yml', [service('app')]);
        const dryNew = await deploy(['--dry-run', '-c', v1, stack]);
        assert.match(dryNew.stdout, new RegExp(`service ${stack}_app: create`));
        assert.deepStrictEqual(await stackState(stack), { services: {}, networks: [], secrets: {}, configs: {} });

        await deploy(['-c', v1, stack]);
        const before = await stackState(stack);
        const v2 = file('v2.yml', [service('app', '', 2), service('more')]);
        const dry = await deploy(['--dry-run', '--prune', '-c', v2, stack]);
        assert.match(dry.stdout, new RegExp(`service ${stack}_app: update\\n\\s+Mode.Replicated.Replicas: 0 → 2`));
        assert.match(dry.stdout, new RegExp(`service ${stack}_more: create`));
        assert.deepStrictEqual(await stackState(stack), before);
    });

    it('--wait returns after convergence, and reports a rolled-back and a paused update with the task errors', async () => {
        const rolled = cleanup.stack(uniqueName());
        const paused = cleanup.stack(uniqueName());
        const update = (action: string) => `      update_config: {parallelism: 1, delay: 0s, monitor: 2s, failure_action: ${action}, max_failure_ratio: 0}\n`;
        const good = (action: string) => file(`good-${action}.yml`, [service('app', update(action), 1)]);
        const failing = (action: string) => file(`failing-${action}.yml`, [service('app', update(action), 1, `["node", "-e", "process.exit(1)"]`)]);

        const first = await Promise.all([deploy(['--wait', '--wait-timeout', '90', '-c', good('rollback'), rolled]), deploy(['--wait', '--wait-timeout', '90', '-c', good('pause'), paused])]);
        for (const [stack, r] of [[rolled, first[0]], [paused, first[1]]] as const) {
            assert.match(r.stderr, new RegExp(`${stack}_app: 1/1 running, converged`));
            const s = (await client.listServices({ name: [`${stack}_app`] }, { status: true })).find((x) => x.Spec.Name === `${stack}_app`) as Service;
            assert.strictEqual(s.ServiceStatus?.RunningTasks, 1, 'running when --wait returned');
        }

        const [r1, r2] = await Promise.all([
            deploy(['--wait', '--wait-timeout', '120', '-c', failing('rollback'), rolled], 1),
            deploy(['--wait', '--wait-timeout', '120', '-c', failing('pause'), paused], 1),
        ]);
        assert.match(r1.stderr, new RegExp(`${rolled}_app: the update was rolled back`), describeRun('rollback', r1));
        assert.match(r1.stderr, /Failing tasks:\n\s+\S+: .*exit/, describeRun('rollback', r1));
        assert.match(r2.stderr, /service update paused/, describeRun('pause', r2));
        assert.match(r2.stderr, /Failing tasks:\n\s+\S+: .*exit/, describeRun('pause', r2));
        const rolledBack = await client.inspectService(`${rolled}_app`);
        assert.match(rolledBack.UpdateStatus?.State ?? '', /rollback_completed/);
        assert.doesNotMatch(JSON.stringify(rolledBack.Spec.TaskTemplate.ContainerSpec?.Args ?? rolledBack.Spec.TaskTemplate.ContainerSpec?.Command), /exit\(1\)/);
        assert.strictEqual((await client.inspectService(`${paused}_app`)).UpdateStatus?.State, 'paused');
    });
});
