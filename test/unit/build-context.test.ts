import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extract } from 'tar-stream';

import { createBuildContext, formatBytes, listContext, BuildContextError } from '../../src/core/build/context';
import { BuildFailedError, BuildProgressParser, cleanLine, formatFailure } from '../../src/core/build/progress';
import { runBuild, type BuildEngine } from '../../src/core/build/build';
import { appImageOfCompose, bumpTag, defaultBuildTag, imageNameFromFolder, tagOf, withTag } from '../../src/core/build/tag';
import { CancelledError } from '../../src/core/cancellation';
import type { BuildMessage } from '../../src/core/build/progress';

function makeTree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-ctx-'));
    for (const [rel, content] of Object.entries(files)) {
        const full = path.join(dir, rel);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
    }
    return dir;
}

/** Names and contents of the regular files in a tar stream. */
async function readTar(tar: NodeJS.ReadableStream | { pipe: (d: NodeJS.WritableStream) => unknown }): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const ex = extract();
    const done = new Promise<void>((resolve, reject) => {
        ex.on('entry', (header, stream, next) => {
            const chunks: Buffer[] = [];
            stream.on('data', (c: unknown) => chunks.push(c as Buffer));
            stream.on('end', () => {
                if (header.type === 'file') files.set(header.name, Buffer.concat(chunks).toString('utf8'));
                else files.set(`${header.name}/`, '');
                next();
            });
            stream.resume();
        });
        ex.on('finish', () => resolve());
        ex.on('error', reject);
    });
    tar.pipe(ex);
    await done;
    return files;
}

describe('build context (.dockerignore, tar)', () => {
    const dirs: string[] = [];
    const tree = (files: Record<string, string>): string => {
        const d = makeTree(files);
        dirs.push(d);
        return d;
    };
    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it('without .dockerignore sends every file, folders before their contents', () => {
        const dir = tree({ Dockerfile: 'FROM x\n', 'index.js': '1', 'lib/a.js': 'a' });
        const ctx = listContext(dir);
        assert.deepStrictEqual(ctx.entries, ['Dockerfile', 'index.js', 'lib', 'lib/a.js']);
        assert.strictEqual(ctx.fileCount, 3);
        assert.strictEqual(ctx.dockerfile, 'Dockerfile');
        assert.strictEqual(ctx.excluded, 0);
    });

    it('leaves ignored files out of the tar, honours ! exceptions, always sends Dockerfile and .dockerignore', async () => {
        const dir = tree({
            Dockerfile: 'FROM x\n',
            '.dockerignore': 'Dockerfile\n.dockerignore\nnode_modules\n*.log\ndocs\n!docs/keep.md\nsecret.txt\n',
            'index.js': 'console.log(1)',
            'node_modules/dep/index.js': 'dep',
            'debug.log': 'log',
            'sub/deep.log': 'not matched by *.log (root only)',
            'docs/a.md': 'a',
            'docs/keep.md': 'keep',
            'secret.txt': 'secret',
        });
        const { context, tar } = createBuildContext(dir);
        const files = await readTar(tar);
        const names = [...files.keys()].filter((n) => !n.endsWith('/')).sort();
        assert.deepStrictEqual(names, ['.dockerignore', 'Dockerfile', 'docs/keep.md', 'index.js', 'sub/deep.log']);
        assert.strictEqual(files.get('index.js'), 'console.log(1)');
        assert.strictEqual(files.get('Dockerfile'), 'FROM x\n');
        assert.ok(!context.entries.includes('docs'), 'the excluded folder itself is not sent');
        assert.ok(!context.entries.some((e) => e.startsWith('node_modules')));
        assert.ok(context.excluded >= 4);
    });

    it('leaves out files excluded with backslash escapes (POSIX rules)', async () => {
        const dir = tree({
            Dockerfile: 'FROM x\n',
            '.dockerignore': '\\#secret.txt\nmy\\ secret.txt\n\\[draft\\].md\n\\!important.txt\n',
            '#secret.txt': 'hash',
            'my secret.txt': 'space',
            '[draft].md': 'bracket',
            '!important.txt': 'bang',
            'd.md': 'kept: the brackets are escaped',
            'index.js': '1',
        });
        const { context, tar } = createBuildContext(dir, { flavour: 'posix' });
        const names = [...(await readTar(tar)).keys()].sort();
        assert.deepStrictEqual(names, ['.dockerignore', 'Dockerfile', 'd.md', 'index.js']);
        assert.strictEqual(context.excluded, 4);
    });

    it('refuses a .dockerignore docker refuses, naming the file and line', () => {
        const bang = tree({ Dockerfile: 'FROM x', '.dockerignore': '# keep out\nsecret\n!\n', secret: 's' });
        assert.throws(
            () => listContext(bang, { flavour: 'posix' }),
            (e: unknown) => e instanceof BuildContextError && e.message.startsWith(`${path.join(bang, '.dockerignore')} line 3: `) && /only "!"/.test(e.message),
        );
        const bracket = tree({ Dockerfile: 'FROM x', '.dockerignore': 'a\n[Local-Only]\n' });
        assert.throws(() => listContext(bracket, { flavour: 'posix' }), /\.dockerignore line 2: the pattern "\[Local-Only\]" is malformed/);
    });

    it('a later pattern wins over an earlier exception', () => {
        const dir = tree({ Dockerfile: 'FROM x', '.dockerignore': '*.md\n!README.md\nREADME.md\n', 'README.md': 'r', 'CHANGES.md': 'c', 'a.js': '' });
        assert.deepStrictEqual(listContext(dir).entries, ['.dockerignore', 'Dockerfile', 'a.js']);
    });

    it('a folder excluded with an exception below it is walked; ** patterns match at any depth', () => {
        const dir = tree({
            Dockerfile: 'FROM x',
            '.dockerignore': '**/*.tmp\nassets\n!assets/img/logo.png\n',
            'a.tmp': '',
            'src/b.tmp': '',
            'src/b.js': '',
            'assets/img/logo.png': 'png',
            'assets/img/other.png': 'png',
            'assets/css/x.css': '',
        });
        const ctx = listContext(dir);
        assert.deepStrictEqual(ctx.entries.filter((e) => !['src', 'assets/img'].includes(e)), ['.dockerignore', 'Dockerfile', 'assets/img/logo.png', 'src/b.js']);
    });

    it('a Dockerfile given with -f inside the folder is always sent under its path', () => {
        const dir = tree({ 'docker/app.Dockerfile': 'FROM x', '.dockerignore': 'docker\n', 'index.js': '' });
        const ctx = listContext(dir, { dockerfile: 'docker/app.Dockerfile' });
        assert.strictEqual(ctx.dockerfile, 'docker/app.Dockerfile');
        assert.ok(ctx.entries.includes('docker/app.Dockerfile'));
    });

    it('a Dockerfile outside the folder is appended under a hidden name', async () => {
        const outside = tree({ 'Other.Dockerfile': 'FROM outside\n' });
        const dir = tree({ 'index.js': 'x' });
        const { context, tar } = createBuildContext(dir, { dockerfile: path.join(outside, 'Other.Dockerfile') });
        assert.match(context.dockerfile, /^\.dockerfile\.[0-9a-f]{20}$/);
        const files = await readTar(tar);
        assert.strictEqual(files.get(context.dockerfile), 'FROM outside\n');
        assert.strictEqual(files.get('index.js'), 'x');
    });

    it('refuses a missing Dockerfile, a missing folder and a too big context', () => {
        const dir = tree({ 'index.js': '' });
        assert.throws(() => listContext(dir), BuildContextError);
        assert.throws(() => listContext(path.join(dir, 'nope')), /not a folder/);
        const big = tree({ Dockerfile: 'FROM x', 'a/1': '', 'a/2': '', 'a/3': '' });
        assert.throws(() => listContext(big, { maxEntries: 3 }), /more than 3 entries/);
    });

    it('formats sizes', () => {
        assert.strictEqual(formatBytes(999), '999 B');
        assert.strictEqual(formatBytes(1500), '1.5 kB');
        assert.strictEqual(formatBytes(25_000_000), '25 MB');
    });
});

describe('build progress', () => {
    const ok: BuildMessage[] = [
        { stream: 'Step 1/3 : FROM swarm-stacks-testbed/node:20\n' },
        { stream: ' ---> 3b246d371c17\n' },
        { stream: 'Step 2/3 : COPY index.js ./\n' },
        { stream: ' ---> Using cache\n ---> 1a2b3c\n' },
        { stream: 'Step 3/3 : CMD ["node", "index.js"]\n' },
        { stream: ' ---> Running in abc\n' },
        { aux: { ID: 'sha256:feedbeef' } },
        { stream: 'Successfully built feedbeef0000\n' },
        { stream: 'Successfully tagged app:v1\n' },
    ];

    it('reads steps, output lines, the image ID and tags', () => {
        const p = new BuildProgressParser();
        const events = ok.flatMap((m) => p.push(m));
        assert.deepStrictEqual(
            p.steps.map((s) => [s.index, s.total, s.instruction]),
            [
                [1, 3, 'FROM swarm-stacks-testbed/node:20'],
                [2, 3, 'COPY index.js ./'],
                [3, 3, 'CMD ["node", "index.js"]'],
            ],
        );
        assert.strictEqual(p.imageId, 'sha256:feedbeef');
        assert.deepStrictEqual(p.tags, ['app:v1']);
        assert.deepStrictEqual(p.steps[1]?.output, [' ---> Using cache', ' ---> 1a2b3c']);
        assert.strictEqual(events.filter((e) => e.kind === 'step').length, 3);
        assert.strictEqual(p.failure, undefined);
    });

    it('joins lines split across messages and strips ANSI and carriage returns', () => {
        const p = new BuildProgressParser();
        p.push({ stream: 'Step 1/1 : RUN x\nhal' });
        p.push({ stream: 'f a line\n\x1b[32mgreen\x1b[0m\n10%\r50%\r100%' });
        p.end();
        assert.deepStrictEqual(p.steps[0]?.output, ['half a line', 'green', '100%']);
        assert.strictEqual(cleanLine('a\r\n'), 'a');
    });

    it('reports the failing step with its output', () => {
        const p = new BuildProgressParser();
        for (const m of [
            { stream: 'Step 1/2 : FROM x\n' },
            { stream: 'Step 2/2 : RUN npm ci\n' },
            { stream: ' ---> Running in 123\n' },
            { stream: 'npm ERR! missing package-lock.json\n' },
            { error: "The command '/bin/sh -c npm ci' returned a non-zero code: 1", errorDetail: { code: 1, message: "The command '/bin/sh -c npm ci' returned a non-zero code: 1" } },
        ] as BuildMessage[]) {
            p.push(m);
        }
        assert.ok(p.failure);
        assert.strictEqual(p.failure.step?.index, 2);
        const text = formatFailure(p.failure);
        assert.match(text, /^The build failed at Step 2\/2 : RUN npm ci: The command '\/bin\/sh -c npm ci' returned a non-zero code: 1\n/);
        assert.match(text, /npm ERR! missing package-lock.json$/);
        assert.doesNotMatch(text, /Running in/);
    });

    it('an error before any step has no step', () => {
        const p = new BuildProgressParser();
        p.push({ error: 'dockerfile parse error line 1: unknown instruction: FORM' });
        assert.strictEqual(formatFailure(p.failure!), 'The build failed: dockerfile parse error line 1: unknown instruction: FORM');
    });
});

describe('runBuild (fake engine)', () => {
    let dir: string;
    before(() => {
        dir = makeTree({ Dockerfile: 'FROM x\n', 'index.js': '1', '.dockerignore': 'secret\n', secret: 's' });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function engine(messages: BuildMessage[], seen: { files?: Map<string, string>; params?: unknown }, waitForAbort = false): BuildEngine {
        return {
            async buildImage(tar, params, signal) {
                seen.params = params;
                seen.files = await readTar(tar);
                return (async function* () {
                    for (const m of messages) yield m;
                    if (waitForAbort && signal) {
                        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));
                    }
                })();
            },
        };
    }

    it('sends the filtered context with the tags and returns the image ID', async () => {
        const seen: { files?: Map<string, string>; params?: unknown } = {};
        const steps: string[] = [];
        const result = await runBuild(engine([{ stream: 'Step 1/1 : FROM x\n' }, { aux: { ID: 'sha256:abc' } }], seen), {
            dir,
            tags: ['app:v1', 'app:latest'],
            onEvent: (e) => e.kind === 'step' && steps.push(e.step.instruction),
        });
        assert.strictEqual(result.imageId, 'sha256:abc');
        assert.deepStrictEqual(seen.params, { t: ['app:v1', 'app:latest'], dockerfile: 'Dockerfile' });
        assert.deepStrictEqual([...seen.files!.keys()].sort(), ['.dockerignore', 'Dockerfile', 'index.js']);
        assert.deepStrictEqual(steps, ['FROM x']);
    });

    it('throws BuildFailedError on a failing step', async () => {
        await assert.rejects(
            runBuild(engine([{ stream: 'Step 1/1 : RUN false\n' }, { error: 'returned a non-zero code: 1' }], {}), { dir, tags: ['a:b'] }),
            (e: unknown) => e instanceof BuildFailedError && /Step 1\/1 : RUN false/.test(e.message),
        );
    });

    it('throws CancelledError when cancelled', async () => {
        const controller = new AbortController();
        const promise = runBuild(engine([{ stream: 'Step 1/1 : RUN sleep 100\n' }], {}, true), {
            dir,
            tags: ['a:b'],
            signal: controller.signal,
            onEvent: (e) => e.kind === 'step' && controller.abort(),
        });
        await assert.rejects(promise, CancelledError);
    });
});

describe('build tags', () => {
    it('names an image after a folder', () => {
        assert.strictEqual(imageNameFromFolder('My App_1'), 'my-app_1:latest');
        assert.strictEqual(imageNameFromFolder('---'), 'app:latest');
    });

    it('takes the app image of a compose file, not the proxy', () => {
        const compose = 'services:\n  proxy:\n    image: haproxy:2.6\n  web:\n    image: myweb:latest\n';
        assert.strictEqual(appImageOfCompose(compose, '/p', '/p'), 'myweb:latest');
        const withBuild = 'services:\n  a:\n    image: other\n  b:\n    image: built:1\n    build: ./b\n';
        assert.strictEqual(appImageOfCompose(withBuild, '/p', '/p/b'), 'built:1');
        assert.strictEqual(appImageOfCompose(': not yaml: [', '/p', '/p'), undefined);
    });

    it('defaults to the compose image next to the Dockerfile, else <folder>:latest', () => {
        const files: Record<string, string> = { '/x/proj/docker-compose.yaml': 'services:\n  app:\n    image: demo\n' };
        assert.strictEqual(defaultBuildTag('/x/proj', (f) => files[f]), 'demo:latest');
        assert.strictEqual(defaultBuildTag('/x/Other', () => undefined), 'other:latest');
    });

    it('bumps tags in the v2 style', () => {
        assert.strictEqual(bumpTag('app'), 'app:v2');
        assert.strictEqual(bumpTag('app:latest'), 'app:v2');
        assert.strictEqual(bumpTag('app:v2'), 'app:v3');
        assert.strictEqual(bumpTag('reg:5000/app:1.9'), 'reg:5000/app:1.10');
        assert.strictEqual(bumpTag('app:stable'), 'app:stable-v2');
        assert.strictEqual(tagOf('reg:5000/app'), undefined);
        assert.strictEqual(withTag('reg:5000/app'), 'reg:5000/app:latest');
    });
});
