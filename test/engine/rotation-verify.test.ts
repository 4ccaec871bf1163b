/**
 * Config rotation and verified updates on the real swarm, through the command line in-process:
 * scaffold (haproxy-dns, whose compose file turns rotation on) → build v1 → deploy → edit haproxy.cfg → deploy once:
 * HAProxy serves the edited config and only the new config is left → `update --image v2 --verify URL` with 0 failed
 * requests and the v1 → v2 shift → `update --image BROKEN --verify URL` (a task that runs but never listens) exits 1.
 * Probe traffic goes to 127.0.0.1 only. Every wait is bounded; after() removes the stack and the images.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runBuild } from '../../src/core/build/build';
import { completeScaffoldInput, findTemplatesDir } from '../../src/core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../../src/core/scaffold/node-fs';
import { applyScaffold, planScaffold } from '../../src/core/scaffold/plan';
import type { DockerClient } from '../../src/docker/client';
import { runCliCaptured, type CliRun } from '../unit/support/cli';
import { Cleanup } from './support/cleanup';
import { engineClient, TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { probeUntil } from './support/probe';
import { waitFor } from './support/wait';
import { freePort, headerOf } from '../support/net';

const REPLICAS = 3;

const show = (what: string, r: CliRun) => `${what} exited ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

describe('config rotation and verified updates on the real swarm (scaffold → deploy → edit haproxy.cfg → deploy → update --verify)', function () {
    this.timeout(15 * 60_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;
    const name = uniqueName();
    const stack = name;
    const appService = `${stack}_app`;
    const v1 = `${name}-app:v1`;
    const v2 = `${name}-app:v2`;
    const broken = `${name}-app:broken`;
    let url = '';
    const cli = (args: string[]) => runCliCaptured(args, { env: process.env });

    before(async function () {
        client = engineClient(60_000);
        await client.ping({ timeoutMs: 5000 });
        for (const image of [TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE]) {
            await client.inspectImage(image).catch(() => {
                throw new Error(`${image} is missing: run scripts/testbed/images.sh`);
            });
        }
        cleanup = new Cleanup(client);
        cleanup.stack(stack);
        for (const image of [v1, v2, broken]) cleanup.track('image', image);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    });

    after(async function () {
        this.timeout(180_000);
        try {
            await cleanup?.run(120_000);
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** Every version of the stack's haproxy_cfg (the stack holds other configs too, its deploy history). */
    const stackConfigs = async () =>
        (await client.listConfigs({ label: [`${STACK_LABEL}=${stack}`] }))
            .map((c) => c.Spec.Name)
            .filter((n) => n.startsWith(`${stack}_haproxy_cfg`))
            .sort();

    it('scaffolds, builds v1 and deploys; the first deploy keeps the plain config name', async () => {
        const published = await freePort('0.0.0.0');
        let stats = await freePort('0.0.0.0');
        if (stats === published) stats = await freePort('0.0.0.0');
        url = `http://127.0.0.1:${published}/`;
        const input = completeScaffoldInput({
            variant: 'haproxy-dns',
            targetDir: dir,
            appName: 'app',
            replicas: REPLICAS,
            publishedPort: published,
            statsPort: stats,
            image: v1,
            baseImage: TESTBED_NODE_IMAGE,
            haproxyImage: TESTBED_HAPROXY_IMAGE,
            stackName: stack,
        });
        const templates = findTemplatesDir(__dirname, (d) => fs.existsSync(d));
        assert.ok(templates, 'media/templates not found');
        await applyScaffold(planScaffold(input, templateReader(templates), existingFileReader(dir)), new Map(), fileWriter(dir));
        await runBuild(client, { dir, tags: [v1] });

        const deployed = await cli(['deploy', '-c', path.join(dir, 'docker-compose.yaml'), '--resolve-image', 'never', '--wait', '--wait-timeout', '180', stack]);
        assert.strictEqual(deployed.code, 0, show('deploy', deployed));
        assert.deepStrictEqual(await stackConfigs(), [`${stack}_haproxy_cfg`]);
        await probeUntil(url, `${REPLICAS} hostnames through HAProxy`, (s) => s.hostnames.length >= REPLICAS && s.failed === 0);
        assert.strictEqual(await headerOf(url, 'x-haproxy-cfg'), '', 'the first config sets no header');
    });

    it('an edited haproxy.cfg is served after one deploy, and no old config is left', async () => {
        const cfg = path.join(dir, 'haproxy.cfg');
        const text = fs.readFileSync(cfg, 'utf8');
        const edited = text.replace(/(frontend web\n(?:.*\n)*?\s+default_backend \S+\n)/, '$1    http-response set-header X-Haproxy-Cfg edited\n');
        assert.notStrictEqual(edited, text, 'the edit applies to the template');
        fs.writeFileSync(cfg, edited);

        const dryRun = await cli(['deploy', '-c', path.join(dir, 'docker-compose.yaml'), '--resolve-image', 'never', '--dry-run', stack]);
        assert.strictEqual(dryRun.code, 0, show('deploy --dry-run', dryRun));
        assert.match(dryRun.stdout, new RegExp(`config ${stack}_haproxy_cfg-[0-9a-f]{8}: create \\(new content of ${stack}_haproxy_cfg;`));

        const deployed = await cli(['deploy', '-c', path.join(dir, 'docker-compose.yaml'), '--resolve-image', 'never', '--wait-timeout', '180', stack]);
        assert.strictEqual(deployed.code, 0, show('deploy', deployed));
        assert.match(deployed.stdout, new RegExp(`Removing old version ${stack}_haproxy_cfg\\n`));
        const configs = await stackConfigs();
        assert.strictEqual(configs.length, 1, `configs left: ${configs.join(', ')}`);
        assert.match(configs[0], new RegExp(`^${stack}_haproxy_cfg-[0-9a-f]{8}$`));
        const proxy = await client.inspectService(`${stack}_proxy`);
        assert.deepStrictEqual(
            proxy.Spec.TaskTemplate.ContainerSpec?.Configs?.map((c) => [c.ConfigName, c.File?.Name]),
            [[configs[0], '/usr/local/etc/haproxy/haproxy.cfg']],
            'the proxy uses the new config at the same target',
        );
        await waitFor(async () => (await headerOf(url, 'x-haproxy-cfg')) === 'edited', { timeoutMs: 60_000, intervalMs: 250, what: 'HAProxy to serve the edited config' });

        const again = await cli(['deploy', '-c', path.join(dir, 'docker-compose.yaml'), '--resolve-image', 'never', stack]);
        assert.strictEqual(again.code, 0, show('deploy again', again));
        assert.match(again.stdout, /is up to date: nothing to change/);
    });

    it('update --image v2 --verify: every request answered, v1 → v2', async () => {
        const indexJs = path.join(dir, 'index.js');
        const text = fs.readFileSync(indexJs, 'utf8');
        const changed = text.replace("`<h1>I'm ${hostname}</h1>\\n`", "`<h1>I'm ${hostname}!!!</h1>\\n`");
        assert.notStrictEqual(changed, text, 'the v2 change applies to the template');
        fs.writeFileSync(indexJs, changed);
        await runBuild(client, { dir, tags: [v2] });
        await probeUntil(url, `${REPLICAS} hostnames before the update`, (s) => s.hostnames.length >= REPLICAS && s.failed === 0);

        const updated = await cli(['update', '--image', v2, '--verify', url, '--verify-interval', '50', '--wait-timeout', '240', appService]);
        console.log(updated.stdout);
        assert.strictEqual(updated.code, 0, show('update --verify', updated));
        const answered = /(\d+) requests: (\d+) answered, (\d+) failed/.exec(updated.stdout);
        assert.ok(answered, updated.stdout);
        assert.ok(Number(answered[1]) >= 50, `enough requests: ${answered[1]}`);
        assert.strictEqual(answered[3], '0');
        assert.strictEqual(answered[1], answered[2]);
        assert.match(updated.stdout, new RegExp(`before: v1 from ${REPLICAS} hostnames`));
        assert.match(updated.stdout, new RegExp(`after: {2}v2 from ${REPLICAS} hostnames`));
        assert.match(updated.stdout, /Verified: every request was answered/);
    });

    it('update --image BROKEN --verify (tasks that never listen) exits 1 and names the failed requests', async () => {
        const brokenDir = path.join(dir, 'broken');
        fs.mkdirSync(brokenDir);
        // Runs, so the engine counts the task as started, but never listens: HAProxy has no server left to send to.
        fs.writeFileSync(path.join(brokenDir, 'Dockerfile'), `FROM ${v2}\nCMD ["node", "-e", "setInterval(() => undefined, 1000)"]\n`);
        await runBuild(client, { dir: brokenDir, tags: [broken] });

        const updated = await cli(['update', '--image', broken, '--verify', url, '--verify-interval', '50', '--wait-timeout', '240', appService]);
        console.log(updated.stdout);
        assert.strictEqual(updated.code, 1, show('update --verify with a broken image', updated));
        const answered = /(\d+) requests: (\d+) answered, (\d+) failed/.exec(updated.stdout);
        assert.ok(answered, updated.stdout);
        assert.ok(Number(answered[3]) > 0, 'requests failed');
        assert.match(updated.stdout, /before: v2 from/);
        assert.match(updated.stdout, /Not verified: \d+ requests? failed/);
    });
});
