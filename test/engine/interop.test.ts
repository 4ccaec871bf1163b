/**
 * Interchangeability with the Docker CLI on the real engines (the main 20.10 and the test bed's 26.1 and 28.5): each tool lists, updates and removes a
 * stack the other deployed, and `swarm-stacks ls/services/ps` print what `docker stack ls/services/ps`
 * print for the same stack.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { assertFreshBundle, describeRun, docker as dockerCli, swarmStacks as swarmStacksCli, waitConverged, type RunResult } from './support/commands';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { engineEnv, otherEngineClient, testedEngines } from './support/engines';
import { STACK_LABEL, uniqueName } from './support/names';
import { waitFor } from './support/wait';

function composeFile(replicas: number): string {
    return `version: "3.8"
services:
  web:
    image: ${TESTBED_NODE_IMAGE}
    command: ["node", "-e", "setInterval(()=>{},1e9)"]
    init: true
    stop_grace_period: 2s
    deploy:
      replicas: ${replicas}
      update_config: {parallelism: 2, delay: 0s, monitor: 1s}
  worker:
    image: ${TESTBED_NODE_IMAGE}
    command: ["node", "-e", "setInterval(()=>{},1e9)"]
    init: true
    stop_grace_period: 2s
    deploy:
      replicas: 1
`;
}

function ok(what: string, r: RunResult): RunResult {
    assert.strictEqual(r.code, 0, describeRun(what, r));
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at |TypeError/m, describeRun(what, r));
    return r;
}

/** The row of a table whose first cell is `first`. */
function row(table: string, first: string): string | undefined {
    return table.split('\n').find((line) => line.split(/\s{2,}/)[0] === first);
}

/** Table cells split on runs of 2+ spaces, keeping the given columns (state columns hold times that differ). */
function cells(table: string, columns: number[]): string[][] {
    return table
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(/\s{2,}/).map((c) => c.trim()))
        .map((c) => columns.map((i) => c[i] ?? ''))
        .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

for (const engine of testedEngines()) {
    describe(`interop on ${engine.name === 'main' ? 'the main engine' : `${engine.name} (Engine ${engine.version})`}: swarm-stacks and docker stack manage each other's stacks (real engine)`, function () {
        this.timeout(180_000);
        const env = engineEnv(engine);
        const docker = (args: string[]) => dockerCli(args, { env });
        const swarmStacks = (args: string[]) => swarmStacksCli(args, { env });

        let client: DockerClient;
        let cleanup: Cleanup;
        let dir: string;
        let v1: string;
        let v2: string;

        before(async () => {
            assertFreshBundle();
            client = engine.host ? otherEngineClient({ host: engine.host }) : engineClient();
            await client.ping({ timeoutMs: 5000 });
            await client.inspectImage(TESTBED_NODE_IMAGE);
            dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-interop-'));
            v1 = path.join(dir, 'v1.yml');
            v2 = path.join(dir, 'v2.yml');
            fs.writeFileSync(v1, composeFile(1));
            fs.writeFileSync(v2, composeFile(2));
        });

        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        beforeEach(() => {
            cleanup = new Cleanup(client);
        });

        afterEach(async function () {
            this.timeout(120_000);
            await cleanup.run();
        });

        /** `swarm-stacks services` and `docker stack services` print the same table once converged. */
        async function sameServicesTable(stack: string): Promise<void> {
            await waitConverged(client, stack);
            // REPLICAS can move between the two reads: retry, bounded, until both agree.
            let last = '';
            await waitFor(
                async () => {
                    const [ours, theirs] = await Promise.all([swarmStacks(['services', stack]), docker(['stack', 'services', stack])]);
                    ok('swarm-stacks services', ours);
                    ok('docker stack services', theirs);
                    last = `--- swarm-stacks services\n${ours.stdout}--- docker stack services\n${theirs.stdout}`;
                    return ours.stdout === theirs.stdout && ours.stdout.split('\n').length === 4;
                },
                { timeoutMs: 30_000, intervalMs: 500, what: `equal services tables\n${last}` },
            ).catch((e: Error) => assert.fail(`${e.message}\n${last}`));
        }

        async function sameLsRow(stack: string): Promise<void> {
            const [ours, theirs] = await Promise.all([swarmStacks(['ls']), docker(['stack', 'ls'])]);
            ok('swarm-stacks ls', ours);
            ok('docker stack ls', theirs);
            assert.strictEqual(ours.stdout.split('\n')[0].trim().split(/\s+/).join(' '), 'NAME SERVICES');
            assert.ok(row(ours.stdout, stack), `swarm-stacks ls lists ${stack}\n${ours.stdout}`);
            assert.strictEqual(row(ours.stdout, stack)?.split(/\s+/).join(' '), row(theirs.stdout, stack)?.split(/\s+/).join(' '));
            assert.strictEqual(row(ours.stdout, stack)?.split(/\s+/)[1], '2');
        }

        async function samePs(stack: string): Promise<void> {
            const [ours, theirs] = await Promise.all([swarmStacks(['ps', stack]), docker(['stack', 'ps', stack])]);
            ok('swarm-stacks ps', ours);
            ok('docker stack ps', theirs);
            // ID NAME IMAGE NODE DESIRED STATE; CURRENT STATE holds "Running 3 seconds ago", read at another moment.
            assert.deepStrictEqual(cells(ours.stdout, [0, 1, 2, 3, 4]), cells(theirs.stdout, [0, 1, 2, 3, 4]), `${ours.stdout}\n${theirs.stdout}`);
            assert.strictEqual(ours.stdout.split('\n')[0].split(/\s{2,}/).join('|'), theirs.stdout.split('\n')[0].split(/\s{2,}/).join('|'));
        }

        async function image(service: string): Promise<string | undefined> {
            return (await client.inspectService(service)).Spec.TaskTemplate.ContainerSpec?.Image;
        }

        async function replicas(service: string): Promise<number | undefined> {
            return (await client.inspectService(service)).Spec.Mode?.Replicated?.Replicas;
        }

        it('a stack deployed by docker stack deploy is listed, updated, scaled, rolled back and removed by swarm-stacks', async () => {
            const stack = cleanup.stack(uniqueName());
            const tag = cleanup.track('image', `${uniqueName()}-img:v2`);
            ok('docker tag', await docker(['tag', TESTBED_NODE_IMAGE, tag]));
            ok('docker stack deploy', await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', v1, stack]));

            await sameLsRow(stack);
            await sameServicesTable(stack);
            await samePs(stack);

            // swarm-stacks deploy of a changed file (replicas 1 → 2) updates the CLI's stack in place.
            const web = `${stack}_web`;
            const before = await client.inspectService(web);
            const deployed = ok('swarm-stacks deploy v2', await swarmStacks(['deploy', '--resolve-image', 'never', '--wait', '-c', v2, stack]));
            assert.match(deployed.stdout, new RegExp(`Updating service ${web} \\(id: ${before.ID}\\)`));
            assert.doesNotMatch(deployed.stdout, /worker/, 'the unchanged worker is left alone');
            assert.strictEqual(await replicas(web), 2);
            assert.strictEqual((await client.inspectService(web)).ID, before.ID, 'same service, updated in place');
            await sameServicesTable(stack);

            // Image update (rolling, waits), then rollback to the previous image.
            ok('swarm-stacks update --image', await swarmStacks(['update', '--image', tag, web]));
            assert.strictEqual(await image(web), tag);
            ok('swarm-stacks rollback', await swarmStacks(['rollback', web]));
            assert.strictEqual(await image(web), TESTBED_NODE_IMAGE);
            await waitConverged(client, stack);

            ok('swarm-stacks scale', await swarmStacks(['scale', `${web}=1`]));
            assert.strictEqual(await replicas(web), 1);
            await sameServicesTable(stack);

            const removed = ok('swarm-stacks rm --wait', await swarmStacks(['rm', '--wait', stack]));
            assert.match(removed.stdout, new RegExp(`Removing service ${web}`));
            // --wait returned: nothing of the stack is left, without any further waiting.
            const filter = { label: [`${STACK_LABEL}=${stack}`] };
            assert.deepStrictEqual((await client.listServices(filter)).map((s) => s.Spec.Name), []);
            assert.deepStrictEqual((await client.listNetworks(filter)).map((n) => n.Name), []);
            const ls = ok('docker stack ls', await docker(['stack', 'ls']));
            assert.strictEqual(row(ls.stdout, stack), undefined);
        });

        it('a stack deployed by swarm-stacks is listed, updated and removed by docker stack', async () => {
            const stack = cleanup.stack(uniqueName());
            ok('swarm-stacks deploy', await swarmStacks(['deploy', '--resolve-image', 'never', '-c', v1, stack]));

            await sameLsRow(stack);
            await sameServicesTable(stack);
            await samePs(stack);

            const web = `${stack}_web`;
            const id = (await client.inspectService(web)).ID;
            const updated = ok('docker stack deploy v2', await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', v2, stack]));
            assert.match(updated.stdout, new RegExp(`Updating service ${web} \\(id: ${id}\\)`));
            assert.strictEqual(await replicas(web), 2);
            await sameServicesTable(stack);

            const rm = ok('docker stack rm', await docker(['stack', 'rm', stack]));
            assert.match(rm.stdout, new RegExp(`Removing service ${web}`));
            const filter = { label: [`${STACK_LABEL}=${stack}`] };
            await waitFor(async () => (await client.listServices(filter)).length === 0 && (await client.listNetworks(filter)).length === 0, {
                timeoutMs: 60_000,
                intervalMs: 300,
                what: `stack ${stack} to be gone after docker stack rm`,
            });
            const ours = ok('swarm-stacks ls', await swarmStacks(['ls']));
            assert.strictEqual(row(ours.stdout, stack), undefined);
        });
    });
}
