/**
 * Stack history on the real engine: every deploy records a revision in the swarm; a rollback to the first of
 * three revisions restores every service's spec (and prunes what it did not have); a deploy of the Docker CLI
 * shows as "deployed outside Swarm Stacks" in its place; `docker stack deploy` leaves the revisions alone and
 * `docker stack rm` removes them; `diff` exits 0, 1 or 2 as `kubectl diff`; revision objects edited by hand
 * or of foreign origin are refused and nothing is applied.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync, gzipSync } from 'zlib';

import type { ServiceSpec } from '../../src/core/specs';
import { diffSpecs } from '../../src/core/stack/spec-diff';
import { REVISION_LABEL, REVISION_SHA256_LABEL, revisionConfigName } from '../../src/core/stack/history';
import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { assertFreshBundle, describeRun, docker, swarmStacks, type RunResult } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';

const IDLE = `["node", "-e", "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1e9)"]`;

function service(name: string, env: string, replicas = 0): string {
    return `  ${name}:
    image: ${TESTBED_NODE_IMAGE}
    command: ${IDLE}
    init: true
    stop_grace_period: 2s
    environment: [V=${env}]
    deploy:
      replicas: ${replicas}
`;
}

describe('stack history, rollback and diff (real engine)', function () {
    this.timeout(240_000);

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
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-history-'));
    });

    afterEach(async function () {
        this.timeout(120_000);
        try {
            await cleanup.run();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    function file(name: string, services: string[]): string {
        const f = path.join(dir, name);
        fs.writeFileSync(f, `version: "3.8"\nservices:\n${services.join('')}`);
        return f;
    }

    async function cli(args: string[], expectCode = 0): Promise<RunResult> {
        const r = await swarmStacks(args, { timeoutMs: 150_000 });
        assert.strictEqual(r.code, expectCode, describeRun(`swarm-stacks ${args.join(' ')}`, r));
        assert.doesNotMatch(r.stdout + r.stderr, /^\s+at |TypeError/m, describeRun(args.join(' '), r));
        return r;
    }

    const deploy = (file: string, stack: string, ...extra: string[]) => cli(['deploy', '--resolve-image', 'never', '--prune', ...extra, '-c', file, stack]);

    async function liveSpecs(stack: string): Promise<Map<string, ServiceSpec>> {
        const services = await client.listServices({ label: [`${STACK_LABEL}=${stack}`] });
        return new Map(services.map((s) => [s.Spec.Name ?? '', s.Spec]));
    }

    async function revisionConfigs(stack: string) {
        return (await client.listConfigs({ label: [`${STACK_LABEL}=${stack}`, REVISION_LABEL] })).sort((a, b) => Number(a.Spec.Labels?.[REVISION_LABEL]) - Number(b.Spec.Labels?.[REVISION_LABEL]));
    }

    it('three revisions, then a rollback to the first restores every service spec and prunes what it did not have', async () => {
        const stack = cleanup.stack(uniqueName());
        const v1 = file('v1.yml', [service('web', 'one'), service('worker', 'one')]);
        const v2 = file('v2.yml', [service('web', 'two', 1), service('worker', 'two'), service('extra', 'two')]);
        const v3 = file('v3.yml', [service('web', 'three'), service('extra', 'three')]);

        await deploy(v1, stack);
        const first = await liveSpecs(stack);
        await deploy(v2, stack);
        await deploy(v3, stack);
        assert.deepStrictEqual([...(await liveSpecs(stack)).keys()].sort(), [`${stack}_extra`, `${stack}_web`]);

        const history = await cli(['history', stack]);
        const rows = history.stdout.trim().split('\n');
        assert.match(rows[0], /^REVISION\s+DEPLOYED\s+BY\s+VERSION\s+COMPOSE\s+CHANGE/);
        assert.deepStrictEqual(rows.slice(1).map((r) => r.split(/\s+/)[0]), ['1', '2', '3'], history.stdout);
        assert.match(rows[1], new RegExp(`${os.userInfo().username}@${os.hostname()}`));
        assert.ok(rows.slice(1).every((r) => /\bdeploy$/.test(r)), history.stdout);
        const composeHashes = rows.slice(1).map((r) => r.split(/\s{2,}/)[4]);
        assert.strictEqual(new Set(composeHashes).size, 3, `three compose contents: ${composeHashes.join(' ')}`);

        // The change of revision 3, in the plan's words.
        const change = await cli(['history', '-r', '3', stack]);
        assert.match(change.stdout, new RegExp(`service ${stack}_worker: remove \\(prune\\)`));
        assert.match(change.stdout, /TaskTemplate.ContainerSpec.Env: \["V=two"\] → \["V=three"\]/);

        const dry = await cli(['rollback', '--to', '1', '--dry-run', stack]);
        assert.match(dry.stdout, new RegExp(`service ${stack}_worker: create`));
        assert.match(dry.stdout, new RegExp(`service ${stack}_extra: remove \\(prune\\)`));
        assert.strictEqual((await liveSpecs(stack)).size, 2, 'a dry run changes nothing');

        const rollback = await cli(['rollback', '--to', '1', stack]);
        assert.match(rollback.stdout, new RegExp(`service ${stack}_web: update\\n\\s+image: \\S+ \\(unchanged\\)\\n\\s+TaskTemplate.ContainerSpec.Env: \\["V=three"\\] → \\["V=one"\\]`));
        assert.match(rollback.stdout, /rolled back to revision 1/);
        const restored = await liveSpecs(stack);
        assert.deepStrictEqual([...restored.keys()].sort(), [...first.keys()].sort(), 'the services of revision 1, and only those');
        for (const [name, spec] of first) {
            assert.deepStrictEqual(diffSpecs(spec, restored.get(name)), [], `service ${name}: the spec of revision 1`);
        }

        const after = await cli(['history', stack]);
        assert.match(after.stdout.trim().split('\n').pop() ?? '', /^4\s.*rollback to revision 1$/);
        const again = await cli(['rollback', '--to', '1', stack]);
        assert.match(again.stdout, /already runs revision 1: nothing to change/);
    });

    it('the Docker CLI: a deploy of its own shows in place, docker stack deploy keeps the revisions, docker stack rm removes them', async () => {
        const stack = cleanup.stack(uniqueName());
        const v1 = file('v1.yml', [service('web', 'one')]);
        const v2 = file('v2.yml', [service('web', 'two')]);
        await deploy(v1, stack);
        const byCli = await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', v2, stack], { timeoutMs: 60_000 });
        assert.strictEqual(byCli.code, 0, describeRun('docker stack deploy', byCli));
        assert.strictEqual((await revisionConfigs(stack)).length, 1, 'docker stack deploy leaves the revision alone');

        let history = await cli(['history', stack]);
        assert.match(history.stdout.trim().split('\n').pop() ?? '', new RegExp(`^-\\s.*deployed outside Swarm Stacks \\(${stack}_web\\)`));

        await deploy(v1, stack);
        history = await cli(['history', stack]);
        const rows = history.stdout.trim().split('\n').slice(1).map((r) => r.split(/\s+/)[0]);
        assert.deepStrictEqual(rows, ['1', '-', '2'], history.stdout);

        const rm = await docker(['stack', 'rm', stack], { timeoutMs: 60_000 });
        assert.strictEqual(rm.code, 0, describeRun('docker stack rm', rm));
        assert.deepStrictEqual(await revisionConfigs(stack), [], 'docker stack rm removes the history with the stack');
    });

    it('keeps the last N revisions (--history-limit)', async () => {
        const stack = cleanup.stack(uniqueName());
        for (const v of ['a', 'b', 'c', 'd']) await deploy(file(`${v}.yml`, [service('web', v)]), stack, '--history-limit', '2');
        assert.deepStrictEqual((await revisionConfigs(stack)).map((c) => c.Spec.Name), [revisionConfigName(stack, 3), revisionConfigName(stack, 4)]);
    });

    it('diff exits 0 when nothing would change, 1 when something would, 2 when it cannot tell', async () => {
        const stack = cleanup.stack(uniqueName());
        const v1 = file('v1.yml', [service('web', 'one')]);
        const v2 = file('v2.yml', [service('web', 'two'), service('more', 'two')]);
        const none = await cli(['diff', '--resolve-image', 'never', '-c', v1, stack], 1);
        assert.match(none.stdout, new RegExp(`service ${stack}_web: create`));
        await deploy(v1, stack);
        const same = await cli(['diff', '--resolve-image', 'never', '-c', v1, stack], 0);
        assert.strictEqual(same.stdout, '');
        const changed = await cli(['diff', '--resolve-image', 'never', '-c', v2, stack], 1);
        assert.strictEqual(changed.stdout, `service ${stack}_more: create\nservice ${stack}_web: update\n    TaskTemplate.ContainerSpec.Env: ["V=one"] → ["V=two"]\n`);
        const broken = file('broken.yml', ['  web:\n    image: [not, a, string]\n']);
        const bad = await cli(['diff', '-c', broken, stack], 2);
        assert.match(bad.stderr, /error(s)? in the compose file; nothing was compared/);
        const unreachable = await cli(['diff', '-H', 'tcp://127.0.0.1:1', '-c', v1, stack], 2);
        assert.match(unreachable.stderr, /swarm-stacks diff: /);
        await cli(['diff', '-c', v1], 2);
    });

    it('refuses revision objects damaged (checksum) or of foreign origin, and changes nothing', async () => {
        const stack = cleanup.stack(uniqueName());
        const v1 = file('v1.yml', [service('web', 'one')]);
        await deploy(v1, stack);
        await deploy(file('v2.yml', [service('web', 'two')]), stack);
        const [rev1] = await revisionConfigs(stack);
        // Edited by hand: configs only accept label updates, so the checksum label is what a hand can change.
        await client.updateConfig(rev1.ID, rev1.Version.Index, { ...rev1.Spec, Labels: { ...rev1.Spec.Labels, [REVISION_SHA256_LABEL]: '0'.repeat(64) } });
        // Foreign: another tool's object with our labels and a correct checksum, whose "revision" runs a service of another stack.
        const foreign = gzipSync(Buffer.from(JSON.stringify({
            schema: 1, stack, revision: 7, time: new Date().toISOString(), deployedBy: 'x@y', version: '9', reason: 'deploy', networks: [],
            services: [{ name: 'victim_db', spec: { Name: 'victim_db', Labels: { [STACK_LABEL]: 'victim' }, TaskTemplate: { ContainerSpec: { Image: 'evil' } } } }],
        })));
        cleanup.track('config', (await client.createConfig({
            Name: revisionConfigName(stack, 7),
            Labels: { [STACK_LABEL]: stack, [REVISION_LABEL]: '7', [REVISION_SHA256_LABEL]: createHash('sha256').update(foreign).digest('hex') },
            Data: foreign.toString('base64'),
        })).id);
        const before = await client.inspectService(`${stack}_web`);

        const history = await cli(['history', stack]);
        assert.match(history.stdout, /^1\s.*REFUSED: config .*-1 is not a usable revision: its content does not match its sha256 checksum label: it is damaged or was changed after it was written/m);
        assert.match(history.stdout, /^7\s.*REFUSED: .*service "victim_db" in it is not a service of stack/m);
        assert.match(history.stdout, /^2\s.*deploy$/m);

        const hand = await cli(['rollback', '--to', '1', stack], 1);
        assert.match(hand.stderr, /is damaged or was changed after it was written.*Nothing was changed/s);
        const alien = await cli(['rollback', '--to', '7', stack], 1);
        assert.match(alien.stderr, /not a service of stack .*Nothing was changed/s);
        await cli(['rollback', '--to', '5', stack], 1);
        assert.strictEqual((await client.inspectService(`${stack}_web`)).Version.Index, before.Version.Index, 'nothing was applied');
        await assert.rejects(client.inspectService('victim_db'));
    });

    it('a revision anyone wrote with a correct checksum is listed as any other; its dry-run plan shows the image and the bind mount of /', async () => {
        const stack = cleanup.stack(uniqueName());
        await deploy(file('v1.yml', [service('web', 'one')]), stack);
        const [rev1] = await revisionConfigs(stack);
        const live = await client.inspectService(`${stack}_web`);
        // What anyone who may create configs can write: the live spec with another image and the host's / mounted.
        const spec = JSON.parse(JSON.stringify(live.Spec)) as ServiceSpec;
        spec.TaskTemplate.ContainerSpec = { ...spec.TaskTemplate.ContainerSpec, Image: 'attacker.invalid/miner:latest', Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] };
        const recorded = JSON.parse(gunzipSync(Buffer.from(rev1.Spec.Data ?? '', 'base64')).toString('utf8')) as { networks: unknown[] };
        const forged = gzipSync(Buffer.from(JSON.stringify({
            schema: 1, stack, revision: 9, time: new Date().toISOString(), deployedBy: 'ops@ci', version: '0.1.0', reason: 'deploy',
            networks: recorded.networks, services: [{ name: `${stack}_web`, spec }],
        })));
        cleanup.track('config', (await client.createConfig({
            Name: revisionConfigName(stack, 9),
            Labels: { [STACK_LABEL]: stack, [REVISION_LABEL]: '9', [REVISION_SHA256_LABEL]: createHash('sha256').update(forged).digest('hex') },
            Data: forged.toString('base64'),
        })).id);

        const history = await cli(['history', stack]);
        assert.match(history.stdout, /^9\s.*ops@ci.*deploy$/m, 'the checksum does not tell who wrote a revision: it is listed');
        const plan = await cli(['rollback', '--to', '9', '--dry-run', stack]);
        assert.match(plan.stdout, new RegExp(`^service ${stack}_web: update\n    image: \\S+ → attacker\\.invalid/miner:latest\n    mount added: bind / → /host \\(read-write\\)$`, 'm'));
        assert.strictEqual((await client.inspectService(`${stack}_web`)).Version.Index, live.Version.Index, 'a dry run sends nothing');
    });
});
