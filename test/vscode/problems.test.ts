// The Problems panel in the real VS Code shows exactly what `swarm-stacks lint` prints for the file, problems that
// only the conversion finds included (a missing `file:` of a config, an unclosed quote in `command:`, duplicate
// secret targets). The lint side is the CLI's own function (src/core/stack/lint.ts, what `lint` prints).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import { formatDiagnostic } from '../../src/core/diagnostics';
import { lintCompose } from '../../src/core/stack/lint';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
const WAIT_MS = 15_000;

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

async function waitFor<T>(what: string, check: () => T | undefined | false, ms = WAIT_MS): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = check();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
