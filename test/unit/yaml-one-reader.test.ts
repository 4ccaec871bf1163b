/**
 * The `yaml` package is the one reader of compose text: valid files of any shape (block scalars full of brackets,
 * flow mappings, anchors and merge keys) read the same in `swarm-stacks lint` and in the editor (whose parse per edit
 * keeps the services an edit did not touch), and every limit holds wherever a file is read.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { formatDiagnostic } from '../../src/core/diagnostics';
import { loadCompose } from '../../src/core/compose/load';
import { asInteger, placeParsedCompose } from '../../src/core/compose/lens-placement';
import { DEFAULT_LIMITS, parseYamlSource } from '../../src/core/compose/yaml-source';
import { lintCompose, lintParsedCompose } from '../../src/core/stack/lint';
import { generateCompose } from '../../bench/codelens';
import { runCliCaptured } from './support/cli';

const env = { HOME: '/home/u' };

/** An entrypoint script that prints in colour: every line holds `[` and `{`, none of them YAML. */
function colourScript(lines: number): string {
    const out = ['    entrypoint: |', '      #!/bin/sh'];
    for (let i = 0; i < lines; i++) out.push(`      printf '\\033[1;3${i % 8}m{step ${i}} [${'['.repeat(i % 3)}ok\\033[0m\\n'`);
    return out.join('\n');
}

const SHAPES: Record<string, string> = {
    'block scalars full of brackets, split over two services': [
        'services:',
        '  web:',
        '    image: nginx:1.25',
        colourScript(33),
        '  worker:',
        '    image: busybox:1.36',
        colourScript(33),
        '    command: ["sh", "-c", "echo {[(]}"]',
        '',
    ].join('\n'),
    'flow mappings and sequences': [
        'services: {web: {image: "nginx:1.25", ports: ["8080:80"], deploy: {replicas: 2, labels: {a: "1"}}}, db: {image: postgres}}',
        'networks: {front: {driver: overlay}}',
        '',
    ].join('\n'),
    'a flow service among block ones': ['services:', '  web: {image: nginx, deploy: {replicas: 3}}', '  api:', '    image: "api:1"', '    environment: {A: "[1]", B: "{x}"}', ''].join('\n'),
    'anchors and merge keys': [
        'x-service: &service',
        '  image: busybox:1.36',
        '  deploy: &deploy',
        '    replicas: 2',
        'services:',
        '  a:',
        '    <<: *service',
        '  b:',
        '    <<: *service',
        '    deploy: *deploy',
        '  c:',
        '    <<: [*service]',
        '    image: nginx',
        '',
    ].join('\n'),
    'quoted keys, comments, CRLF': '# head\r\nservices:\r\n  "web":   # the app\r\n    image: \'nginx\'\r\n\r\n  # between\r\n  db:\r\n    image: postgres\r\n',
    'the generated 40-service file': generateCompose(40),
};

async function lintLines(file: string): Promise<{ code: number; lines: string[] }> {
    const { code, stdout } = await runCliCaptured(['lint', '--no-dotenv', '-c', file], { env });
    return { code, lines: stdout.split('\n').filter((l) => l !== '') };
}

describe('one reader of compose text', function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-one-reader-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const [name, text] of Object.entries(SHAPES)) {
        it(`${name}: the same in lint and in the editor, edited or not`, async () => {
            const file = path.join(dir, 'docker-compose.yml');
            fs.writeFileSync(file, text);
            const lint = await lintLines(file);
            assert.strictEqual(lint.code, 0, lint.lines.join('\n'));
            assert.ok(!lint.lines.some((l) => /: error: /.test(l)), lint.lines.join('\n'));
            // The editor: the file opened, then typed into (a comment added at its end, then removed again).
            const opened = parseYamlSource(file, text);
            const typed = parseYamlSource(file, `${text}# x\n`, DEFAULT_LIMITS, opened);
            const back = parseYamlSource(file, text, DEFAULT_LIMITS, typed);
            for (const parsed of [opened, back]) {
                assert.deepStrictEqual(lintParsedCompose(parsed, { env, dotEnv: false }).diagnostics.map(formatDiagnostic), lint.lines);
            }
            const cli = lintCompose([file], { env, dotEnv: false }).load.parsed.get(file)!;
            assert.ok(placeParsedCompose(cli).services.length > 0);
            assert.deepStrictEqual(placeParsedCompose(back), placeParsedCompose(cli));
        });
    }

    it('an edit of one of two services with colour scripts reads the same as lint', async () => {
        const text = SHAPES['block scalars full of brackets, split over two services'];
        const file = path.join(dir, 'edited.yml');
        const edited = text.replace('busybox:1.36', 'busybox:1.37');
        fs.writeFileSync(file, edited);
        const lint = await lintLines(file);
        const parsed = parseYamlSource(file, edited, DEFAULT_LIMITS, parseYamlSource(file, text));
        assert.deepStrictEqual(lintParsedCompose(parsed, { env, dotEnv: false }).diagnostics.map(formatDiagnostic), lint.lines);
        assert.strictEqual((parsed.value as { services: { worker: { image: string } } }).services.worker.image, 'busybox:1.37');
    });

    it('a one-line flow mapping of 10,001 keys is refused wherever it is read', async () => {
        const keys = Array.from({ length: 10_001 }, (_, i) => `k${i}: ${i}`).join(', ');
        const valid = 'services:\n  web:\n    image: nginx\n    labels: {a: b}\n';
        const text = valid.replace('{a: b}', `{${keys}}`);
        const file = path.join(dir, 'keys.yml');
        fs.writeFileSync(file, text);
        const lint = await lintLines(file);
        assert.strictEqual(lint.code, 1);
        const expected = `${file}:4:13: error: mapping has more than 10000 keys`;
        assert.deepStrictEqual(lint.lines, [expected]);
        const whole = parseYamlSource(file, text);
        const edited = parseYamlSource(file, text, DEFAULT_LIMITS, parseYamlSource(file, valid));
        for (const parsed of [whole, edited]) assert.deepStrictEqual(parsed.diagnostics.map(formatDiagnostic), [expected]);
        assert.deepStrictEqual(loadCompose([{ path: file, text }]).diagnostics.map(formatDiagnostic), [expected]);
    });

    it('a top-level empty key gets its error on the key', () => {
        const text = 'services:\n  web:\n    image: nginx\n"": x\n';
        const problems = lintParsedCompose(parseYamlSource('/p/c.yml', text), { env, dotEnv: false }).diagnostics;
        const onKey = problems.filter((d) => d.severity === 'error');
        assert.strictEqual(onKey.length, 1, JSON.stringify(problems));
        assert.deepStrictEqual(onKey[0].range, { start: { line: 3, character: 0 }, end: { line: 3, character: 2 } });
    });

    it('a file ending with a lone \\r: the lenses and the lint read the values the loader reads', () => {
        for (const text of ['services:\n  web:\n    deploy:\n      replicas: 3\n    image: nginx\r', 'services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 5\r']) {
            const parsed = parseYamlSource('/p/c.yml', text);
            const web = (parsed.value as { services: { web: { image: unknown; deploy: { replicas: unknown } } } }).services.web;
            const placed = placeParsedCompose(parsed).services[0];
            assert.strictEqual(placed.image, web.image, JSON.stringify(text));
            assert.strictEqual(placed.replicas, asInteger(web.deploy.replicas), JSON.stringify(text));
        }
        // replicas `5\r` is no integer to the loader: no haproxy.cfg slot advice about 5 replicas either.
        const files: Record<string, string> = {
            '/p/c.yml': 'services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 5\r',
            '/p/haproxy.cfg': 'backend web\n    server-template web 2 tasks.web:80 check resolvers docker init-addr none\n',
        };
        const readFile = (file: string): Uint8Array => {
            if (files[file] === undefined) throw new Error(`ENOENT: ${file}`);
            return Buffer.from(files[file]);
        };
        const codes = lintCompose(['/p/c.yml'], { env: {}, dotEnv: false, readFile }).diagnostics.map((d) => `${d.code} ${d.message}`);
        assert.deepStrictEqual(codes, ['schema-type services.web.deploy.replicas must be a integer']);
    });

    it('1,000 nested block mappings give the depth limit in the editor too, edited or not', () => {
        let deep = '';
        for (let i = 0; i < 1000; i++) deep += `${' '.repeat(i + 4)}k${i}:\n`;
        const valid = 'services:\n  web:\n    image: nginx\n';
        const text = `${valid}  api:\n    image: x\n    labels:\n${deep}`;
        const whole = parseYamlSource('/p/c.yml', text);
        const edited = parseYamlSource('/p/c.yml', text, DEFAULT_LIMITS, parseYamlSource('/p/c.yml', valid));
        for (const parsed of [whole, edited]) {
            assert.deepStrictEqual(
                parsed.diagnostics.map((d) => [d.code, d.message]),
                [['limit-depth', 'document nesting depth exceeds 64']],
            );
        }
    });
});
