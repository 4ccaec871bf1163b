/**
 * The stack verbs of the command line before they reach the engine: stack names are refused before any request,
 * and the engine is chosen from the invocation's environment (CliIo.env), not the process's.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { EngineOptions } from '../../src/cli/io';
import type { StackEngine } from '../../src/core/stack/engine';
import { runCliCaptured, type CliRun } from './support/cli';

interface Run extends CliRun {
    connects: EngineOptions[];
}

/** Runs the CLI with an engine that records how it was asked for and refuses every request. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const connects: EngineOptions[] = [];
    // Every request is refused; reading ahead (optional) is not offered, as by an engine that cannot.
    const refusing = new Proxy({} as StackEngine, {
        get: (_target, name) => (name === 'readAhead' ? undefined : () => Promise.reject(new Error(`request ${String(name)} reached the engine`))),
    });
    const run = await runCliCaptured(args, {
        env,
        connect: (options) => {
            connects.push(options);
            return refusing;
        },
    });
    return { ...run, connects };
}

describe('swarm-stacks stack verbs: before the engine', () => {
    let dir: string;
    let compose: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-cli-verbs-'));
        compose = path.join(dir, 'docker-compose.yml');
        fs.writeFileSync(compose, 'services:\n  web:\n    image: nginx:1.25\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const verb of [['deploy', '-c', 'COMPOSE'], ['rm'], ['services'], ['ps'], ['convert', '-c', 'COMPOSE']]) {
        it(`${verb[0]} refuses an invalid stack name with a usage error and no request`, async () => {
            const args = [...verb.map((a) => (a === 'COMPOSE' ? compose : a)), 'Bad_Name!'];
            const r = await cli(args);
            assert.strictEqual(r.code, 2, r.stderr);
            assert.match(r.stderr, /invalid stack name "Bad_Name!": it must start with a letter or digit/);
            assert.deepStrictEqual(r.connects, []);
        });
    }

    it('deploy with a valid name goes on to the engine, asked for with the invocation\'s environment', async () => {
        const env = { DOCKER_HOST: 'unix:///tmp/sst-nowhere.sock', HOME: dir };
        const r = await cli(['deploy', '--no-dotenv', '-c', compose, '--host', 'unix:///tmp/sst-flag.sock', '--timeout', '3', 'prod'], env);
        assert.strictEqual(r.connects.length, 1);
        assert.strictEqual(r.connects[0].env, env);
        assert.strictEqual(r.connects[0].host, 'unix:///tmp/sst-flag.sock');
        assert.strictEqual(r.connects[0].timeoutMs, 3000);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /reached the engine/);
    });

    it('ls is asked for the environment\'s engine when there is no --host', async () => {
        const env = { DOCKER_HOST: 'tcp://127.0.0.1:1' };
        const r = await cli(['ls'], env);
        assert.strictEqual(r.connects.length, 1);
        assert.strictEqual(r.connects[0].env.DOCKER_HOST, 'tcp://127.0.0.1:1');
        assert.strictEqual(r.connects[0].host, undefined);
    });
});
