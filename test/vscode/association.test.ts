// A compose file the Docker CLI deployed, opened in a window that never saw it: the editor learns its stack from the
// live swarm and every action on the lens works on that stack. Then: Update Image by typing into the quick pick,
// no Build lens on the proxy, logs with task prefixes and CRLF line breaks (one service, the whole stack, follow and
// stop), the drift after Scale in the lens and the tree, writing the count into the file, several matching stacks,
// and a failing command that settles while its error is on screen.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import type { LogSession } from '../../src/vscode/commands/stack/showServiceLogs';
import type { ServiceItem, StackItem } from '../../src/vscode/views/stackItems';
import { takeScreenshot, typeInWorkbench } from './harness';
import { waitFor, within } from './wait';

const BASE_IMAGE = 'swarm-stacks-testbed/node:20';
const PROXY_IMAGE = 'swarm-stacks-testbed/haproxy:2.6';

function docker(args: string[], cwd?: string): string {
    return execFileSync('docker', args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).trim();
}

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    return lenses.filter((lens) => lens.command?.command.startsWith('swarmStacks.') || lens.command?.command === '');
}

function titlesAt(lenses: vscode.CodeLens[], line: number): string[] {
    return lenses.filter((lens) => lens.range.start.line === line).map((lens) => lens.command?.title ?? '');
}

const ESC = '\u001b';
const stripAnsi = (text: string): string => text.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');

describe('a compose file deployed by the Docker CLI, opened in a fresh window', function () {
    this.timeout(300_000);
    const id = `sst${Math.random().toString(36).slice(2, 7)}`;
    const stack = `prod${id}`;
    const twin = `staging${id}`;
    const image = `${id}-web`;
    let api: SwarmStacksApi;
    let folder: string;
    let composeUri: vscode.Uri;
    let composeText: string;

    // Line numbers of the compose file below.
    const WEB_LINE = 2;
    const WEB_IMAGE_LINE = 3;
    const WORKER_LINE = 10;
    const PROXY_LINE = 15;
    const PROXY_IMAGE_LINE = 16;

    const serviceItem = async (name: string): Promise<ServiceItem | undefined> => {
        const stackItem = (await api.views.stacks.getChildren()).find((item): item is StackItem => (item as StackItem).stack?.name === stack);
        return stackItem ? ((await api.views.stacks.getChildren(stackItem)) as ServiceItem[]).find((item) => item.service?.name === name) : undefined;
    };

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        docker(['tag', BASE_IMAGE, `${image}:v1`]);
        docker(['tag', BASE_IMAGE, `${image}:v2`]);
        const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();
        folder = fs.mkdtempSync(path.join(root, 'deployed-'));
        composeText = [
            'version: "3.8"', // 0
            'services:', // 1
            '  web:', // 2
            `    image: ${image}:v1`, // 3
            '    build: .', // 4
            '    init: true', // 5
            '    command: ["node", "-e", "console.log(\'web up\'); console.log(\'second line\'); require(\'http\').createServer((q, r) => r.end(\'ok\')).listen(8080)"]', // 6
            '    deploy:', // 7
            '      replicas: 2', // 8
            '      update_config: {parallelism: 1, delay: 1s}', // 9
            '  worker:', // 10
            `    image: ${image}:v1`, // 11
            '    init: true', // 12
            '    command: ["node", "-e", "for (let i = 1; i <= 3; i++) console.log(\'tick \' + i); setInterval(() => {}, 1e6)"]', // 13
            '', // 14
            '  proxy:', // 15
            `    image: ${PROXY_IMAGE}`, // 16
            '    configs:', // 17
            '      - source: haproxy_cfg', // 18
            '        target: /usr/local/etc/haproxy/haproxy.cfg', // 19
            '    deploy:', // 20
            '      mode: global', // 21
            'configs:', // 22
            '  haproxy_cfg:', // 23
            '    file: ./haproxy.cfg', // 24
            '',
        ].join('\n');
        fs.writeFileSync(path.join(folder, 'docker-compose.yaml'), composeText);
        fs.writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${BASE_IMAGE}\n`);
        fs.writeFileSync(
            path.join(folder, 'haproxy.cfg'),
            ['defaults', '  mode http', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s', 'frontend web', '  bind :8080', '  http-request return status 200', ''].join('\n'),
        );
        composeUri = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
        // Deployed by the Docker CLI, not by the extension: nothing is remembered for this file.
        docker(['stack', 'deploy', '-c', 'docker-compose.yaml', stack], folder);
        await waitFor('the CLI-deployed stack to run', () => {
            const lines = docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Name}} {{.Replicas}}']).split('\n');
            return lines.length === 3 && lines.every((l) => /\s(\d+)\/\1\b/.test(l)) ? true : undefined;
        }, 90_000);
    });

    after(async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        for (const terminal of vscode.window.terminals) terminal.dispose();
        for (const name of [stack, twin]) {
            try {
                docker(['stack', 'rm', name]);
            } catch {
                // not deployed
            }
        }
        await waitFor('the test stacks to be gone', () => docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`]) === '' && docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${twin}`]) === '', 60_000).catch(() => undefined);
        for (const tag of ['v1', 'v2']) {
            try {
                docker(['rmi', `${image}:${tag}`]);
            } catch {
                // in use by a task still shutting down
            }
        }
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('learns the stack from the swarm and shows its live state; Build image only where a service builds', async () => {
        assert.equal(api.services.stackNames.get(composeUri), undefined, 'a fresh window knows nothing of this file');
        const document = await vscode.workspace.openTextDocument(composeUri);
        await vscode.window.showTextDocument(document, { preview: false });
        const lenses = await waitFor('the live lenses', async () => {
            const found = await lensesOf(composeUri);
            return titlesAt(found, WEB_LINE).includes('2/2 running') && titlesAt(found, PROXY_LINE).some((t) => /^1\/1 running/.test(t)) ? found : undefined;
        });
        assert.equal(api.services.stackNames.get(composeUri), stack, 'the one matching stack is remembered');
        const deploy = lenses.find((l) => l.command?.command === 'swarmStacks.deployStack');
        assert.equal(deploy?.command?.title, `Deploy stack · ${stack}: 4/4 running`);
        assert.deepEqual(titlesAt(lenses, WEB_LINE), ['2/2 running', 'Update image', 'Scale (2)', 'Rollback']);
        assert.deepEqual(titlesAt(lenses, WORKER_LINE), ['1/1 running', 'Update image', 'Scale (1)', 'Rollback']);
        assert.deepEqual(titlesAt(lenses, PROXY_LINE), ['1/1 running', 'Update image', 'Rollback'], 'a global service has no Scale');
        for (const lens of lenses.filter((l) => l.command?.command === 'swarmStacks.updateServiceImage' || l.command?.command === 'swarmStacks.scaleService')) {
            const serviceName = (lens.command!.arguments![0] as { serviceName: string }).serviceName;
            assert.match(serviceName, new RegExp(`^${stack}_(web|worker|proxy)$`), 'every action targets a service of the deployed stack');
        }
        const build = lenses.filter((l) => l.command?.command === 'swarmStacks.buildImage');
        assert.deepEqual(build.map((l) => l.range.start.line), [WEB_IMAGE_LINE], 'Build image above web only: the worker and the proxy do not build');
        assert.deepEqual(titlesAt(lenses, PROXY_IMAGE_LINE), []);
        const [context, options] = build[0].command!.arguments as [vscode.Uri, unknown];
        assert.equal(context.fsPath, folder, 'the build context is the folder of build: .');
        assert.deepEqual(options, { tag: `${image}:v1` });
    });

    it('updates the image typed into the quick pick, and no other', async () => {
        const lenses = await lensesOf(composeUri);
        const update = lenses.find((l) => l.range.start.line === WEB_LINE && l.command?.command === 'swarmStacks.updateServiceImage');
        assert.ok(update?.command);
        const running = vscode.commands.executeCommand(update.command.command, ...(update.command.arguments ?? []));
        await takeScreenshot('update-image-pick', { selector: '.quick-input-widget .quick-input-list .monaco-list-row' });
        await typeInWorkbench(`${image}:v2`, ['Enter']);
        await within('Update Image', running, 120_000);
        const deployed = docker(['service', 'inspect', `${stack}_web`, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}']).split('@')[0];
        assert.equal(deployed, `${image}:v2`, 'the typed image is the image deployed');
        const worker = docker(['service', 'inspect', `${stack}_worker`, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}']).split('@')[0];
        assert.equal(worker, `${image}:v1`, 'other services keep theirs');
    });

    it('shows the drift after Scale in the lens and the tree, and writes the new count into the file', async () => {
        const lenses = await lensesOf(composeUri);
        const scale = lenses.find((l) => l.range.start.line === WEB_LINE && l.command?.command === 'swarmStacks.scaleService');
        assert.ok(scale?.command);
        await within('Scale', vscode.commands.executeCommand(scale.command.command, ...(scale.command.arguments ?? []), 3), 120_000);
        // The lens and the tree render from the same model change: both show the drift once the model has it.
        const lensTitle = await waitFor('the drift in the lens', async () => titlesAt(await lensesOf(composeUri), WEB_LINE).find((t) => t.startsWith('3/3 running')));
        assert.equal(lensTitle, '3/3 running · file: 2');
        const item = await waitFor('the drift in the tree', async () => ((await serviceItem(`${stack}_web`))?.fileReplicas === 2 ? serviceItem(`${stack}_web`) : undefined));
        assert.match(String(item.description), /^3\/3 · file: 2 · /);
        await vscode.commands.executeCommand('swarmStacks.views.stacks.focus');
        await api.views.stacksView.reveal(item, { select: true, expand: false });
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(composeUri), { preview: false });
        await takeScreenshot('compose-drift', { selector: '.codelens-decoration' });

        await vscode.commands.executeCommand('swarmStacks.writeReplicasToFile', { uri: composeUri, key: 'web', replicas: 3 });
        assert.match(fs.readFileSync(composeUri.fsPath, 'utf8'), /^ {6}replicas: 3$/m);
        assert.equal(fs.readFileSync(composeUri.fsPath, 'utf8').replace('replicas: 3', 'replicas: 2'), composeText, 'nothing else changed');
        await waitFor('no drift any more', async () => titlesAt(await lensesOf(composeUri), WEB_LINE).includes('3/3 running'));
        await waitFor('no drift in the tree', async () => ((await serviceItem(`${stack}_web`))?.fileReplicas === undefined ? true : undefined));
    });

    it('shows service logs as docker service logs does, line by line', async () => {
        const session = await vscode.commands.executeCommand<LogSession>('swarmStacks.showServiceLogs', { serviceName: `${stack}_worker` }, { tail: 'all', follow: false });
        await within('the worker logs', session.ended, 30_000);
        const lines = session.transcript().slice(1, -1);
        assert.deepEqual(
            lines.map((l) => l.replace(/^.*\| /, '')),
            ['tick 1', 'tick 2', 'tick 3'],
            `one line per log line: ${JSON.stringify(session.transcript())}`,
        );
        // The node by its hostname, as docker service logs resolves it.
        const nodes = docker(['node', 'ls', '--format', '{{.Hostname}}']).split('\n').join('|');
        for (const line of lines) assert.match(line, new RegExp(`^${stack}_worker\\.1\\.[0-9a-z]{12}@(${nodes})    \\| tick \\d$`));
        const output = session.output();
        assert.ok(output.includes('tick 1\r\n') && !/[^\r]\n/.test(output), `CRLF line breaks in the terminal: ${JSON.stringify(output)}`);
        assert.equal(session.transcript().at(-1), '[log stream ended]');
        session.terminal.dispose();
    });

    it('merges the stack\'s logs with a coloured prefix per service; follows, and stops', async () => {
        const session = await vscode.commands.executeCommand<LogSession>('swarmStacks.showStackLogs', { stackName: stack }, { tail: 'all', follow: true });
        const lines = await waitFor('lines of web and worker', () => {
            const all = session.transcript();
            return all.some((l) => stripAnsi(l).includes(`${stack}_web.`)) && all.filter((l) => stripAnsi(l).includes(`${stack}_worker.`)).length === 3 ? all : undefined;
        }, 30_000);
        const colourOf = (service: string) => new Set(lines.filter((l) => stripAnsi(l).startsWith(`${stack}_${service}.`)).map((l) => /^\u001b\[(\d+)m/.exec(l)?.[1]));
        assert.equal(colourOf('web').size, 1, 'one colour per service');
        assert.equal(colourOf('worker').size, 1);
        assert.notDeepEqual([...colourOf('web')], [...colourOf('worker')], 'services differ in colour');
        assert.ok(!colourOf('web').has(undefined), 'prefixes are coloured');
        assert.ok(lines.some((l) => /_web\.[123]\.[0-9a-z]{12}@\S+ +\| web up$/.test(stripAnsi(l))), JSON.stringify(lines));
        const bars = new Set(lines.slice(1).map((l) => stripAnsi(l).indexOf(' | ')));
        assert.equal(bars.size, 1, `the | of every service in one column: ${JSON.stringify(lines)}`);
        await vscode.commands.executeCommand('notifications.clearAll');
        await vscode.commands.executeCommand('workbench.action.terminal.focus');
        // The whole panel, so that the picture shows the services' lines and colours together.
        await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
        await takeScreenshot('stack-logs', { selector: '.terminal-wrapper' });
        await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
        session.stop();
        await within('stopping the logs', session.ended, 10_000);
        assert.equal(session.transcript().at(-1), '[stopped]');
    });

    it('lets the user pick when several deployed stacks match the file, and offers no service action until then', async () => {
        docker(['stack', 'deploy', '-c', 'docker-compose.yaml', twin], folder);
        // A read that started after the twin's deploy: what this test checks is the pick, not how soon events arrive.
        await api.services.model.refresh();
        const copyDir = fs.mkdtempSync(path.join(folder, 'copy-'));
        const copy = vscode.Uri.file(path.join(copyDir, 'docker-compose.yaml'));
        fs.writeFileSync(copy.fsPath, fs.readFileSync(composeUri.fsPath, 'utf8'));
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(copy), { preview: false });
        const lenses = await waitFor('the pick lens', async () => {
            const found = await lensesOf(copy);
            return found.some((l) => l.command?.command === 'swarmStacks.pickComposeStack') ? found : undefined;
        });
        assert.deepEqual(titlesAt(lenses, 1), ['Deploy stack', '2 deployed stacks match: pick one']);
        assert.deepEqual(lenses.filter((l) => l.range.start.line > 1 && l.command?.command !== 'swarmStacks.buildImage').map((l) => l.command?.title), [], 'no service lens while the stack is not known');
        assert.equal(api.services.stackNames.get(copy), undefined);

        // Picking one associates the file: its lenses then act on that stack's services.
        const picking = vscode.commands.executeCommand('swarmStacks.pickComposeStack', copy);
        await takeScreenshot('pick-stack', { selector: '.quick-input-widget .quick-input-list .monaco-list-row' });
        await typeInWorkbench(twin, ['Enter']);
        await within('Pick Stack', picking, 30_000);
        assert.equal(api.services.stackNames.get(copy), twin);
        const picked = await waitFor('the lenses of the picked stack', async () => {
            const found = await lensesOf(copy);
            return found.some((l) => l.command?.command === 'swarmStacks.updateServiceImage') ? found : undefined;
        });
        assert.equal(picked.find((l) => l.command?.command === 'swarmStacks.deployStack')?.command?.title.startsWith(`Deploy stack · ${twin}: `), true);
        const targets = picked.filter((l) => l.command?.command === 'swarmStacks.updateServiceImage').map((l) => (l.command!.arguments![0] as { serviceName: string }).serviceName);
        assert.deepEqual(targets, [`${twin}_web`, `${twin}_worker`, `${twin}_proxy`]);
    });

    it('settles a failing command promptly while its error is shown', async () => {
        const started = Date.now();
        await within('a failing command', vscode.commands.executeCommand('swarmStacks.scaleService', { serviceName: `${stack}_nosuchservice` }, 2), 10_000);
        assert.ok(Date.now() - started < 10_000);
        await vscode.commands.executeCommand('notifications.clearAll');
    });
});
