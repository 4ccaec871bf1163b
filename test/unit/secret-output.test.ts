/**
 * A secret's content is never printed: not by `convert` (it shows the file, as `docker stack config` does), nor in
 * a plan, an error, a log line or a revision. Each output path is run with a secret whose text and base64 are
 * looked for in everything it wrote.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { runCliCaptured } from './support/cli';

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
});
