/**
 * Issue 5, "Done when": the seed workflow on the real swarm, with the product's own pieces only.
 * scaffold (haproxy-dns) → build v1 (core context + DockerClient.buildImage) → deploy (stack engine) → probe through
 * HAProxy's host-mode port → build v2 → rolling update under a bounded probe (0 failed, v1 → v2 seen) → scale to 8
 * (reached without touching HAProxy) → rm with wait (nothing left) → images removed.
 * Every wait is for a condition and bounded; names are unique; after() cleans up even when a step failed.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runBuild } from '../../src/core/build/build';
import { probeDuring, renderBarChart, renderTextTable, renderVersionShift, summarize, type ProbeSummary } from '../../src/core/probe/probe';
import { completeScaffoldInput, findTemplatesDir } from '../../src/core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../../src/core/scaffold/node-fs';
import { applyScaffold, planScaffold } from '../../src/core/scaffold/plan';
import { waitForService } from '../../src/core/stack/converge';
import { applyDeploy, prepareDeploy, touchedServices } from '../../src/core/stack/deploy';
import { stackFromCompose } from '../../src/core/stack/from-compose';
import { removeStack } from '../../src/core/stack/remove';
import { scaleService, updateServiceImage } from '../../src/core/stack/verbs';
import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { engineClient, TESTBED_NODE_IMAGE, TESTBED_HAPROXY_IMAGE } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { probeUntil as probeUntilAt } from './support/probe';
import { waitFor } from './support/wait';
import { freePort } from '../support/net';


const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('seed workflow on the real swarm (scaffold → build → deploy → probe → update → scale → rm)', function () {
    this.timeout(15 * 60_000);

    let client: DockerClient;
    let cleanup: Cleanup;
    let dir: string;
    const name = uniqueName();
    const stack = name;
    const appService = `${stack}_app`;
    const v1 = `${name}-app:v1`;
    const v2 = `${name}-app:v2`;
    let url = '';
    let appServiceId = '';
    const figures: Record<string, string> = {};

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
        cleanup.track('image', v1);
        cleanup.track('image', v2);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    });

    after(async function () {
        this.timeout(180_000);
        try {
            await cleanup?.run(120_000);
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
            console.log(`      figures: ${JSON.stringify(figures)}`);
        }
    });

    /** Probes the stack's URL until `predicate` holds, bounded. */
    const probeUntil = (what: string, predicate: (s: ProbeSummary) => boolean): Promise<ProbeSummary> => probeUntilAt(url, what, predicate);

    it('scaffolds the haproxy-dns project into a temporary folder', async () => {
        const published = await freePort('0.0.0.0');
        let stats = await freePort('0.0.0.0');
        if (stats === published) stats = await freePort('0.0.0.0');
        url = `http://127.0.0.1:${published}/`;
        const input = completeScaffoldInput({
            variant: 'haproxy-dns',
            targetDir: dir,
            appName: 'app',
            replicas: 5,
            publishedPort: published,
            statsPort: stats,
            image: v1,
            baseImage: TESTBED_NODE_IMAGE,
            haproxyImage: TESTBED_HAPROXY_IMAGE,
        });
        const templates = findTemplatesDir(__dirname, (d) => fs.existsSync(d));
        assert.ok(templates, 'media/templates not found');
        const plan = planScaffold(input, templateReader(templates), existingFileReader(dir));
        const result = await applyScaffold(plan, new Map(), fileWriter(dir));
        assert.deepStrictEqual(result.written.sort(), ['.dockerignore', 'Dockerfile', 'README.md', 'docker-compose.yaml', 'haproxy.cfg', 'index.js', 'package.json']);
        assert.match(fs.readFileSync(path.join(dir, 'docker-compose.yaml'), 'utf8'), /init: true/);
    });

    it('builds v1 with the product build (core context + DockerClient.buildImage)', async () => {
        const steps: string[] = [];
        const result = await runBuild(client, { dir, tags: [v1], onEvent: (e) => e.kind === 'step' && steps.push(e.step.instruction) });
        figures.buildV1 = seconds(result.durationMs);
        assert.match(steps[0] ?? '', new RegExp(`^FROM ${TESTBED_NODE_IMAGE}`));
        assert.ok(!result.context.entries.includes('docker-compose.yaml'), '.dockerignore honoured');
        const inspected = await client.inspectImage(v1);
        assert.strictEqual(inspected.Id, result.imageId.startsWith('sha256:') ? result.imageId : inspected.Id);
    });

    it('deploys with the stack engine and reaches 5 distinct hostnames through HAProxy', async () => {
        const t0 = performance.now();
        const loaded = stackFromCompose([path.join(dir, 'docker-compose.yaml')], { stackName: stack, env: process.env, dotEnv: false });
        assert.ok(loaded.specs, loaded.diagnostics.map((d) => d.message).join('\n'));
        const options = { resolveImage: 'never' as const, prune: false };
        const plan = await prepareDeploy(client, loaded.specs, stack, options);
        assert.deepStrictEqual(plan.problems, []);
        const result = await applyDeploy(client, plan, options);
        const ids = touchedServices(result);
        assert.strictEqual(ids.length, 2);
        for (const id of ids) {
            const outcome = await waitForService(client, id, { timeoutMs: 120_000 });
            assert.strictEqual(outcome.kind, 'converged', `service ${id}: ${outcome.kind}`);
        }
        figures.deployConverged = seconds(performance.now() - t0);
        appServiceId = (await client.inspectService(appService)).ID;
        const summary = await probeUntil('5 distinct hostnames through HAProxy', (s) => s.hostnames.length >= 5 && s.failed === 0);
        figures.firstFiveHostnames = seconds(performance.now() - t0);
        figures.distinctHostnames = String(summary.hostnames.length);
        console.log(renderTextTable(summary));
        console.log(renderBarChart(summary));
        assert.strictEqual(summary.hostnames.length, 5);
        assert.ok(summary.hostnames.every((h) => h.version === 'v1'));
    });

    it('builds v2 and rolls the update with 0 failed requests, seeing the v1 → v2 shift', async () => {
        const indexJs = path.join(dir, 'index.js');
        const text = fs.readFileSync(indexJs, 'utf8');
        const changed = text.replace("`<h1>I'm ${hostname}</h1>\\n`", "`<h1>I'm ${hostname}!!!</h1>\\n`");
        assert.notStrictEqual(changed, text, 'the v2 change applies to the template');
        fs.writeFileSync(indexJs, changed);
        const built = await runBuild(client, { dir, tags: [v2] });
        figures.buildV2 = seconds(built.durationMs);

        const controller = new AbortController();
        let converged = false;
        let v2Streak = 0;
        const probing = probeDuring(url, { intervalMs: 50, maxRequests: 20_000, maxDurationMs: 300_000, timeoutMs: 3000, signal: controller.signal }, (s) => {
            v2Streak = s.ok && s.version === 'v2' ? v2Streak + 1 : 0;
            // After convergence, stop once HAProxy answers only from v2 tasks for a while.
            if (converged && v2Streak >= 40) controller.abort();
        });
        const t0 = performance.now();
        try {
            await updateServiceImage(client, appService, v2);
            const outcome = await waitForService(client, appServiceId, { timeoutMs: 240_000 });
            assert.strictEqual(outcome.kind, 'converged');
            converged = true;
            figures.updateConverged = seconds(performance.now() - t0);
        } catch (error) {
            controller.abort();
            throw error;
        } finally {
            // Bound the tail: at most 20 s more of probing after convergence.
            setTimeout(() => controller.abort(), 20_000).unref();
        }
        const report = await probing;
        const summary = summarize(report.results);
        figures.updateRequests = String(summary.total);
        figures.updateFailed = String(summary.failed);
        if (report.shift.switchoverMs !== undefined) figures.switchover = seconds(report.shift.switchoverMs);
        console.log(renderTextTable(summary));
        console.log(renderVersionShift(report.shift, 30));
        assert.strictEqual(summary.failed, 0, `failed requests: ${JSON.stringify(summary.failures)}`);
        assert.deepStrictEqual(report.shift.versions, ['v1', 'v2']);
        assert.ok(report.shift.switchoverMs !== undefined, 'v2 took over');
        assert.ok(report.shift.lastSeenMs.v1 < report.shift.lastSeenMs.v2, 'v1 stopped answering before v2');
        assert.strictEqual(report.shift.hostnames.v2?.length, 5);
    });

    it('scales to 8 and reaches 8 hostnames without touching HAProxy', async () => {
        const proxyBefore = await client.inspectService(`${stack}_proxy`);
        const t0 = performance.now();
        await scaleService(client, appService, 8);
        const outcome = await waitForService(client, appServiceId, { timeoutMs: 120_000 });
        assert.strictEqual(outcome.kind, 'converged');
        figures.scaleConverged = seconds(performance.now() - t0);
        const summary = await probeUntil('8 distinct hostnames', (s) => s.hostnames.length >= 8);
        figures.scaleReached8 = seconds(performance.now() - t0);
        assert.strictEqual(summary.hostnames.length, 8);
        const proxyAfter = await client.inspectService(`${stack}_proxy`);
        assert.strictEqual(proxyAfter.Version?.Index, proxyBefore.Version?.Index, 'the proxy service was not updated');
    });

    it('removes the stack and nothing is left (services, networks, configs, containers); removes the images', async () => {
        const t0 = performance.now();
        const result = await removeStack(client, stack, { wait: true, waitTimeoutMs: 120_000 });
        assert.deepStrictEqual(result.failures, []);
        figures.rm = seconds(performance.now() - t0);
        const filter = { label: [`${STACK_LABEL}=${stack}`] };
        assert.deepStrictEqual(await client.listServices(filter), []);
        assert.deepStrictEqual(await client.listConfigs(filter), []);
        assert.deepStrictEqual(await client.listSecrets(filter), []);
        await waitFor(async () => (await client.listNetworks(filter)).length === 0, { timeoutMs: 60_000, intervalMs: 250, what: 'the stack network to be gone' });
        await waitFor(
            () => execFileSync('docker', ['ps', '-aq', '--filter', `label=${STACK_LABEL}=${stack}`], { encoding: 'utf8' }).trim() === '',
            { timeoutMs: 60_000, intervalMs: 250, what: 'the stack containers to be gone' },
        );
        figures.rmAllGone = seconds(performance.now() - t0);
        for (const image of [v1, v2]) await client.removeImage(image, { force: true });
        const left = (await client.listImages()).flatMap((i) => i.RepoTags).filter((t) => t.startsWith(`${name}-`));
        assert.deepStrictEqual(left, []);
    });
});
