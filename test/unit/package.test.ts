/**
 * Packaging: `vsce package` with no flags makes the VSIX (no prompt: the manifest has its repository, and vsce's
 * options live in package.json), and the readme it ships shows the README's screenshots. The Extensions view
 * renders an installed extension's readme with only http(s) images allowed (no relative paths, no data:), so every
 * screenshot must be an https URL, and each must name a file the repository holds.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** One entry of a zip file, with the zip reader vsce itself uses. */
function readZipEntry(zipFile: string, entryName: string): Promise<string> {
    const yauzl = require(require.resolve('yauzl', { paths: [path.dirname(require.resolve('@vscode/vsce/package.json', { paths: [ROOT] }))] })) as {
        open(file: string, options: { lazyEntries: boolean }, callback: (error: Error | null, zip: YauzlZip) => void): void;
    };
    return new Promise((resolve, reject) => {
        yauzl.open(zipFile, { lazyEntries: true }, (error, zip) => {
            if (error) return reject(error);
            zip.on('entry', (entry: { fileName: string }) => {
                if (entry.fileName !== entryName) return zip.readEntry();
                zip.openReadStream(entry, (streamError, stream) => {
                    if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
                    const chunks: Buffer[] = [];
                    stream.on('data', (c: Buffer) => chunks.push(c));
                    stream.on('end', () => {
                        zip.close();
                        resolve(Buffer.concat(chunks).toString('utf8'));
                    });
                });
            });
            zip.on('end', () => reject(new Error(`${entryName} is not in ${zipFile}`)));
            zip.readEntry();
        });
    });
}

interface YauzlZip {
    on(event: 'entry', listener: (entry: { fileName: string }) => void): void;
    on(event: 'end', listener: () => void): void;
    readEntry(): void;
    close(): void;
    openReadStream(entry: { fileName: string }, callback: (error: Error | null, stream: NodeJS.ReadableStream | undefined) => void): void;
}

describe('packaging: vsce package with no flags', function () {
    this.timeout(300_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-vsix-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('makes the VSIX without a prompt, and its readme shows every README screenshot from an https URL of a file the repository holds', async () => {
        // vsce builds the bundle (vscode:prepublish) where it packages: in a copy of the work tree, so that the
        // checkout's dist/, which other tests run, is never rewritten under them.
        const copy = path.join(dir, 'tree');
        const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
        assert.strictEqual(listed.status, 0, listed.stderr);
        for (const file of listed.stdout.split('\0').filter((f) => f !== '' && fs.existsSync(path.join(ROOT, f)))) {
            fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(copy, file));
        }
        fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
        const vsix = path.join(dir, 'swarm-stacks.vsix');
        // --out only places the file; no flag changes what is packaged. stdin is closed: a prompt would fail the run.
        const r = spawnSync(process.execPath, [VSCE, 'package', '--out', vsix], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 280_000 });
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.doesNotMatch(`${r.stdout}${r.stderr}`, /WARNING|Do you want to continue/i);

        const readme = await readZipEntry(vsix, 'extension/readme.md');
        const source = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
        const relative = [...source.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((link) => !/^[a-z]+:/i.test(link));
        assert.ok(relative.length >= 3, `the README shows ${relative.length} screenshots`);
        const shipped = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
        assert.strictEqual(shipped.length, relative.length);
        for (const [i, url] of shipped.entries()) {
            assert.match(url, /^https:\/\//, `image ${i} of the packaged readme is not https: ${url}`);
            assert.ok(url.endsWith(`/${relative[i]}`), `${url} is not ${relative[i]}`);
            assert.ok(fs.existsSync(path.join(ROOT, relative[i])), `${relative[i]} is not in the repository`);
        }
    });
});
