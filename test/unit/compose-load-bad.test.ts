/**
 * Corpus of malformed compose files (test/fixtures/bad, table in its README.md): each gives a located
 * error with the expected code, line and message through the lint pipeline, and validation never throws.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadCompose, validateComposeText } from '../../src/core/compose/load';
import { lintCompose } from '../../src/core/stack/lint';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BAD = path.join(ROOT, 'test', 'fixtures', 'bad');

interface Row {
    file: string;
    line: number;
    code: string;
    message: string;
}

function readTable(): Row[] {
    const md = fs.readFileSync(path.join(BAD, 'README.md'), 'utf8');
    const rows: Row[] = [];
    for (const line of md.split('\n')) {
        const m = /^\| `([^`]+)` \| (\d+) \| `([^`]+)` \| (.*) \|$/.exec(line);
        if (m) rows.push({ file: m[1], line: Number(m[2]), code: m[3], message: m[4].replace(/\\\|/g, '|') });
    }
    return rows;
}

describe('compose load: malformed files (test/fixtures/bad)', function () {
    // generous for busy machines
    this.timeout(30_000);
    const rows = readTable();
    const env = { HOME: '/home/u' };

    it('the README table lists every file of the folder (at least 30)', () => {
        const files = fs.readdirSync(BAD).filter((f) => f.endsWith('.yml')).sort();
        assert.deepStrictEqual(rows.map((r) => r.file).sort(), files);
        assert.ok(rows.length >= 30, `only ${rows.length} files`);
    });

    for (const row of rows) {
        it(`${row.file}: ${row.code} at line ${row.line}`, () => {
            const file = path.join(BAD, row.file);
            let res: ReturnType<typeof lintCompose> | undefined;
            assert.doesNotThrow(() => {
                res = lintCompose([file], { env, dotEnv: false });
            });
            const r = res!;
            assert.strictEqual(r.specs, undefined, 'no specs when there are errors');
            if (row.code !== 'conversion') assert.strictEqual(r.load.config, undefined, 'the loader finds this one: config must be undefined');
            const errors = r.diagnostics.filter((d) => d.severity === 'error');
            assert.ok(errors.length > 0, 'expected an error');
            const first = errors[0];
            assert.strictEqual(first.file, file);
            assert.strictEqual(first.code, row.code, JSON.stringify(first));
            assert.strictEqual(first.range.start.line + 1, row.line, JSON.stringify(first));
            const msg = first.message.split(BAD + path.sep).join('');
            assert.ok(msg.includes(row.message), `message ${JSON.stringify(msg)} does not contain ${JSON.stringify(row.message)}`);
            for (const d of r.diagnostics) {
                assert.ok(d.range.start.line >= 0 && d.range.start.character >= 0 && d.range.end.line >= d.range.start.line, JSON.stringify(d));
                assert.ok(['error', 'warning', 'info'].includes(d.severity));
                assert.ok(typeof d.code === 'string' && d.code !== '');
            }
            // the live-editor entry point gives the same first error and does not throw either
            const text = fs.readFileSync(file, 'latin1');
            assert.doesNotThrow(() => validateComposeText(file, text, { env, dotEnv: false }));
        });
    }

    it('a file over 4 MiB is refused without parsing (generated)', () => {
        const big = 'services:\n  web:\n    image: nginx\nx-pad: |\n' + '  0123456789012345678901234567890123456789012345678901234567890123456789\n'.repeat(62_000);
        const r = loadCompose([{ path: '/tmp/huge.yml', text: big }], { env: {}, dotEnv: false });
        assert.strictEqual(r.parsed.get('/tmp/huge.yml'), undefined, 'not parsed');
        const e = r.diagnostics.find((d) => d.code === 'file-too-large');
        assert.ok(e, JSON.stringify(r.diagnostics));
        assert.strictEqual(e.range.start.line, 0);
        assert.match(e.message, /^\/tmp\/huge.yml is larger than 4 MiB \(\d+ bytes\): files are read up to 4 MiB$/);
    });

    it('a mapping with more than 10000 keys is refused (generated)', () => {
        let text = 'services:\n  web:\n    image: nginx\n    labels:\n';
        for (let i = 0; i < 10_001; i++) text += `      k${i}: v\n`;
        const r = loadCompose([{ path: '/tmp/keys.yml', text }], { env: {}, dotEnv: false });
        const e = r.diagnostics.find((d) => d.code === 'limit-keys');
        assert.ok(e, JSON.stringify(r.diagnostics.slice(0, 3)));
        assert.strictEqual(e.range.start.line, 4);
    });

    it('random garbage never throws', () => {
        let seed = 42;
        const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
        const alphabet = 'ab:- \n\t{}[]&*!|>"\'$%#@,?0123456789.~\\';
        for (let n = 0; n < 300; n++) {
            let s = '';
            const len = Math.floor(rnd() * 200);
            for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
            assert.doesNotThrow(() => validateComposeText('/tmp/fuzz.yml', s, { env: {}, dotEnv: false }), s);
        }
    });
});

describe('flow nesting guard', () => {
    it('refuses 50 000 nested brackets with a located depth error instead of overflowing the parser', () => {
        const text = `services:\n  web:\n    image: nginx\n    command: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
        const result = loadCompose([{ path: '/tmp/deep.yml', text }]);
        const depth = result.diagnostics.find((d) => d.code === 'limit-depth');
        assert.ok(depth, JSON.stringify(result.diagnostics.slice(0, 3)));
        assert.equal(depth.range.start.line, 3);
        assert.ok(!result.diagnostics.some((d) => /Maximum call stack/.test(d.message)));
    });

    it('refuses 1,000 nested block mappings with a located depth error instead of overflowing the composer', () => {
        let text = '';
        for (let i = 0; i < 1000; i++) text += `${' '.repeat(i)}k${i}:\n`;
        const result = loadCompose([{ path: '/tmp/deep.yml', text }]);
        const depth = result.diagnostics.find((d) => d.code === 'limit-depth');
        assert.ok(depth, JSON.stringify(result.diagnostics.slice(0, 3)));
        assert.equal(depth.message, 'document nesting depth exceeds 64');
        assert.equal(depth.range.start.line, 65);
        assert.ok(!result.diagnostics.some((d) => /call stack/.test(d.message)));
    });
});
