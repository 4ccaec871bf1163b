// Stack history in the real VS Code, against the real swarm: two deploys show as two revisions under the stack's
// History node; a click compares a revision with the one before; "Roll Stack Back to Revision" on the first one
// restores its spec and records the rollback; Show Drift opens the running stack and the compose file as a diff.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi } from '../../src/extension';
import type { StackItem } from '../../src/vscode/views/stackItems';
import type { HistoryItem, RevisionItem } from '../../src/vscode/views/historyItems';
import { takeScreenshot } from './harness';
import { waitFor } from './wait';

const BASE_IMAGE = 'swarm-stacks-testbed/node:20';

function docker(...args: string[]): string {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('Stack history: the History node, a rollback from it, Show Drift', function () {
    this.timeout(240_000);
    const stack = `sst${Math.random().toString(36).slice(2, 8)}hist`;
    const serviceName = `${stack}_web`;
    let api: SwarmStacksApi;
    let folder: string;
    let composeUri: vscode.Uri;

    const writeCompose = (value: string) =>
        fs.writeFileSync(
            composeUri.fsPath,
            [
                'version: "3.8"',
                'services:',
                '  web:',
                `    image: ${BASE_IMAGE}`,
                '    init: true',
                '    command: ["node", "-e", "setInterval(() => {}, 1e9)"]',
                `    environment: [V=${value}]`,
                '    stop_grace_period: 1s',
                '    deploy:',
                '      replicas: 1',
                '',
            ].join('\n'),
        );
    const liveEnv = () => docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}', serviceName);

    async function historyItems(): Promise<RevisionItem[]> {
        const stackItem = (await api.views.stacks.getChildren()).find((item): item is StackItem => (item as StackItem).stack?.name === stack);
        if (!stackItem) return [];
        const history = (await api.views.stacks.getChildren(stackItem)).find((item): item is HistoryItem => (item as HistoryItem).contextValue === 'stackHistory');
        return history ? ((await api.views.stacks.getChildren(history)) as RevisionItem[]) : [];
    }

    async function activeDiff(): Promise<{ original: string; modified: string; label: string }> {
        const tab = await waitFor('a diff editor', () => {
            const t = vscode.window.tabGroups.activeTabGroup.activeTab;
            return t?.input instanceof vscode.TabInputTextDiff ? t : undefined;
        });
        const input = tab.input as vscode.TabInputTextDiff;
        const [original, modified] = await Promise.all([vscode.workspace.openTextDocument(input.original), vscode.workspace.openTextDocument(input.modified)]);
        return { original: original.getText(), modified: modified.getText(), label: tab.label };
    }

    before(async () => {
        const extension = vscode.extensions.getExtension<SwarmStacksApi>('swarm-stacks.swarm-stacks');
        assert.ok(extension, 'extension present');
        api = await extension.activate();
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-vscode-history-'));
        composeUri = vscode.Uri.file(path.join(folder, 'docker-compose.yaml'));
        writeCompose('one');
        await vscode.commands.executeCommand('workbench.view.extension.swarmStacks');
    });

    after(async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        try {
            docker('stack', 'rm', stack);
        } catch {
            // already gone
        }
        await waitFor('the test stack to be gone', () => docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`) === '' || undefined, 60_000).catch(() => undefined);
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('two deploys are two revisions under the History node, newest first; a click compares one with the one before', async () => {
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack, skipConfirmation: true });
        writeCompose('two');
        await vscode.commands.executeCommand('swarmStacks.deployStack', composeUri, { stackName: stack, skipConfirmation: true });
        assert.equal(liveEnv(), '["V=two"]');

        const items = await waitFor('two revisions under History', async () => {
            const list = await historyItems();
            return list.length === 2 ? list : undefined;
        });
        assert.deepEqual(items.map((i) => i.label), ['Revision 2', 'Revision 1']);
        assert.equal(items[0].contextValue, 'revision.current');
        assert.match(String(items[0].description), new RegExp(`^running · deploy · .* · ${os.userInfo().username}@${os.hostname()}$`));
        assert.equal(items[1].contextValue, 'revision');

        // The click of a revision: what it changed from the one before, as a diff.
        const click = items[0].command!;
        await vscode.commands.executeCommand(click.command, ...(click.arguments ?? []));
        const diff = await activeDiff();
        assert.match(diff.label, new RegExp(`${stack}: revision 1 ↔ 2`));
        assert.match(diff.original, /"V=one"/);
        assert.match(diff.modified, /"V=two"/);
        assert.match(diff.modified, /^# Stack .*, revision 2: deploy$/m);
        // Headed by the changes, in the deploy plan's words.
        assert.match(diff.modified, new RegExp(`^# Changes from revision 1:\\n#   service ${serviceName}: update\\n#       TaskTemplate.ContainerSpec.Env: \\["V=one"\\] → \\["V=two"\\]$`, 'm'));
        await vscode.commands.executeCommand('swarmStacks.views.stacks.focus');
        await takeScreenshot('stack-history');
    });

    it('rolls the stack back to revision 1 from its item, and records the rollback as revision 3', async () => {
        const first = (await historyItems()).find((i) => i.label === 'Revision 1');
        assert.ok(first, 'revision 1 listed');
        await vscode.commands.executeCommand('swarmStacks.rollbackStack', first, { skipConfirmation: true });
        assert.equal(liveEnv(), '["V=one"]', 'the spec of revision 1 runs again');
        const items = await waitFor('revision 3 under History', async () => {
            const list = await historyItems();
            return list[0]?.label === 'Revision 3' ? list : undefined;
        });
        assert.match(String(items[0].description), /^running · rollback to revision 1 · /);
    });

    it('Show Drift opens the running stack and the compose file as a diff', async () => {
        // The file still says two; the stack runs one since the rollback.
        const result = await vscode.commands.executeCommand<{ drift: boolean }>('swarmStacks.showDrift', { stack: { name: stack } });
        assert.deepEqual(result, { drift: true });
        const diff = await activeDiff();
        assert.match(diff.label, new RegExp(`${stack}: running ↔ `));
        assert.match(diff.original, /"V=one"/);
        assert.match(diff.modified, /"V=two"/);
        assert.doesNotMatch(diff.original, /"V=two"/);
        await takeScreenshot('show-drift');

        writeCompose('one');
        const none = await vscode.commands.executeCommand<{ drift: boolean }>('swarmStacks.showDrift', composeUri);
        assert.deepEqual(none, { drift: false });
        const same = await activeDiff();
        assert.equal(same.original, same.modified);
    });
});
