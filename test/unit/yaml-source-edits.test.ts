// What the editor parses per edit (parseYamlSource with the previous version's parse at hand, which keeps the
// services an edit did not touch) gives exactly what one parse of the whole text gives: the value, the problems, the
// source map and the lines, on every YAML fixture, the generated big file, hand-written layouts, and thousands of
// edits of them (lines removed, doubled, indented, broken) applied one after the other to the same document as a
// user types and undoes. It must also really keep services where it can (the same values, not read again).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_LIMITS, parseYamlSource, type ParsedYaml } from '../../src/core/compose/yaml-source';
import { placeParsedCompose } from '../../src/core/compose/lens-placement';
import { lintParsedCompose } from '../../src/core/stack/lint';
import { generateCompose } from '../../bench/codelens';
import { edit, random, seen, yamlFiles } from './support/yaml-edits';

const FILE = '/p/docker-compose.yml';

/** The editor's parse of `text` after `previous`, checked against a whole parse; with how many services it kept. */
function assertSameAsWhole(previous: ParsedYaml | undefined, text: string, what: string): { parsed: ParsedYaml; kept: number } {
    const whole = parseYamlSource(FILE, text);
    const next = parseYamlSource(FILE, text, DEFAULT_LIMITS, previous);
    assert.deepStrictEqual(seen(next), seen(whole), `${what}\n--- text ---\n${text}`);
    assert.deepStrictEqual(placeParsedCompose(next), placeParsedCompose(whole), `${what}: placement\n--- text ---\n${text}`);
    return { parsed: next, kept: keptServices(previous, next) };
}

/** Services whose value the new parse took from the previous one (the same object): not read again. */
function keptServices(previous: ParsedYaml | undefined, next: ParsedYaml): number {
    const before = servicesOf(previous);
    const after = servicesOf(next);
    if (!before || !after) return 0;
    return Object.keys(after).filter((key) => typeof after[key] === 'object' && after[key] !== null && after[key] === before[key]).length;
}

function servicesOf(parsed: ParsedYaml | undefined): Record<string, unknown> | undefined {
    const services = parsed?.ok ? (parsed.value as { services?: unknown } | null)?.services : undefined;
    return services && typeof services === 'object' ? (services as Record<string, unknown>) : undefined;
}

describe('YAML parse per edit (the editor, across versions) equals a whole parse', function () {
    this.timeout(120_000);
    const files = yamlFiles();

    it('every YAML fixture, each read after the previous one', () => {
        assert.ok(files.length >= 60, `${files.length} fixtures`);
        let previous: ParsedYaml | undefined;
        for (const file of files) previous = assertSameAsWhole(previous, fs.readFileSync(file, 'utf8'), file).parsed;
    });

    it('hand-written layouts and their edits: comments, CRLF, flow and block values, services first or last', () => {
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
            'services:\n  web:\n    image: nginx\n  api:\n',
            'services:\n  web:\n    image: nginx\n  # trailing\n',
            'services:\n  web:\n    image: nginx\r',
            'services:\n  web:\n    image: nginx\n  api:\n    image: x\n    entrypoint: |\n      printf \'\\033[1;32m{[ok]}\\033[0m\'\n',
        ];
        for (const [n, start] of texts.entries()) {
            const next = random(31 + n);
            let previous = assertSameAsWhole(undefined, start, JSON.stringify(start)).parsed;
            for (let i = 0; i < 60; i++) previous = assertSameAsWhole(previous, next() < 0.5 ? edit(start, next) : start, `text ${n}, edit ${i}`).parsed;
        }
    });

    it('thousands of edits, typed one after the other into the same documents', () => {
        const starts = [generateCompose(12), ...files.filter((f) => !f.includes(`${path.sep}bad${path.sep}`)).slice(0, 25).map((f) => fs.readFileSync(f, 'utf8'))];
        let checked = 0;
        let reused = 0;
        starts.forEach((start, n) => {
            const next = random(9001 + n);
            let previous = assertSameAsWhole(undefined, start, `document ${n}`).parsed;
            // A version with problems passes on what the last good one keeps: services are kept from that one.
            let lastGood = previous;
            let text = start;
            for (let i = 0; i < 90; i++) {
                // Mostly one or two edits of the file as it was (typing, then undo), sometimes one more on the last version.
                text = next() < 0.3 ? edit(text, next) : next() < 0.5 ? edit(start, next) : edit(edit(start, next), next);
                previous = assertSameAsWhole(previous, text, `document ${n}, edit ${i}`).parsed;
                checked++;
                if (keptServices(lastGood, previous) > 0) reused++;
                if (previous.ok) lastGood = previous;
            }
        });
        assert.ok(checked >= 2000, `${checked} versions`);
        // Random edits break most versions or touch every service of a small file; still, many keep services.
        assert.ok(reused >= 100, `${reused} of ${checked} versions kept services`);
    });

    it('an edit in one service of 500 keeps the other 499, and the lint leaves them as they were', () => {
        const text = generateCompose(500);
        const first = assertSameAsWhole(undefined, text, 'the 500-service file').parsed;
        lintParsedCompose(first, { dotEnv: false });
        const edited = text.replace('      replicas: 8\n', '      replicas: 9\n');
        assert.notEqual(edited, text);
        const second = assertSameAsWhole(first, edited, 'one replicas changed');
        assert.equal(second.kept, 499, 'only the edited service is read again');
        lintParsedCompose(second.parsed, { dotEnv: false });
        // The kept services were read by two lints: the next version still equals one parse.
        assert.equal(assertSameAsWhole(second.parsed, text, 'back to the first text').kept, 499);
    });

    it('a service added, renamed or removed keeps the others', () => {
        const text = generateCompose(20);
        const first = parseYamlSource(FILE, text);
        const added = text.replace('  svc5:\n', '  extra:\n    image: nginx\n  svc5:\n');
        // Typed where svc5's key starts: svc4, whose text ends there, is read again with it.
        assert.equal(assertSameAsWhole(first, added, 'added').kept, 18);
        const renamed = text.replace('  svc5:\n', '  svc5b:\n');
        assert.equal(assertSameAsWhole(first, renamed, 'renamed').kept, 19);
        const removed = text.replace(/ {2}svc5:\n(?: {4}.*\n)+/, '');
        // svc6 starts like svc5: the text that differs runs from svc5's name into svc6's, which is read again.
        assert.equal(assertSameAsWhole(first, removed, 'removed').kept, 18);
        const duplicated = text.replace('  svc5:\n', '  svc6:\n');
        const dup = assertSameAsWhole(first, duplicated, 'a duplicate name');
        assert.equal(dup.parsed.ok, false);
    });
});
