// Smoke test: the extension loads in a real VS Code, registers its commands and shows its view container.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { takeScreenshot, workbenchText } from './harness';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
/** Issue 9's target for bundle evaluation plus activate(); the assertion allows the busy test machine 5 times that. */
const ACTIVATION_TARGET_MS = 20;
const ACTIVATION_LIMIT_MS = 5 * ACTIVATION_TARGET_MS;

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

    it('activates within its budget: code loading plus activate(), as Developer: Show Running Extensions reports', async () => {
        // VS Code measures codeLoadingTime (evaluating dist/extension.js) and activateCallTime (activate()) itself;
        // the Running Extensions editor shows their sum, the figure the issue was measured with.
        await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
        const row = `.runtime-extensions-editor .extension:has(div.name:text-is("${EXTENSION_ID}"), div.name:text-is("Swarm Stacks"))`;
        let shown = '';
        for (let attempt = 0; attempt < 20 && !/\d+\s*ms/.test(shown); attempt++) {
            shown = await workbenchText(`${row} .activation-time`).catch(() => '');
            if (!/\d+\s*ms/.test(shown)) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const match = /(\d+)\s*ms/.exec(shown);
        assert.ok(match, `no activation time shown for ${EXTENSION_ID}: '${shown}'`);
        const activationMs = Number(match[1]);
        console.log(`activation (code loading + activate()): ${activationMs} ms [${shown}], target ${ACTIVATION_TARGET_MS} ms`);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        assert.ok(activationMs <= ACTIVATION_LIMIT_MS, `activation took ${activationMs} ms (target ${ACTIVATION_TARGET_MS} ms)`);
    });
});
