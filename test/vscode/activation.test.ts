// Smoke test: the extension loads in a real VS Code, registers its commands and shows its view container.
import * as assert from 'assert';
import * as os from 'os';
import * as vscode from 'vscode';
import { takeScreenshot, workbenchText } from './harness';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
/**
 * Issue 9's target for bundle evaluation plus activate(), printed beside the figure. The figure is printed, never
 * asserted: a startup activation competes with code-server starting on the 2-core machine, and timings are
 * bench/ figures. What keeps activation cheap is checked where it can fail deterministically: the build refuses a
 * first bundle that would evaluate yaml, a package, Docker, the compose loader or lint (scripts/extension-split.mjs).
 */
const ACTIVATION_TARGET_MS = 20;

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

    it('reports its activation time, as Developer: Show Running Extensions shows it and as it measures itself', async function () {
        this.timeout(60_000);
        // VS Code measures codeLoadingTime (evaluating dist/extension.js) and activateCallTime (activate()) itself;
        // the Running Extensions editor shows their sum, the figure the issue was measured with.
        // The extension's own figure: from the first statement of dist/extension.js to the end of activate(), without
        // VS Code's reading of the file and the wait for the extension host's busy start-up.
        const own = (vscode.extensions.getExtension(EXTENSION_ID)?.exports as { activationMs?: number } | undefined)?.activationMs;
        assert.ok(typeof own === 'number' && own > 0, `the extension reported no activation time: ${String(own)}`);
        // VS Code's own figure, read from the Running Extensions editor when it shows one within 15 s. Reading that
        // editor's DOM through the harness has hung on a busy machine; the figure is printed, not tested.
        await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
        const row = `.runtime-extensions-editor .extension:has(div.name:text-is("${EXTENSION_ID}"), div.name:text-is("Swarm Stacks"))`;
        const readShown = async (): Promise<string> => {
            let shown = '';
            for (let attempt = 0; attempt < 8 && !/\d+\s*ms/.test(shown); attempt++) {
                shown = await workbenchText(`${row} .activation-time`).catch(() => '');
                if (!/\d+\s*ms/.test(shown)) await new Promise((resolve) => setTimeout(resolve, 250));
            }
            return shown;
        };
        let timer: NodeJS.Timeout | undefined;
        const shown = await Promise.race([readShown(), new Promise<string>((resolve) => (timer = setTimeout(() => resolve(''), 15_000)))]);
        if (timer) clearTimeout(timer);
        const match = /(\d+)\s*ms/.exec(shown);
        console.log(
            `activation: ${match ? `${match[1]} ms as VS Code shows it [${shown}]` : 'VS Code\'s figure not read'}; ` +
                `bundle evaluation + activate(): ${own.toFixed(1)} ms; target ${ACTIVATION_TARGET_MS} ms; load average ${os.loadavg()[0].toFixed(1)}`,
        );
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
});
