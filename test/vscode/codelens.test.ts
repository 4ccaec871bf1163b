// Compose editor support in the real VS Code: the CodeLens on compose files (placement, commands and arguments,
// following edits, the setting) and the live diagnostics (exact lines, following edits, the HAProxy checks).
// Files are written into a temporary folder inside the test workspace and removed afterwards.
// Live-state lenses of a deployed stack are covered by association.test.ts; here a file no stack matches: it offers
// only "Deploy stack" (and "Build image" where a service builds), never an action on a service that does not exist.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import { takeScreenshot } from './harness';
import { waitFor } from './wait';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
const WAIT_MS = 15_000;


async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    return lenses.filter((lens) => lens.command?.command.startsWith('swarmStacks.') || lens.command?.command === '');
}

function titlesAt(lenses: vscode.CodeLens[], line: number): string[] {
    return lenses.filter((lens) => lens.range.start.line === line).map((lens) => lens.command?.title ?? '');
}

function diagnosticsOf(uri: vscode.Uri): vscode.Diagnostic[] {
    return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'swarm-stacks');
}

const VALID = [
    'version: "3.8"', // 0
    'services:', // 1
    '  web:', // 2
    '    image: swarm-stacks-test/web:dev', // 3
    '    build: .', // 4
    '    deploy:', // 5
    '      replicas: 3', // 6
    '  db:', // 7
    '    image: postgres:16', // 8
    '    build: ./db', // 9  a context without a Dockerfile: no Build lens
    '    deploy:', // 10
    '      mode: global', // 11
    '  cache:', // 12
    '    image: cache:dev', // 13  no build key: no Build lens, though the compose file's folder has a Dockerfile
    '',
].join('\n');

const INVALID = [
    'services:', // 0
    '  web:', // 1
    '    image: nginx:1.25', // 2
    '    deploy:', // 3
    '      replicas: "x"', // 4  not an integer
    '    bogus: 1', // 5  unknown key
    '    ports:', // 6
    '      - "99999:80"', // 7  bad port
    '',
].join('\n');

describe('compose CodeLens and diagnostics', function () {
    let api: SwarmStacksApi;
    let dir: string;

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>(EXTENSION_ID);
        assert.ok(extension, `extension ${EXTENSION_ID} not found`);
        api = await extension.activate();
        const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();
        dir = fs.mkdtempSync(path.join(root, 'codelens-test-'));
    });

    after(async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.workspace.getConfiguration().update('swarmStacks.codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function write(relative: string, text: string): vscode.Uri {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return vscode.Uri.file(file);
    }

    async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
        const document = await vscode.workspace.openTextDocument(uri);
        return vscode.window.showTextDocument(document, { preview: false });
    }

    it('shows "Deploy stack" above services: and "Build image" above the image: of a service that builds; no action on undeployed services', async () => {
        const composeDir = path.join(dir, 'app');
        const uri = write('app/docker-compose.yml', VALID);
        write('app/Dockerfile', 'FROM scratch\n');
        const editor = await open(uri);
        assert.ok(['dockercompose', 'yaml'].includes(editor.document.languageId), `language ${editor.document.languageId}`);

        const lenses = await waitFor('the Deploy stack lens', async () => {
            const found = await lensesOf(uri);
            return found.some((l) => l.command?.title.includes('Deploy stack')) && found.some((l) => l.command?.command === 'swarmStacks.buildImage') ? found : undefined;
        });

        const deploy = lenses.find((l) => l.command?.command === 'swarmStacks.deployStack');
        assert.ok(deploy, 'no deploy lens');
        assert.strictEqual(deploy.range.start.line, 1, 'the deploy lens sits on the services: line');
        assert.match(deploy.command!.title, /Deploy stack/);
        assert.strictEqual((deploy.command!.arguments?.[0] as vscode.Uri).toString(), uri.toString());

        assert.strictEqual(api.services.stackNames.get(uri), undefined, 'no stack matches this file');
        const serviceActions = lenses.filter((l) => ['swarmStacks.updateServiceImage', 'swarmStacks.scaleService', 'swarmStacks.rollbackService'].includes(l.command?.command ?? ''));
        assert.deepStrictEqual(serviceActions.map((l) => l.command?.title), [], 'no action on services that do not exist');

        const build = lenses.filter((l) => l.command?.command === 'swarmStacks.buildImage');
        assert.deepStrictEqual(
            build.map((l) => l.range.start.line),
            [3],
            'on the image: line of web only: db\'s build context has no Dockerfile, cache does not build',
        );
        const [folder, options] = build[0].command!.arguments as [vscode.Uri, { tag: string }];
        assert.strictEqual(folder.fsPath, composeDir);
        assert.deepStrictEqual(options, { tag: 'swarm-stacks-test/web:dev' });

        await takeScreenshot('codelens', { selector: '.codelens-decoration' });
    });

    it('shows the lenses on YAML files named like stack files too', async () => {
        const uri = write('other/my-stack.yml', 'services:\n  api:\n    image: api:1\n');
        const editor = await open(uri);
        assert.strictEqual(editor.document.languageId, 'yaml');
        const lenses = await waitFor('lenses on my-stack.yml', async () => {
            const found = await lensesOf(uri);
            return found.length > 0 ? found : undefined;
        });
        assert.deepStrictEqual(titlesAt(lenses, 0), ['Deploy stack']);
        assert.deepStrictEqual(titlesAt(lenses, 1), []);
    });

    it('follows edits: a build added to one service, a service added', async () => {
        const uri = write('edits/compose.yaml', 'services:\n  a:\n    image: a:1\n');
        write('edits/Dockerfile', 'FROM scratch\n');
        const editor = await open(uri);
        await waitFor('first lenses', async () => titlesAt(await lensesOf(uri), 0).includes('Deploy stack'));
        assert.deepStrictEqual(titlesAt(await lensesOf(uri), 2), [], 'no Build lens without build:');
        const ok = await editor.edit((edit) => edit.insert(new vscode.Position(3, 0), '    build: .\n  b:\n    image: b:1\n'));
        assert.ok(ok);
        const lenses = await waitFor('the Build lens after the edit', async () => {
            const found = await lensesOf(uri);
            return titlesAt(found, 2).includes('Build image') ? found : undefined;
        });
        assert.deepStrictEqual(titlesAt(lenses, 5), [], 'b does not build');
    });

    it('shows the stack state in the Deploy lens once the file has a remembered stack', async function () {
        const uri = write('remembered/docker-compose.yml', 'services:\n  web:\n    image: nginx\n');
        await open(uri);
        // The model is held while a compose editor is visible; the test bed's engine is a swarm manager, so a snapshot comes.
        await waitFor('a swarm snapshot', () => api.services.model.snapshot, WAIT_MS);
        const name = `sst-lens-${process.pid}`;
        await api.services.stackNames.remember(uri, name);
        const lens = await waitFor('the not-deployed state', async () => (await lensesOf(uri)).find((l) => l.command?.command === 'swarmStacks.deployStack' && l.command.title.includes(name)));
        assert.strictEqual(lens.command!.title, `Deploy stack · ${name}: not deployed`);
        // The stack is not deployed, so its service does not exist: no lens offers an action on it.
        assert.deepStrictEqual(titlesAt(await lensesOf(uri), 1), []);
    });

    it('turns the lenses off with swarmStacks.codeLens.enabled', async () => {
        const uri = write('setting/docker-compose.yml', 'services:\n  web:\n    image: nginx\n');
        await open(uri);
        await waitFor('lenses before', async () => (await lensesOf(uri)).length > 0);
        await vscode.workspace.getConfiguration().update('swarmStacks.codeLens.enabled', false, vscode.ConfigurationTarget.Global);
        await waitFor('no lenses', async () => (await lensesOf(uri)).length === 0);
        await vscode.workspace.getConfiguration().update('swarmStacks.codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
        await waitFor('lenses again', async () => (await lensesOf(uri)).length > 0);
    });

    it('shows diagnostics of an invalid compose file at the right lines, and follows edits', async () => {
        const uri = write('invalid/docker-compose.yml', INVALID);
        const editor = await open(uri);
        const diagnostics = await waitFor('three diagnostics', () => {
            const found = diagnosticsOf(uri);
            return found.length >= 3 ? found : undefined;
        });
        const at = (line: number): vscode.Diagnostic | undefined => diagnostics.find((d) => d.range.start.line === line);
        assert.match(at(4)?.message ?? '', /replicas must be a integer/);
        assert.strictEqual(at(4)?.severity, vscode.DiagnosticSeverity.Error);
        assert.deepStrictEqual([at(4)!.range.start.character, at(4)!.range.end.character], [16, 19], 'the range covers "x" with its quotes');
        assert.match(at(5)?.message ?? '', /Additional property bogus is not allowed/);
        assert.deepStrictEqual([at(5)!.range.start.character, at(5)!.range.end.character], [4, 9]);
        assert.match(at(7)?.message ?? '', /ports/);
        assert.deepStrictEqual(
            diagnostics.map((d) => d.range.start.line).sort((a, b) => a - b),
            [4, 5, 7],
        );

        await vscode.commands.executeCommand('workbench.actions.view.problems');
        await takeScreenshot('diagnostics', { selector: '.markers-panel .monaco-list-row' });

        // Fix the replicas: that diagnostic goes, the others stay.
        await editor.edit((edit) => edit.replace(new vscode.Range(4, 16, 4, 19), '2'));
        await waitFor('the replicas diagnostic to go', () => {
            const lines = diagnosticsOf(uri).map((d) => d.range.start.line);
            return !lines.includes(4) && lines.includes(5) ? true : undefined;
        });
        await vscode.commands.executeCommand('workbench.action.closePanel');
    });

    it('warns about dockercloud/haproxy on its image and about server-template slots on both files', async () => {
        const uri = write(
            'proxy/docker-compose.yml',
            [
                'services:', // 0
                '  proxy:', // 1
                '    image: dockercloud/haproxy:1.6.7', // 2
                '  web:', // 3
                '    image: nginx', // 4
                '    deploy:', // 5
                '      replicas: 8', // 6
                '',
            ].join('\n'),
        );
        const cfg = write('proxy/haproxy.cfg', ['backend web', '  balance roundrobin', '  server-template web 4 tasks.web:80 check resolvers docker init-addr none', ''].join('\n'));
        await open(uri);
        const diagnostics = await waitFor('the HAProxy warnings', () => {
            const found = diagnosticsOf(uri);
            return found.length >= 2 ? found : undefined;
        });
        const image = diagnostics.find((d) => d.code === 'archived-haproxy-image');
        assert.ok(image, 'no archived image warning');
        assert.strictEqual(image.range.start.line, 2);
        assert.strictEqual(image.severity, vscode.DiagnosticSeverity.Warning);
        assert.match(image.message, /archived/);
        const slots = diagnostics.find((d) => d.code === 'haproxy-slots');
        assert.ok(slots, 'no slots warning on the compose file');
        assert.strictEqual(slots.range.start.line, 6, 'on the replicas line');
        const onCfg = await waitFor('the slots warning on haproxy.cfg', () => diagnosticsOf(cfg)[0]);
        assert.strictEqual(onCfg.range.start.line, 2);
        assert.strictEqual(onCfg.range.start.character, '  server-template web '.length);
    });
});
