/**
 * Malformed compose files against the real engine: `swarm-stacks deploy` and `swarm-stacks lint`
 * (the bundled CLI) each exit 1 with a located diagnostic `file:line:col: error: …`, never a stack
 * trace, within a time bound, and nothing new exists in the engine afterwards.
 * Inputs: every file of test/fixtures/bad, plus generated huge, binary, alias-bomb, deeply nested
 * and many-keys files written to a temp folder.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { DockerClient } from '../../src/docker/client';
import { Cleanup } from './support/cleanup';
import { assertFreshBundle, describeRun, swarmStacks, type RunResult } from './support/commands';
import { engineClient } from './support/engine';
import { STACK_LABEL, uniqueName } from './support/names';
import { BAD_FIXTURES, generateMalformedInputs } from '../support/malformed-inputs';

const PER_RUN_MS = 20_000;

interface EngineObjects {
    services: { name: string; stack?: string }[];
    networks: { name: string; stack?: string }[];
    secrets: { name: string; stack?: string }[];
    configs: { name: string; stack?: string }[];
}

async function engineObjects(client: DockerClient): Promise<EngineObjects> {
    const [services, networks, secrets, configs] = await Promise.all([client.listServices(), client.listNetworks(), client.listSecrets(), client.listConfigs()]);
    return {
        services: services.map((s) => ({ name: s.Spec.Name ?? s.ID, stack: s.Spec.Labels?.[STACK_LABEL] })),
        networks: networks.map((n) => ({ name: n.Name, stack: n.Labels?.[STACK_LABEL] ?? undefined })),
        secrets: secrets.map((s) => ({ name: s.Spec.Name, stack: s.Spec.Labels?.[STACK_LABEL] })),
        configs: configs.map((c) => ({ name: c.Spec.Name, stack: c.Spec.Labels?.[STACK_LABEL] })),
    };
}

function assertLocatedFailure(what: string, file: string, r: RunResult, stream: 'stdout' | 'stderr'): void {
    const detail = describeRun(what, r);
    assert.strictEqual(r.code, 1, detail);
    assert.ok(r.ms < PER_RUN_MS, `${what} took ${r.ms} ms\n${detail}`);
    const located = r[stream].split('\n').filter((line) => line.startsWith(`${file}:`) && /^.+:\d+:\d+: error: \S/.test(line));
    assert.ok(located.length > 0, `no located "file:line:col: error: …" line for ${file} on ${stream}\n${detail}`);
    // Deep flow nesting is refused before the YAML parser recurses, so even 50 000 `[` give the
    // depth diagnostic and never a stack overflow.
    const all = r.stdout + r.stderr;
    assert.doesNotMatch(all, /^\s+at /m, `stack trace\n${detail}`);
    assert.doesNotMatch(all, /TypeError|RangeError|ReferenceError|SyntaxError: Unexpected|Maximum call stack/, `crash\n${detail}`);
}

describe('bad input: deploy and lint refuse malformed compose files (real engine)', function () {
    this.timeout(180_000);

    let client: DockerClient;
    let dir: string;
    let initial: EngineObjects;
    const prefix = uniqueName('bad');
    const stacks: string[] = [];
    // The env the fixtures expect: interpolation-required.yml needs its variable unset; no .env.
    const env = { ...process.env };
    delete env.SWARM_STACKS_TEST_UNSET_TAG;

    before(async () => {
        assertFreshBundle();
        client = engineClient();
        await client.ping({ timeoutMs: 5000 });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-bad-'));
        initial = await engineObjects(client);
    });

    after(async function () {
        this.timeout(120_000);
        // Nothing should exist; remove whatever a failing run may have left all the same.
        const cleanup = new Cleanup(client);
        for (const s of stacks) cleanup.stack(s);
        try {
            await cleanup.run();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    const fixtures = fs
        .readdirSync(BAD_FIXTURES)
        .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
        .sort();

    it('has the committed corpus (at least 30 files)', () => assert.ok(fixtures.length >= 30, `${fixtures.length} files`));

    /** Runs deploy and lint on a batch of files, a few at a time. */
    async function check(files: string[]): Promise<void> {
        const failures: string[] = [];
        let next = 0;
        const worker = async () => {
            while (next < files.length) {
                const file = files[next++];
                const stack = `${prefix}-${stacks.length}`;
                stacks.push(stack);
                try {
                    const [deploy, lint] = await Promise.all([
                        swarmStacks(['deploy', '--no-dotenv', '--resolve-image', 'never', '-c', file, stack], { env, timeoutMs: PER_RUN_MS + 10_000 }),
                        swarmStacks(['lint', '--no-dotenv', '-c', file], { env, timeoutMs: PER_RUN_MS + 10_000 }),
                    ]);
                    assertLocatedFailure(`swarm-stacks deploy ${path.basename(file)}`, file, deploy, 'stderr');
                    assertLocatedFailure(`swarm-stacks lint ${path.basename(file)}`, file, lint, 'stdout');
                    assert.match(deploy.stderr, /nothing was deployed/, describeRun('deploy', deploy));
                } catch (error) {
                    failures.push(error instanceof Error ? error.message : String(error));
                }
            }
        };
        await Promise.all([worker(), worker(), worker()]);
        assert.deepStrictEqual(failures, [], failures.join('\n\n'));
    }

    it('every committed malformed file: exit 1, a located error, no stack trace', async () => {
        await check(fixtures.map((f) => path.join(BAD_FIXTURES, f)));
    });

    it('generated huge, binary, alias-bomb, deeply nested and many-keys files: the same', async () => {
        await check(generateMalformedInputs(dir));
    });

    it('left no new object in the engine', async () => {
        const after = await engineObjects(client);
        const known = (list: { name: string }[]) => new Set(list.map((o) => o.name));
        const ours = (o: { name: string; stack?: string }) => o.name.includes(prefix) || (o.stack ?? '').startsWith(prefix);
        const created: string[] = [];
        for (const kind of ['services', 'networks', 'secrets', 'configs'] as const) {
            const old = known(initial[kind]);
            for (const o of after[kind]) {
                // Objects of other test runs may come and go meanwhile; ours carry our prefix.
                if (!old.has(o.name) && ours(o)) created.push(`${kind}: ${o.name}`);
            }
        }
        assert.deepStrictEqual(created, []);
    });
});
