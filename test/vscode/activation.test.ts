// Smoke test: the extension loads in a real VS Code, registers its commands and shows its view container.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { takeScreenshot } from './harness';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';

describe('activation', () => {
    it('the extension is installed and activates', async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension, `extension ${EXTENSION_ID} not found`);
        await extension.activate();
        assert.strictEqual(extension.isActive, true);
    });

    it('registers swarmStacks.refresh', async () => {
        const commands = await vscode.commands.getCommands(true);
        assert.ok(commands.includes('swarmStacks.refresh'), 'swarmStacks.refresh is not registered');
    });

    it('opens the Swarm view container', async () => {
        await vscode.commands.executeCommand('workbench.view.extension.swarmStacks');
        await takeScreenshot('activity-bar', { selector: '[id="workbench.view.extension.swarmStacks"]' });
    });
});
