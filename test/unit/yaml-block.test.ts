// The block reader (yaml-block.ts) gives exactly what the YAML parser and its walk give: the value, the source map,
// the lines, the node count and the depth, and the lenses' placement read from them, on every YAML fixture, hand-written layouts at its edges, generated compose
// files, and thousands of edits of them. Wherever it reads a text at all, it must read it as the parser does; the
// test also counts that it does read most texts (a reader that always gave up would pass the comparison).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { DEFAULT_LIMITS, flowNestingBeyond, parseYamlSource, parseYamlWithParser } from '../../src/core/compose/yaml-source';
import { readBlockYaml } from '../../src/core/compose/yaml-block';
import { placeFromDocument, placeParsedCompose } from '../../src/core/compose/lens-placement';
import { generateCompose } from '../../bench/codelens';
import { edit, random, seen, yamlFiles } from './support/yaml-edits';

/** Compares the two readings of `text`; true when the block reader read it (rather than leaving it to the parser). */
function assertSameAsParser(text: string, what: string): boolean {
    const read = readBlockYaml(text, DEFAULT_LIMITS) !== undefined;
    const parsed = parseYamlSource('/p/docker-compose.yml', text);
    // Nesting too deep is refused before either reading (parseYamlSource): nothing to compare then.
    const refused = flowNestingBeyond(text, DEFAULT_LIMITS.maxDepth) !== undefined;
    const byParser = refused ? parsed : parseYamlWithParser('/p/docker-compose.yml', text, DEFAULT_LIMITS);
    assert.deepStrictEqual(seen(parsed, true), seen(byParser, true), `${what}\n--- text ---\n${text}`);
    if (read) assert.ok(byParser.ok, `${what}: the reader read a text the parser refuses`);
    // The lenses' placement from the value and source map (of either reading) equals the one from the parser's nodes.
    if (byParser.ok) assert.deepStrictEqual(placeParsedCompose(parsed), placeFromDocument(byParser), `${what}: placement\n--- text ---\n${text}`);
    return read;
}

const LAYOUTS = [
    // what the reader reads
    'a:\n  b: 1\n  c: 2\nd: 3\n',
    'a:\n  b: 1  # c\n\n  c:\nd: x y  \n',
    'a:\n  - x\n  - y: 1\n    z: 2\n  -\n  - [p, "q"]\nb: {k: v, m: [1]}\n',
    'a:\n  b:\n\n\nc: 1',
    'a: \'x\'\nb: "y" # c\nc: \'it\'\'s\'\n',
    'a:\n  - \n  - b\n',
    'a:\r\n  b: 1\r\n  c:  \r\nd: 1\r\n',
    'x: &d\n  r: "no"\n  n: [b]\ny: &e v\nz: &f [1]\nw: &g\n',
    'a:\n  # c\n  b: 1\nc:\n  # x\n  - 1\n',
    'a: [a:b, c, -1, "d", \'e\']\nb: {k: http://x, "q": [], r: {}}\n',
    '"a b": 1\n\'c\': 2\n__proto__: {x: 1}\nconstructor: 3\n',
    'services:\n  web:\n    image: nginx:1.25\n    ports:\n      - "80:80"\n      - target: 443\n        published: 443\n    deploy:\n      replicas: 0x1F\n      labels: [a=1, b=2]\n',
    'a: 1 #c\nb: x#y\nc: -x\nd: ?x\ne: :x\nf: [ x , y ]\ng: { a: 1 }\n',
    '# head\n\na: 1\n',
    'a:\n    b:\n      - 1\n    c: 2\n',
    'a: true\nb: False\nc: ~\nd: null\ne: .inf\nf: 1_000\ng: 0o17\nh: 08\ni: 1e3\nj: "1"\n',
    'x-d: &d\n  image: nginx\n  deploy: &dep {replicas: 2}\nservices:\n  web:\n    <<: *d\n    image: own\n  api: *d\n  db:\n    <<: [*d]\n    deploy: *dep\n',
    'a: &a {k: 1}\nb: &b\n  k: 2\n  j: 3\nc:\n  <<: [*a, *b]\n  <<: *b\n  z: *a # c\nd:\n  - *b\n',
    // what it leaves to the parser (the comparison holds either way)
    'a: &a 1\nb: &a 2\nc: *a\n',
    'a: *nowhere\n',
    'a: &a [1]\nb:\n  <<: *a\n',
    'a: &a {k: 1}\nb:\n  <<: {k: 2}\n',
    'a: &a {k: 1}\nb: &b *a\n',
    'a: &a 1\nb: [*a]\n',
    'a:\n- x\n- y\n',
    'a:\n  - - x\n',
    'a:\n  b: 1\n    # deeper\nc: 2\n',
    'a:\n  b: 1\n# less\n  c: 2\n',
    'a:\n  b:\n  # c\nd: 1\n',
    'a:\n  b:   # c\nd: 1\n',
    'a: |\n  text\n',
    'a: x\n  continued\n',
    'a: *x\n',
    'a: !!str 1\n',
    'a: "esc\\n"\n',
    'a: "multi\n  line"\n',
    'a: [1,\n  2]\n',
    'a: [1, 2, ]\n',
    'a: b: c\n',
    'a: 1\na: 2\n',
    '<<: {a: 1}\n',
    '? a\n: b\n',
    'a :1\n',
    'a\t: 1\n',
    '---\na: 1\n',
    'a: 1\n# trailing\n',
    '  a: 1\n',
    '- a\n',
    'a: {b: }\n',
    'a: [b: c]\n',
    'a: 1\rb: 2\n',
    '',
    '# only a comment\n',
    'a:\n  - x\n  -y\n',
    'a: "x" y\n',
    'a: [x] y\n',
];

/**
 * A random document in and around what the reader reads: nested block mappings and sequences, compact mappings in
 * sequences, flow collections, every kind of scalar it reads and some it does not, anchors, comments at random
 * indentations, blank lines, trailing spaces and CRLF line ends.
 */
function randomDocument(next: () => number): string {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    // Mostly what the reader reads, some of what it leaves to the parser.
    const readable = ['*a1', '*a2', '[*a1, *a2]', '[*a2]', 'x', 'nginx:1.25', '"80:80"', "'it''s'", '""', '1', '-1', '0x1F', '08', 'true', 'Off', '~', 'a b', 'a#b', 'x:y', 'http://h/p', '"a # b"', '-x', '[]', '{}', '[a, "b", 3]', '{k: v, "q": [1, {z: 2}]}', '[a:b]', '&anc v', 'é ü'];
    const others = ['80:80', "''", '1_000', 'null', '.nan', "'[x]'", '?x', ':x', 'a,b', 'a]b', '"q"x', '[x, ]', '{a: }', '*alias', '!!str 1', '|', '"\\t"', 'a: b', '- x'];
    const scalar = (): string => (next() < 0.85 ? pick(readable) : pick(others));
    const keys = ['<<', '<<', 'services', 'deploy', 'replicas', 'mode', 'build', 'context', 'dockerfile', 'a', 'b', 'image', 'com.example.x', '"quoted key"', "'s'", 'k#1', 'x:y', '__proto__', '1', 'a b', '<<', '-k', 'a', 'b'];
    const eol = next() < 0.15 ? '\r\n' : '\n';
    const lines: string[] = [];
    const comment = (indent: number): void => {
        if (next() < 0.12) lines.push(`${' '.repeat(Math.max(0, indent + pick([0, 0, 0, -2, 2])))}# note`);
        if (next() < 0.08) lines.push(next() < 0.8 ? '' : '   ');
    };
    const trail = (): string => (next() < 0.1 ? '  ' : next() < 0.1 ? ' # c' : '');
    const mapping = (indent: number, depth: number, first?: string): void => {
        const n = 1 + Math.floor(next() * 4);
        for (let i = 0; i < n; i++) {
            const prefix = i === 0 && first !== undefined ? first : ' '.repeat(indent);
            if (i > 0 || first === undefined) comment(indent);
            const key = pick(keys);
            const r = next();
            if (depth < 4 && r < 0.25) {
                lines.push(`${prefix}${key}:${pick(['', '', '', ' &m', ' # c'])}`);
                mapping(indent + pick([2, 2, 4]), depth + 1);
            } else if (depth < 4 && r < 0.4) {
                lines.push(`${prefix}${key}:${trail()}`);
                sequence(indent + pick([2, 2, 0]), depth + 1);
            } else if (r < 0.48) {
                lines.push(`${prefix}${key}:${pick(['', ' ', ' # c'])}`);
            } else {
                lines.push(`${prefix}${key}: ${scalar()}${trail()}`);
            }
        }
    };
    const sequence = (indent: number, depth: number): void => {
        const n = 1 + Math.floor(next() * 3);
        for (let i = 0; i < n; i++) {
            comment(indent);
            const r = next();
            const dash = `${' '.repeat(indent)}-${pick([' ', ' ', '   '])}`;
            if (depth < 4 && r < 0.3) mapping(dash.length, depth + 1, dash);
            else if (depth < 4 && r < 0.4) {
                lines.push(`${' '.repeat(indent)}-${trail()}`);
                mapping(indent + 2, depth + 1);
            } else if (r < 0.45) lines.push(`${' '.repeat(indent)}-`);
            else lines.push(`${dash}${scalar()}${trail()}`);
        }
    };
    // Anchors first, so that the aliases and merge keys below can name them.
    if (next() < 0.6) {
        lines.push(pick(['x-a1: &a1', 'x-a1: &a1 # c']), `  image: ${pick(readable.slice(4))}`, '  deploy: {replicas: 2, mode: global}');
        if (next() < 0.5) lines.push(`  labels: ${pick(['[a, b]', '{k: v}'])}`);
        lines.push(pick(['x-a2: &a2 {replicas: 3}', 'x-a2: &a2\n  k: v\n  build: ./app', 'x-a2: &a2 {replicas: 3}', 'x-a2: &a2 plain']));
    }
    comment(0);
    mapping(0, 0);
    if (next() < 0.1) comment(0);
    return lines.join(eol) + (next() < 0.8 ? eol : '');
}

describe('YAML block reader (the fast reading of plain block layouts)', function () {
    this.timeout(120_000);
    const files = yamlFiles();

    it('every YAML fixture reads as the parser reads it, and most are read by the block reader', () => {
        let read = 0;
        for (const file of files) if (assertSameAsParser(fs.readFileSync(file, 'utf8'), file)) read++;
        assert.ok(files.length >= 60, `${files.length} fixtures`);
        assert.ok(read >= files.length / 3, `${read} of ${files.length} fixtures read by the block reader`);
    });

    it('layouts at the edges of what it reads: the same values, ranges, lines and counts as the parser', () => {
        let read = 0;
        for (const text of LAYOUTS) if (assertSameAsParser(text, JSON.stringify(text))) read++;
        assert.ok(read >= 18, `${read} layouts read by the block reader`);
    });

    it('the generated compose files of the benches are read by the block reader', () => {
        for (const services of [1, 12, 500]) assert.ok(assertSameAsParser(generateCompose(services), `${services} services`), `${services} services left to the parser`);
    });

    it('thousands of random documents in and around its layout read as the parser reads them', () => {
        const next = random(777);
        let read = 0;
        let aliased = 0;
        const documents = 6000;
        for (let i = 0; i < documents; i++) {
            const text = randomDocument(next);
            if (!assertSameAsParser(text, `random document ${i}`)) continue;
            read++;
            if (text.includes('*a')) aliased++;
        }
        console.log(`      ${read} of ${documents} documents read by the block reader, ${aliased} of them with aliases or merge keys`);
        assert.ok(read >= documents / 8, `${read} of ${documents} documents read by the block reader`);
        assert.ok(aliased >= documents / 60, `${aliased} documents with aliases read by the block reader`);
    });

    it('thousands of edits of the fixtures and generated files read as the parser reads them', () => {
        const starts = [generateCompose(6), ...files.filter((f) => !f.includes('/bad/')).slice(0, 30).map((f) => fs.readFileSync(f, 'utf8'))];
        let checked = 0;
        let read = 0;
        starts.forEach((start, n) => {
            const next = random(4242 + n);
            let text = start;
            for (let i = 0; i < 140; i++) {
                text = next() < 0.4 ? edit(text, next, ' :#"\'[]{},-&!|>x\r') : edit(start, next, ' :#"\'[]{},-&!|>x');
                if (assertSameAsParser(text, `document ${n}, edit ${i}`)) read++;
                checked++;
            }
        });
        assert.ok(checked >= 3000, `${checked} versions`);
        console.log(`      ${read} of ${checked} versions read by the block reader`);
        assert.ok(read >= checked / 4, `${read} of ${checked} versions read by the block reader`);
    });
});
