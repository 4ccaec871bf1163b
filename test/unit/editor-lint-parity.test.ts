/**
 * One validation pipeline: over the malformed-input corpus (test/fixtures/bad and the generated cases of the
 * engine's bad-input test), the editor's diagnostics are exactly what `swarm-stacks lint` prints.
 * The editor side is what src/vscode/diagnostics does with an open document: VS Code's decoding of the file
 * (invalid UTF-8 becomes U+FFFD, a BOM is dropped), the one parse of that version (shared with the lenses,
 * src/vscode/composeAssociations.ts), then lintParsedCompose. The lint side is the CLI itself.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { formatDiagnostic } from '../../src/core/diagnostics';
import { parseYamlSource } from '../../src/core/compose/yaml-source';
import { lintParsedCompose } from '../../src/core/stack/lint';
import { BAD_FIXTURES, generateMalformedInputs } from '../support/malformed-inputs';
import { runCliCaptured } from './support/cli';

const env = { HOME: '/home/u' };

async function lintOutput(file: string): Promise<{ code: number; lines: string[] }> {
    const { code, stdout } = await runCliCaptured(['lint', '--no-dotenv', '-c', file], { env });
    return { code, lines: stdout.split('\n').filter((l) => l !== '') };
}

function editorOutput(file: string): string[] {
    let text = new TextDecoder('utf-8').decode(fs.readFileSync(file));
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const parsed = parseYamlSource(file, text);
    return lintParsedCompose(parsed, { env, dotEnv: false }).diagnostics.map(formatDiagnostic);
}

describe('the editor\'s diagnostics equal `swarm-stacks lint` over the malformed-input corpus', function () {
    this.timeout(120_000);
    let dir: string;
    const committed = fs
        .readdirSync(BAD_FIXTURES)
        .filter((f) => f.endsWith('.yml'))
        .sort()
        .map((f) => path.join(BAD_FIXTURES, f));

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-parity-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('has the corpus (committed files, conversion-stage ones included)', () => {
        assert.ok(committed.length >= 60, `${committed.length} files`);
        for (const name of ['config-file-missing.yml', 'command-unclosed-quote.yml', 'secret-target-duplicate.yml', 'image-digest-short.yml']) {
            assert.ok(committed.includes(path.join(BAD_FIXTURES, name)), name);
        }
    });

    async function compare(files: string[]): Promise<void> {
        const differences: string[] = [];
        for (const file of files) {
            const lint = await lintOutput(file);
            const editor = editorOutput(file);
            if (lint.code !== 1) differences.push(`${path.basename(file)}: lint exited ${lint.code}`);
            if (!lint.lines.some((l) => /:\d+:\d+: error: /.test(l))) differences.push(`${path.basename(file)}: lint printed no located error`);
            if (JSON.stringify(editor) !== JSON.stringify(lint.lines)) {
                differences.push(`${path.basename(file)}:\n  lint:   ${lint.lines.join('\n          ')}\n  editor: ${editor.join('\n          ')}`);
            }
        }
        assert.deepStrictEqual(differences, [], differences.join('\n'));
    }

    it('every committed malformed file: the same lines, in the same order', async () => {
        await compare(committed);
    });

    it('the generated huge, binary, alias-bomb, deeply nested and many-keys files: the same lines', async () => {
        await compare(generateMalformedInputs(dir));
    });
});
