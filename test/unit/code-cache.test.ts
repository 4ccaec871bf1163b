import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Each run is a fresh process, as each command is: the cache is written at exit.
const CODE_CACHE = path.join(__dirname, '..', '..', 'src', 'cli', 'code-cache.js');

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

describe('code cache of the command line bundle (src/cli/code-cache.ts)', function () {
    this.timeout(60_000);
    let dir: string;
    let bundle: string;
    let cacheDir: string;

    /** Runs `bundle` through runCached in a new Node process; prints the outcome on stderr. */
    function run(key: string | undefined, exitCode = 0, env: NodeJS.ProcessEnv = {}): Run {
        const runner = [
            `const { runCached } = require(${JSON.stringify(CODE_CACHE)});`,
            `const report = runCached({ bundle: ${JSON.stringify(bundle)}, cacheDir: ${JSON.stringify(cacheDir)}, key: ${JSON.stringify(key)}, mayStore: () => !process.exitCode });`,
            'process.stderr.write(`outcome ${report.bundle}\\n`);',
            "process.on('exit', () => { for (const [request, outcome] of report.modules) process.stderr.write(`module ${request} ${outcome}\\n`); });",
            `process.exitCode = ${exitCode};`,
        ].join('\n');
        const result = spawnSync(process.execPath, ['-e', runner], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }
    const outcome = (r: Run): string | undefined => /outcome (\w+)/.exec(r.stderr)?.[1];
    const moduleOutcome = (r: Run): string | undefined => /module \.\/parts\/part_1\.js (\w+)/.exec(r.stderr)?.[1];

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-code-cache-'));
        bundle = path.join(dir, 'bundle.js');
        cacheDir = path.join(dir, 'cache');
        fs.writeFileSync(path.join(dir, 'helper.js'), 'module.exports = "helper beside the bundle";\n');
        fs.mkdirSync(path.join(dir, 'parts'));
        fs.writeFileSync(path.join(dir, 'parts', 'part_1.js'), 'exports.name = () => `part ${require("path").basename(__dirname)}`;\n');
        // Like the real bundle: CommonJS, require() relative to itself, __dirname, and functions compiled lazily.
        fs.writeFileSync(
            bundle,
            [
                '"use strict";',
                'const path = require("path");',
                'function greet(name) { return `hello ${name}`; }',
                'process.stdout.write(`${greet("AAAA")} ${require("./helper.js")} ${path.relative(__dirname, __filename)} ${typeof module.exports}\\n`);',
            ].join('\n'),
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('runs the bundle as require would, stores a cache at the first successful exit and uses it next time', () => {
        const first = run('ls');
        assert.equal(first.status, 0, first.stderr);
        assert.equal(first.stdout, 'hello AAAA helper beside the bundle bundle.js object\n');
        assert.equal(outcome(first), 'none');
        assert.ok(fs.statSync(path.join(cacheDir, 'ls.v8')).size > 0);
        const second = run('ls');
        assert.equal(second.stdout, first.stdout);
        assert.equal(outcome(second), 'used');
    });

    it('stores the cache again at the end of the first three successful runs, each adding what it compiled', () => {
        // The second run takes another path than the first, as an unchanged deploy does after the first deploy.
        fs.appendFileSync(bundle, '\nif (process.env.OTHER_PATH) { const other = () => "other path"; process.stdout.write(other() + "\\n"); }\n');
        const storedRuns = (): string => /(\d+)\n/.exec(fs.readFileSync(path.join(cacheDir, 'deploy.v8'), 'latin1'))?.[1] ?? '';
        run('deploy');
        assert.equal(storedRuns(), '1');
        const firstSize = fs.statSync(path.join(cacheDir, 'deploy.v8')).size;
        assert.equal(outcome(run('deploy', 0, { OTHER_PATH: '1' })), 'used');
        assert.equal(storedRuns(), '2');
        assert.ok(fs.statSync(path.join(cacheDir, 'deploy.v8')).size > firstSize, 'the second run added the function it compiled');
        run('deploy');
        assert.equal(storedRuns(), '3');
        const stored = fs.readFileSync(path.join(cacheDir, 'deploy.v8'));
        const fourth = run('deploy', 0, { OTHER_PATH: '1' });
        assert.equal(outcome(fourth), 'used');
        assert.match(fourth.stdout, /other path/);
        assert.deepEqual(fs.readFileSync(path.join(cacheDir, 'deploy.v8')), stored, 'later runs only read the cache');
    });

    it('keeps one cache per verb and names --version and version alike', () => {
        run('ls');
        run('--version');
        assert.deepEqual(fs.readdirSync(cacheDir).sort(), ['helper.js.v8', 'ls.v8', 'version.v8']);
        assert.equal(outcome(run('version')), 'used');
        assert.equal(outcome(run('lint')), 'none');
    });

    it('never runs a cache made from another bundle, even one of the same length (V8 checks only the length)', () => {
        run('ls');
        // Same length, other code, and a modification time of its own.
        fs.writeFileSync(bundle, fs.readFileSync(bundle, 'utf8').replace('AAAA', 'BBBB'));
        const later = new Date(Date.now() + 5_000);
        fs.utimesSync(bundle, later, later);
        const changed = run('ls');
        assert.equal(outcome(changed), 'stale');
        assert.match(changed.stdout, /^hello BBBB /);
        // The stale cache was replaced by one of the new bundle.
        assert.equal(outcome(run('ls')), 'used');
    });

    it('stores nothing for a run that fails, nor for a key that is not a verb', () => {
        const failed = run('deploy', 1);
        assert.equal(failed.status, 1);
        assert.equal(outcome(failed), 'none');
        assert.equal(fs.existsSync(cacheDir), false);
        // The module the bundle requires has a cache of its own; the bundle has none without a verb.
        for (const key of [undefined, '../x', 'Stack_Name', 'a'.repeat(40)]) assert.equal(outcome(run(key)), 'off');
        assert.deepEqual(fs.readdirSync(cacheDir), ['helper.js.v8']);
    });

    it('gives a module of its folder that the bundle requires a cache of its own, whatever the verb', () => {
        fs.appendFileSync(bundle, '\nif (process.env.WITH_PART) process.stdout.write(require("./parts/part_1.js").name() + " " + (require("./parts/part_1.js") === require("./parts/part_1.js")) + "\\n");\n');
        const env = { WITH_PART: '1' };
        const first = run('lint', 0, env);
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stdout, /\npart parts true\n$/);
        assert.equal(moduleOutcome(first), 'none');
        assert.deepEqual(fs.readdirSync(cacheDir).sort(), ['helper.js.v8', 'lint.v8', 'parts-part_1.js.v8']);
        const second = run('deploy', 0, env);
        assert.equal(outcome(second), 'none');
        assert.equal(moduleOutcome(second), 'used');
        assert.equal(second.stdout, first.stdout);
        // The module rebuilt: its cache is made again, the bundle's stays.
        fs.writeFileSync(path.join(dir, 'parts', 'part_1.js'), 'exports.name = () => "part rebuilt";\n');
        const rebuilt = run('lint', 0, env);
        assert.equal(outcome(rebuilt), 'used');
        assert.equal(moduleOutcome(rebuilt), 'stale');
        assert.match(rebuilt.stdout, /\npart rebuilt true\n$/);
        assert.equal(moduleOutcome(run('lint', 0, env)), 'used');
    });

    it('runs without a cache when the cache cannot be written or read back', () => {
        // A file where the folder should be: nothing can be stored.
        fs.writeFileSync(cacheDir, 'not a folder');
        const unwritable = run('ls');
        assert.equal(unwritable.status, 0, unwritable.stderr);
        assert.match(unwritable.stdout, /^hello AAAA /);
        assert.equal(outcome(run('ls')), 'none');
        fs.rmSync(cacheDir);
        // A damaged cache behind a valid header: V8 refuses it, the bundle runs, and a good cache replaces it.
        run('ls');
        const file = path.join(cacheDir, 'ls.v8');
        const stored = fs.readFileSync(file);
        const headerEnd = stored.indexOf(0x0a) + 1;
        fs.writeFileSync(file, Buffer.concat([stored.subarray(0, headerEnd), Buffer.alloc(stored.length - headerEnd, 7)]));
        const damaged = run('ls');
        assert.equal(damaged.status, 0, damaged.stderr);
        assert.equal(outcome(damaged), 'rejected');
        assert.match(damaged.stdout, /^hello AAAA /);
        assert.equal(outcome(run('ls')), 'used');
        assert.deepEqual(fs.readdirSync(cacheDir).sort(), ['helper.js.v8', 'ls.v8']);
    });
});
