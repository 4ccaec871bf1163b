// The editor's piece-by-piece parse (YamlPieces) gives exactly what one parse of the whole text gives: the value,
// the problems, the source map and the lines, on every YAML fixture, the generated big file, hand-written layouts,
// and thousands of edits of them (lines removed, doubled, indented, broken) applied one after the other to the same
// document as a user types and undoes. It must also really work piece by piece where it can (counted), and re-parse only the
// pieces an edit touched.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_LIMITS, parseYamlSource, YamlPieces, type ParsedYaml } from '../../src/core/compose/yaml-source';
import { lintParsedCompose } from '../../src/core/stack/lint';
import { generateCompose } from '../../bench/codelens';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

function yamlFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return yamlFiles(full);
        return /\.ya?ml$/.test(entry.name) ? [full] : [];
    });
}

/** Everything a reader of a parse can see. */
function seen(parsed: ParsedYaml): unknown {
    return {
        ok: parsed.ok,
        value: parsed.value,
        diagnostics: parsed.diagnostics,
        locs: [...parsed.source.locs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
        lines: parsed.source.lineCounter.lineStarts,
    };
}

function assertSameAsWhole(pieces: YamlPieces, text: string, what: string): ParsedYaml {
    const whole = parseYamlSource('/p/docker-compose.yml', text);
    const byPieces = parseYamlSource('/p/docker-compose.yml', text, DEFAULT_LIMITS, pieces);
    assert.deepStrictEqual(seen(byPieces), seen(whole), `${what}\n--- text ---\n${text}`);
    return byPieces;
}

/** A small deterministic generator, so that a failure names an edit that can be replayed. */
function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 2 ** 32;
    };
}

const BREAKS = ['  "unclosed', '     # note', '   # note', '  x: |', '      text', '    - [1, 2', 'services:', '  web:', '\tx: 1', '  <<: {a: 1}', '---', '  dup: 1', '#c', '', '    image: *x', 'x: &x 1', '  svc0:', '? k', '  - item'];

/** One edit as a user makes them: a line removed, doubled, re-indented, replaced by something odd, or typed into. */
function edit(text: string, next: () => number): string {
    const lines = text.split('\n');
    const at = Math.floor(next() * lines.length);
    switch (Math.floor(next() * 6)) {
        case 0:
            lines.splice(at, 1);
            break;
        case 1:
            lines.splice(at, 0, lines[at] ?? '');
            break;
        case 2:
            lines[at] = next() < 0.5 ? `  ${lines[at]}` : (lines[at] ?? '').replace(/^ {1,2}/, '');
            break;
        case 3:
            lines.splice(at, 0, BREAKS[Math.floor(next() * BREAKS.length)]);
            break;
        case 4: {
            const line = lines[at] ?? '';
            const col = Math.floor(next() * (line.length + 1));
            lines[at] = line.slice(0, col) + ' :#"[{x'[Math.floor(next() * 7)] + line.slice(col);
            break;
        }
        default:
            lines[at] = (lines[at] ?? '').replace(/[0-9]/, '7');
    }
    return lines.join('\n');
}

describe('YAML parse by pieces (the editor, across versions)', function () {
    this.timeout(120_000);
    const files = yamlFiles(FIXTURES);

    it('every YAML fixture parses by pieces as in one parse', () => {
        assert.ok(files.length >= 60, `${files.length} fixtures`);
        const pieces = new YamlPieces();
        for (const file of files) assertSameAsWhole(pieces, fs.readFileSync(file, 'utf8'), file);
        // Most fixtures are laid out simply enough to go by pieces; the rest (aliases, broken files) are parsed whole.
        assert.ok(pieces.counts.assembled >= files.length / 3, JSON.stringify(pieces.counts));
        assert.ok(pieces.counts.whole > 0, JSON.stringify(pieces.counts));
    });

    it('hand-written layouts: comments, CRLF, flow and block values, services first or last, an empty services', () => {
        const texts = [
            '# head\n\nservices:   # the app\n  # first\n  web:\n    image: nginx\n\n# between\n  db: {image: postgres}\nnetworks:\n  n: {}\n',
            'version: "3.8"\r\nservices:\r\n  web:\r\n    image: nginx\r\n    command: |\r\n      echo a\r\n      echo b\r\n',
            'services:\n    web:\n        image: nginx\n        labels: [a=1,\n          b=2]\n    api:\n        image: "x\n          y"\n',
            'services:\nversion: "3"\n',
            'x-a: &a\n  k: v\nservices:\n  web:\n    <<: {image: nginx}\n    image: other\n',
            'services:\n  web:\n    image: nginx\n  web:\n    image: again\n',
            'services:\n  web:\n    image: nginx\nservices:\n  api:\n    image: x\n',
            'services:\n  web:\n    image: nginx\n   api:\n    image: x\n',
            'services:\n  __proto__:\n    image: nginx\n',
            'services:\n  web:\n    environment:\n      A: 1\n      B: 0x1F\n      C: .nan\n      D: ~\n',
            '',
            '# only a comment\n',
            'services:\n  web:\n    image: nginx\n...\n',
        ];
        const pieces = new YamlPieces();
        for (const text of texts) assertSameAsWhole(pieces, text, JSON.stringify(text));
    });

    it('thousands of edits, typed one after the other into the same documents, parse as in one parse', () => {
        const starts = [generateCompose(12), ...files.filter((f) => !f.includes(`${path.sep}bad${path.sep}`)).slice(0, 25).map((f) => fs.readFileSync(f, 'utf8'))];
        let checked = 0;
        let assembled = 0;
        starts.forEach((start, n) => {
            const next = random(9001 + n);
            const pieces = new YamlPieces();
            let text = start;
            for (let i = 0; i < 90; i++) {
                // Mostly one or two edits of the file as it was (typing, then undo), sometimes one more on the last version.
                text = next() < 0.3 ? edit(text, next) : next() < 0.5 ? edit(start, next) : edit(edit(start, next), next);
                assertSameAsWhole(pieces, text, `document ${n}, edit ${i}`);
                checked++;
            }
            assembled += pieces.counts.assembled;
        });
        assert.ok(checked >= 2000, `${checked} versions`);
        // The edits keep many versions simple enough to go by pieces: those are the ones this compares.
        assert.ok(assembled >= checked / 4, `${assembled} of ${checked} versions went by pieces`);
    });

    it('an edit in one service of 500 re-parses that service only, and the lint leaves the kept pieces as they were', () => {
        const text = generateCompose(500);
        const pieces = new YamlPieces();
        const first = assertSameAsWhole(pieces, text, 'the 500-service file');
        assert.equal(pieces.counts.assembled, 1);
        const afterFirst = pieces.counts.piecesParsed;
        assert.ok(afterFirst >= 500, `${afterFirst} pieces`);
        lintParsedCompose(first, { dotEnv: false });
        const edited = text.replace('      replicas: 8\n', '      replicas: 9\n');
        assert.notEqual(edited, text);
        const second = assertSameAsWhole(pieces, edited, 'one replicas changed');
        assert.equal(pieces.counts.piecesParsed - afterFirst, 1, 'only the edited service is parsed again');
        lintParsedCompose(second, { dotEnv: false });
        // The kept pieces were read by two lints: the next version still equals one parse.
        assertSameAsWhole(pieces, text, 'back to the first text');
    });

    it('the document of a parse by pieces is the one parse\'s, made when first read', () => {
        const text = generateCompose(3);
        const byPieces = parseYamlSource('/p/c.yml', text, DEFAULT_LIMITS, new YamlPieces());
        const whole = parseYamlSource('/p/c.yml', text);
        assert.deepStrictEqual(byPieces.document?.toJS(), whole.document?.toJS());
    });
});
