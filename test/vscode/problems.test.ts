// The Problems panel in the real VS Code shows exactly what `swarm-stacks lint` prints for the file, problems that
// only the conversion finds included (a missing `file:` of a config, an unclosed quote in `command:`, duplicate
// secret targets). The lint side is the CLI's own function (src/core/stack/lint.ts, what `lint` prints).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import { formatDiagnostic } from '../../src/core/diagnostics';
import { lintCompose } from '../../src/core/stack/lint';
import { generateCompose } from '../../bench/codelens';
import { waitFor } from './wait';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';

const SEVERITY: Record<number, string> = {
    [vscode.DiagnosticSeverity.Error]: 'error',
    [vscode.DiagnosticSeverity.Warning]: 'warning',
    [vscode.DiagnosticSeverity.Information]: 'info',
};

/** The editor's diagnostics of a file in lint's text form. */
function problemsOf(uri: vscode.Uri): string[] {
    return vscode.languages
        .getDiagnostics(uri)
        .filter((d) => d.source === 'swarm-stacks')
        .map((d) => `${uri.fsPath}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY[d.severity]}: ${d.message}`);
}


describe('Problems panel = swarm-stacks lint', function () {
    let dir: string;

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>(EXTENSION_ID);
        assert.ok(extension, `extension ${EXTENSION_ID} not found`);
        await extension.activate();
        const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();
        dir = fs.mkdtempSync(path.join(root, 'problems-test-'));
    });

    after(async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const cases: Record<string, string> = {
        'config-file/docker-compose.yml': 'services:\n  web:\n    image: nginx:1.25\n    configs:\n      - site\nconfigs:\n  site:\n    file: ./missing.conf\n',
        'command-quote/docker-compose.yml': 'services:\n  web:\n    image: nginx:1.25\n    command: sh -c "echo hello\n',
        'secret-targets/docker-compose.yml':
            'services:\n  web:\n    image: nginx:1.25\n    secrets:\n      - source: a\n        target: shared\n      - source: b\n        target: shared\nsecrets:\n  a:\n    external: true\n  b:\n    external: true\n',
        'digest/docker-compose.yml': 'services:\n  web:\n    image: nginx@sha256:0123456789abcdef0123456789abcdef\n',
    };

    it('a 500-service file: a mistake typed into one service shows on its line as lint has it, and goes when undone (times printed)', async () => {
        // The editor parses such a file by pieces after its first version: what it shows must stay what lint says.
        const file = path.join(dir, 'big', 'docker-compose.yml');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, generateCompose(500));
        const uri = vscode.Uri.file(file);
        let started = Date.now();
        const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
        // A valid file has no problem: wait for the diagnostics to be computed through a first mistake instead.
        const line = editor.document.getText().split('\n').findIndex((l) => l === '  svc250:') + 9;
        assert.match(editor.document.lineAt(line).text, /^ {6}replicas: \d+$/);
        const atOpen = Date.now() - started;
        const typeAndWait = async (replicas: string, expect: (found: string[]) => boolean, what: string): Promise<{ ms: number; found: string[] }> => {
            started = Date.now();
            const ok = await editor.edit((edit) => edit.replace(editor.document.lineAt(line).range, `      replicas: ${replicas}`));
            assert.ok(ok, 'the edit applied');
            const found = await waitFor(what, () => (expect(problemsOf(uri)) ? problemsOf(uri) : undefined), 30_000);
            return { ms: Date.now() - started, found };
        };
        const broken = await typeAndWait('"many"', (found) => found.length > 0, 'the replicas problem');
        const lint = lintCompose([{ path: file, text: editor.document.getText() }], { env: process.env }).diagnostics.map(formatDiagnostic);
        assert.deepStrictEqual(broken.found, lint);
        assert.ok(lint.some((l) => l.startsWith(`${file}:${line + 1}:`)), lint.join('\n'));
        const fixed = await typeAndWait('3', (found) => found.length === 0, 'the problem to go');
        const again = await typeAndWait('"x"', (found) => found.length > 0, 'the problem again');
        assert.deepStrictEqual(again.found, lintCompose([{ path: file, text: editor.document.getText() }], { env: process.env }).diagnostics.map(formatDiagnostic));
        console.log(
            `500 services (${editor.document.lineCount} lines): opened in ${atOpen} ms; from an edit to its Problems (debounce included): ` +
                `${broken.ms} ms (first), ${fixed.ms} ms, ${again.ms} ms`,
        );
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    it('files the compose file names that are a FIFO or a symlink to /dev/zero: refused at once, shown as lint shows them', async () => {
        const folder = path.join(dir, 'unbounded');
        fs.mkdirSync(folder, { recursive: true });
        const file = path.join(folder, 'docker-compose.yml');
        fs.writeFileSync(file, 'services:\n  web:\n    image: nginx:${TAG:-1.25}\n    env_file: web.env\n');
        execFileSync('mkfifo', [path.join(folder, 'web.env')]);
        fs.symlinkSync('/dev/zero', path.join(folder, '.env'));
        fs.symlinkSync('/dev/zero', path.join(folder, 'haproxy.cfg'));
        const lint = lintCompose([file], { env: process.env }).diagnostics.map(formatDiagnostic);
        assert.strictEqual(lint.length, 3, lint.join('\n'));

        const uri = vscode.Uri.file(file);
        const dotEnv = vscode.Uri.file(path.join(folder, '.env'));
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
        const shown = await waitFor('the Problems of the file and of its .env', () => {
            const found = [...problemsOf(dotEnv), ...problemsOf(uri)];
            return found.length >= lint.length ? found : undefined;
        });
        assert.deepStrictEqual(shown, lint);
    });

    it('Generate HAProxy Config with haproxy.cfg a symlink to /dev/zero: refused at once, nothing written through it', async () => {
        const folder = path.join(dir, 'cfg-dev-zero');
        fs.mkdirSync(folder, { recursive: true });
        const file = path.join(folder, 'docker-compose.yml');
        fs.writeFileSync(file, 'services:\n  web:\n    image: nginx:1.25\n    environment:\n      SERVICE_PORTS: "80"\n');
        const cfg = path.join(folder, 'haproxy.cfg');
        fs.symlinkSync('/dev/zero', cfg);
        // The command shows its error and resolves with nothing; before, it read /dev/zero until memory ran out.
        const result = await vscode.commands.executeCommand('swarmStacks.generateHaproxyConfig', vscode.Uri.file(file), { overwrite: true });
        assert.strictEqual(result, undefined);
        assert.strictEqual(fs.readlinkSync(cfg), '/dev/zero');
    });

    for (const [relative, text] of Object.entries(cases)) {
        it(`${path.dirname(relative)}: the same lines as lint, the conversion's error included`, async () => {
            const file = path.join(dir, relative);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
            const lint = lintCompose([file], { env: process.env }).diagnostics.map(formatDiagnostic);
            assert.ok(lint.some((line) => line.includes(': error: ')), `lint finds an error:\n${lint.join('\n')}`);

            const uri = vscode.Uri.file(file);
            await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
            const shown = await waitFor('the Problems of the file', () => {
                const found = problemsOf(uri);
                return found.length >= lint.length ? found : undefined;
            });
            assert.deepStrictEqual(shown, lint);
        });
    }
});
