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
import { edit, random, seen, yamlFiles } from './support/yaml-edits';

function assertSameAsWhole(pieces: YamlPieces, text: string, what: string): ParsedYaml {
    const whole = parseYamlSource('/p/docker-compose.yml', text);
    const byPieces = parseYamlSource('/p/docker-compose.yml', text, DEFAULT_LIMITS, pieces);
    assert.deepStrictEqual(seen(byPieces), seen(whole), `${what}\n--- text ---\n${text}`);
    return byPieces;
}

describe('YAML parse by pieces (the editor, across versions)', function () {
    this.timeout(120_000);
    const files = yamlFiles();

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
