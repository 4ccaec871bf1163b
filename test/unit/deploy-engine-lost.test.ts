/**
 * The engine is lost in the middle of a many-service deploy: `swarm-stacks deploy` says so once, sends no further
 * request, then gives the applied / not applied summary (a scripted engine that stops answering after N creates).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runCliCaptured, scriptedEmptySwarm } from './support/cli';

const SERVICES = 60;
const ANSWERED = 12;

/** An empty single-node swarm whose socket goes away after `answered` service creates. */
function engineLostAfter(answered: number) {
    const calls = { created: 0, refused: 0 };
    const lost = () => Object.assign(new Error('Cannot connect to the Docker daemon at unix:///scripted.sock: the socket is gone. Is the docker daemon running?'), { kind: 'unreachable' });
    const engine = scriptedEmptySwarm({
        createService: async () => {
            if (calls.created >= answered) {
                calls.refused++;
                throw lost();
            }
            calls.created++;
            return { id: `s${calls.created}`, warnings: [] };
        },
    });
    return { engine, calls };
}

describe('deploy: the engine lost part-way', () => {
    let dir: string;
    let compose: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-engine-lost-'));
        compose = path.join(dir, 'docker-compose.yml');
        const services = Array.from({ length: SERVICES }, (_, i) => `  s${String(i).padStart(3, '0')}:\n    image: nginx:1.25\n`).join('');
        fs.writeFileSync(compose, `services:\n${services}`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('states the loss once, stops sending requests, then says what was applied and what was not', async () => {
        const { engine, calls } = engineLostAfter(ANSWERED);
        const { code, stderr: err } = await runCliCaptured(['deploy', '--no-dotenv', '--resolve-image', 'never', '-c', compose, 'prod'], { connect: () => engine });

        assert.strictEqual(code, 1, err);
        const lines = err.split('\n').filter((l) => l !== '');
        const lostLines = lines.filter((l) => l.includes('Cannot connect to the Docker daemon'));
        assert.deepStrictEqual(lostLines, ['swarm-stacks: Lost the engine part-way: Cannot connect to the Docker daemon at unix:///scripted.sock: the socket is gone. Is the docker daemon running?']);
        assert.doesNotMatch(err, /failed to create service/);
        // Only the requests already in flight when the engine went away (at most the deploy's concurrency) failed.
        assert.ok(calls.refused >= 1 && calls.refused <= 4, `${calls.refused} requests after the loss`);

        const applied = lines.find((l) => l.startsWith('Applied: '));
        const notApplied = lines.find((l) => l.startsWith('Not applied: '));
        assert.ok(applied && notApplied, err);
        assert.strictEqual((applied.match(/create service prod_s\d+/g) ?? []).length, ANSWERED);
        assert.match(applied, /create network prod_default/);
        assert.strictEqual((notApplied.match(/create service prod_s\d+/g) ?? []).length, SERVICES - ANSWERED);
        assert.match(lines[lines.length - 1], /Deploying again continues from what the engine now holds/);
    });
});
