/**
 * Secret rotation on the real engine, through the command line in-process, with two users' Swarm Stacks folders as
 * two machines: the secret the swarm lists carries a keyed fingerprint (no unkeyed hash of its content in its name
 * or labels, and the engine gives no data back); the same machine redeploys it without restarting anything; a
 * machine with another key cannot tell whether it changed, deploys it again as a new version, says why, and the old
 * version is removed once the service has converged.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { SECRET_FINGERPRINT_LABEL } from '../../src/core/stack/secret-fingerprint';
import type { DockerClient } from '../../src/docker/client';
import { runCliCaptured, type CliRun } from '../unit/support/cli';
import { Cleanup } from './support/cleanup';
import { engineClient, TESTBED_NODE_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';

const PIN = '482913';
const IDLE = `["node", "-e", "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1e9)"]`;
const show = (what: string, r: CliRun) => `${what} exited ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

describe('secret rotation with keyed fingerprints (real engine, two machines\' keys)', function () {
    this.timeout(300_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;
    const stack = uniqueName('secrets');

    before(async () => {
        client = engineClient(60_000);
        await client.ping({ timeoutMs: 5000 });
        await client.inspectImage(TESTBED_NODE_IMAGE);
        cleanup = new Cleanup(client);
        cleanup.stack(stack);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${stack}-`));
        fs.writeFileSync(path.join(dir, 'pin.txt'), PIN);
        fs.writeFileSync(
            path.join(dir, 'docker-compose.yml'),
            `version: "3.8"
x-swarm-stacks: { rotate-configs: true }
services:
  app:
    image: ${TESTBED_NODE_IMAGE}
    command: ${IDLE}
    init: true
    stop_grace_period: 2s
    secrets: [pin]
secrets:
  pin:
    file: ./pin.txt
`,
        );
    });

    after(async function () {
        this.timeout(120_000);
        try {
            await cleanup?.run(90_000);
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** A deploy from the machine whose Swarm Stacks folder is `machine`. */
    const deployFrom = (machine: string) =>
        runCliCaptured(['deploy', '--resolve-image', 'never', '--no-dotenv', '--wait-timeout', '120', '-c', path.join(dir, 'docker-compose.yml'), stack], {
            env: { ...process.env, SWARM_STACKS_CONFIG_DIR: path.join(dir, machine) },
        });
    const pinSecrets = async () => (await client.listSecrets({ label: [`${STACK_LABEL}=${stack}`] })).filter((s) => s.Spec.Name.startsWith(`${stack}_pin`));

    it('the listed secret carries a keyed fingerprint, never an unkeyed hash of its content; the engine gives no data back', async () => {
        const first = await deployFrom('machine-a');
        assert.strictEqual(first.code, 0, show('deploy', first));
        const [secret, ...more] = await pinSecrets();
        assert.deepStrictEqual(more, []);
        assert.strictEqual(secret.Spec.Name, `${stack}_pin`, 'a first deploy keeps the plain name');
        assert.match(secret.Spec.Labels?.[SECRET_FINGERPRINT_LABEL] ?? '', /^hmac-sha256:[0-9a-f]{16}:[0-9a-f]{64}$/);
        const listed = JSON.stringify(secret);
        assert.ok(!listed.includes(createHash('sha256').update(PIN).digest('hex').slice(0, 8)), listed);
        assert.strictEqual(secret.Spec.Data, undefined);
        assert.ok(fs.existsSync(path.join(dir, 'machine-a', 'secret-fingerprint.key')));
    });

    it('the same machine deploys again without restarting the service', async () => {
        const before = await client.inspectService(`${stack}_app`);
        const again = await deployFrom('machine-a');
        assert.strictEqual(again.code, 0, show('deploy again', again));
        assert.doesNotMatch(again.stdout, /create|Removing old version/, show('deploy again', again));
        assert.strictEqual((await client.inspectService(`${stack}_app`)).Version.Index, before.Version.Index);
        assert.deepStrictEqual((await pinSecrets()).map((s) => s.Spec.Name), [`${stack}_pin`]);
    });

    it('a machine with another key deploys the secret again as a new version, says why, and the old one goes', async () => {
        const other = await deployFrom('machine-b');
        assert.strictEqual(other.code, 0, show('deploy from machine b', other));
        const secrets = await pinSecrets();
        assert.strictEqual(secrets.length, 1, secrets.map((s) => s.Spec.Name).join(', '));
        const rotated = secrets[0].Spec.Name;
        assert.match(rotated, new RegExp(`^${stack}_pin-[0-9a-f]{8}$`));
        assert.match(other.stdout, new RegExp(`Removing old version ${stack}_pin\\n`));
        const service = await client.inspectService(`${stack}_app`);
        assert.deepStrictEqual(service.Spec.TaskTemplate.ContainerSpec?.Secrets?.map((s) => [s.SecretName, s.File?.Name]), [[rotated, 'pin']]);
        assert.ok(!(other.stdout + other.stderr).includes(PIN));

        const plan = await runCliCaptured(['deploy', '--dry-run', '--resolve-image', 'never', '--no-dotenv', '-c', path.join(dir, 'docker-compose.yml'), stack], {
            env: { ...process.env, SWARM_STACKS_CONFIG_DIR: path.join(dir, 'machine-a') },
        });
        assert.strictEqual(plan.code, 0, show('dry run from machine a', plan));
        assert.match(plan.stdout, /secret \S+: create \(\S+ again: its fingerprint in the swarm was not made with this machine's key, so whether it changed cannot be told;/);
    });
});
