/**
 * Files a compose file names are read bounded and as regular files only: the reader itself, then `swarm-stacks lint`
 * over a project whose `.env`, `env_file:`, `configs:` `file:`, `haproxy.cfg` or compose file is a symlink to
 * /dev/zero, a FIFO or too large. Every case ends at once with a sentence naming the file.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { FileRefusedError, MAX_FILE_BYTES, checkFileSize, readBoundedFile } from '../../src/core/bounded-file';
import { lintCompose } from '../../src/core/stack/lint';
import { runCliCaptured } from './support/cli';

const COMPOSE = `services:
  web:
    image: nginx:\${TAG:-1}
    env_file: web.env
    configs: [site]
configs:
  site:
    file: ./site.conf
`;

describe('bounded reads of the files a compose file names', () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-bounded-'));
        fs.writeFileSync(path.join(dir, 'docker-compose.yml'), COMPOSE);
        fs.writeFileSync(path.join(dir, 'web.env'), 'A=1\n');
        fs.writeFileSync(path.join(dir, 'site.conf'), 'server {}\n');
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const at = (name: string): string => path.join(dir, name);
    const toDevZero = (name: string): void => {
        fs.rmSync(at(name), { force: true });
        fs.symlinkSync('/dev/zero', at(name));
    };
    const toFifo = (name: string): void => {
        fs.rmSync(at(name), { force: true });
        execFileSync('mkfifo', [at(name)]);
    };
    const oversized = (name: string): void => {
        fs.writeFileSync(at(name), Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
    };

    describe('readBoundedFile', () => {
        it('reads a regular file whole, up to the bound included', () => {
            fs.writeFileSync(at('full'), Buffer.alloc(MAX_FILE_BYTES, 0x62));
            assert.strictEqual(readBoundedFile(at('full')).length, MAX_FILE_BYTES);
            assert.strictEqual(Buffer.from(readBoundedFile(at('web.env'))).toString(), 'A=1\n');
        });

        it('refuses a symlink to /dev/zero without reading it', () => {
            toDevZero('.env');
            assert.throws(
                () => readBoundedFile(at('.env')),
                (e: unknown) => e instanceof FileRefusedError && e.code === 'ENOTREG' && e.message === `${at('.env')} is a character device, not a regular file: only regular files are read`,
            );
        });

        it('refuses a FIFO without waiting for a writer', () => {
            toFifo('web.env');
            assert.throws(() => readBoundedFile(at('web.env')), { message: `${at('web.env')} is a named pipe (FIFO), not a regular file: only regular files are read` });
        });

        it('refuses a file over the bound, naming it and the bound', () => {
            oversized('site.conf');
            assert.throws(() => readBoundedFile(at('site.conf')), { code: 'EFBIG', message: `${at('site.conf')} is larger than 4 MiB (${MAX_FILE_BYTES + 1} bytes): files are read up to 4 MiB` });
            assert.throws(() => readBoundedFile(at('web.env'), 2), { code: 'EFBIG', message: `${at('web.env')} is larger than 2 bytes (4 bytes): files are read up to 2 bytes` });
        });

        it('says a directory is a directory, as the Docker CLI does, and leaves other errors as Node gives them', () => {
            assert.throws(() => readBoundedFile(dir), { code: 'EISDIR', message: `read ${dir}: is a directory` });
            assert.throws(() => readBoundedFile(at('missing')), { code: 'ENOENT' });
        });

        it('holds text already in memory (an editor\'s document) to the same bound', () => {
            assert.doesNotThrow(() => checkFileSize(at('x'), MAX_FILE_BYTES));
            assert.throws(() => checkFileSize(at('x'), MAX_FILE_BYTES + 1), { code: 'EFBIG' });
        });
    });

    describe('swarm-stacks lint (and the same pipeline the editor and deploy run)', () => {
        async function lint(): Promise<{ code: number; out: string }> {
            const run = await runCliCaptured(['lint', '-c', at('docker-compose.yml')], { env: { HOME: '/home/u' } });
            return { code: run.code, out: run.stdout + run.stderr };
        }

        it('a clean project lints clean (the reads below fail only for the file they name)', async () => {
            assert.deepStrictEqual(await lint(), { code: 0, out: '' });
        });

        it('.env as a symlink to /dev/zero: an error naming it, at once', async () => {
            toDevZero('.env');
            const { code, out } = await lint();
            assert.strictEqual(code, 1);
            assert.match(out, new RegExp(`${escape(at('.env'))}.*: ${escape(at('.env'))} is a character device, not a regular file`));
        });

        it('env_file: as a FIFO: an error on the env_file line, without waiting for a writer', async () => {
            toFifo('web.env');
            const { code, out } = await lint();
            assert.strictEqual(code, 1);
            assert.match(out, new RegExp(`docker-compose.yml:4:\\d+: .*${escape(at('web.env'))} is a named pipe \\(FIFO\\), not a regular file`));
        });

        it('configs: file: over the bound: an error naming the file and the bound', async () => {
            oversized('site.conf');
            const { code, out } = await lint();
            assert.strictEqual(code, 1);
            assert.ok(out.includes(`${at('site.conf')} is larger than 4 MiB (${MAX_FILE_BYTES + 1} bytes): files are read up to 4 MiB`), out);
        });

        it('configs: file: as a symlink to /dev/zero', async () => {
            toDevZero('site.conf');
            const { code, out } = await lint();
            assert.strictEqual(code, 1);
            assert.ok(out.includes(`${at('site.conf')} is a character device, not a regular file`), out);
        });

        it('haproxy.cfg beside the file as a symlink to /dev/zero: a warning naming it', async () => {
            toDevZero('haproxy.cfg');
            const { code, out } = await lint();
            assert.strictEqual(code, 0);
            assert.ok(out.includes(`haproxy.cfg beside this file was not read: ${at('haproxy.cfg')} is a character device, not a regular file`), out);
        });

        it('the compose file itself as a symlink to /dev/zero, or too large', async () => {
            fs.renameSync(at('docker-compose.yml'), at('real.yml'));
            toDevZero('docker-compose.yml');
            let run = await lint();
            assert.strictEqual(run.code, 1);
            assert.ok(run.out.includes(`${at('docker-compose.yml')} is a character device, not a regular file`), run.out);
            fs.rmSync(at('docker-compose.yml'));
            fs.writeFileSync(at('docker-compose.yml'), `${COMPOSE}# ${'x'.repeat(MAX_FILE_BYTES)}\n`);
            run = await lint();
            assert.strictEqual(run.code, 1);
            assert.ok(run.out.includes(`${at('docker-compose.yml')} is larger than 4 MiB`), run.out);
        });

        it('the lint of an editor\'s text reads the files it names the same way', () => {
            toFifo('web.env');
            toDevZero('.env');
            const { diagnostics } = lintCompose([{ path: at('docker-compose.yml'), text: COMPOSE }], { env: {} });
            const messages = diagnostics.map((d) => d.message);
            assert.ok(messages.some((m) => m.includes(`${at('.env')} is a character device`)), messages.join('\n'));
            assert.ok(messages.some((m) => m.includes(`${at('web.env')} is a named pipe (FIFO)`)), messages.join('\n'));
        });
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
