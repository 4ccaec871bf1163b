/**
 * A secret's content is never printed: not by `convert` (it shows the file, as `docker stack config` does), nor in
 * a plan, an error, a log line or a revision. Each output path is run with a secret whose text and base64 are
 * looked for in everything it wrote.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { gunzipSync } from 'node:zlib';

import type { ConfigSpec, SecretSpec, Service, ServiceSpec } from '../../src/core/specs';
import { runCliCaptured, scriptedEmptySwarm } from './support/cli';
// Registers diff and history (the command line's entry loads these modules).

const SECRET_TEXT = 'hunter2-correct-horse-748201';
const SECRET_BASE64 = Buffer.from(SECRET_TEXT).toString('base64');

function assertNoSecret(text: string, where: string): void {
    assert.ok(!text.includes(SECRET_TEXT), `${where} shows the secret's text:\n${text}`);
    assert.ok(!text.includes(SECRET_BASE64), `${where} shows the secret's base64:\n${text}`);
}

describe('secret data is never printed', () => {
    let dir: string;
    let compose: string;
    let secretFile: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-secret-output-'));
        compose = path.join(dir, 'docker-compose.yml');
        secretFile = path.join(dir, 'db_password.txt');
        fs.writeFileSync(secretFile, SECRET_TEXT);
        fs.writeFileSync(
            compose,
            'services:\n  web:\n    image: nginx:1.25\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./db_password.txt\n  vault:\n    driver: vault\n',
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('convert shows a file-backed secret by its file, without SecretSpec.Data; a driver secret by its driver', async () => {
        const r = await runCliCaptured(['convert', '--no-dotenv', '-c', compose, 'prod']);
        assert.equal(r.code, 0, r.stderr);
        assertNoSecret(r.stdout + r.stderr, 'convert');
        const printed = JSON.parse(r.stdout) as { secrets: { key: string; name: string; file?: string; spec: Record<string, unknown> }[] };
        assert.deepEqual(
            printed.secrets.map((s) => [s.key, s.name, s.file, 'Data' in s.spec]),
            [
                ['db_password', 'prod_db_password', secretFile, false],
                ['vault', 'prod_vault', undefined, false],
            ],
        );
        assert.deepEqual(printed.secrets[1].spec.Driver, { Name: 'vault' });
    });

    /** A scripted swarm that records what it was sent: created secrets, services and the revision config. */
    function recordingSwarm(options: { secretFails?: boolean } = {}) {
        const sent = { secrets: [] as SecretSpec[], revisions: [] as string[] };
        const services: Service[] = [];
        const engine = scriptedEmptySwarm({
            createSecret: async (spec: SecretSpec) => {
                if (options.secretFails) throw Object.assign(new Error('Error response from daemon: rpc error: code = InvalidArgument desc = secret data must be larger than 0 and less than 500 KB'), { kind: 'daemon', statusCode: 400 });
                sent.secrets.push(spec);
                return { id: `sec${sent.secrets.length}` };
            },
            createService: async (spec: ServiceSpec) => {
                services.push({ ID: `svc${services.length + 1}`, Version: { Index: 1 }, Spec: spec } as Service);
                return { id: `svc${services.length}`, warnings: [] };
            },
            listServices: async () => services,
            createConfig: async (spec: ConfigSpec) => {
                sent.revisions.push(gunzipSync(Buffer.from(spec.Data ?? '', 'base64')).toString('utf8'));
                return { id: 'rev' };
            },
        });
        return { engine, sent };
    }

    const deployArgs = (...extra: string[]) => ['deploy', '--resolve-image', 'never', '--no-dotenv', ...extra, '-c', compose, 'prod'];

    it('deploy: its plan, progress and revision hold no secret data, though the secret is sent to the engine', async () => {
        const keyDir = path.join(dir, 'config');
        for (const extra of [['--dry-run'], ['--dry-run', '--rotate-configs'], [], ['--rotate-configs']]) {
            const { engine, sent } = recordingSwarm();
            const r = await runCliCaptured(deployArgs(...extra), { connect: () => engine, env: { SWARM_STACKS_CONFIG_DIR: keyDir } });
            assert.equal(r.code, 0, r.stderr);
            assertNoSecret(r.stdout + r.stderr, `deploy ${extra.join(' ')}`);
            if (extra.includes('--dry-run')) {
                assert.match(r.stdout, /^secret prod_db_password: create/m);
                continue;
            }
            // The test can see the data where it belongs: in the request that creates the secret.
            assert.equal(sent.secrets.find((s) => s.Name.startsWith('prod_db_password'))?.Data, SECRET_BASE64);
            assert.equal(sent.revisions.length, 1);
            assertNoSecret(sent.revisions[0], 'the revision');
        }
    });

    it('deploy: an engine that refuses the secret gives an error without its data', async () => {
        const { engine } = recordingSwarm({ secretFails: true });
        const r = await runCliCaptured(deployArgs(), { connect: () => engine });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /secret prod_db_password/);
        assertNoSecret(r.stdout + r.stderr, 'a failed deploy');
    });

    it('diff: the plan it prints holds no secret data', async () => {
        const { engine } = recordingSwarm();
        const r = await runCliCaptured(['diff', '--resolve-image', 'never', '--no-dotenv', '-c', compose, 'prod'], { connect: () => engine, env: { SWARM_STACKS_CONFIG_DIR: path.join(dir, 'config') } });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /^secret prod_db_password: create/m);
        assertNoSecret(r.stdout + r.stderr, 'diff');
    });
});
