// Smoke test: the extension loads in a real VS Code, registers its commands and shows its view container.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SwarmStacksApi, Timing } from '../../src/extension';
import { clickInWorkbench, takeScreenshot, typeInWorkbench, workbenchText } from './harness';

const EXTENSION_ID = 'swarm-stacks.swarm-stacks';
/**
 * Issue 9's target for bundle evaluation plus activate(), printed beside the figure. The figure is printed, never
 * asserted: a startup activation competes with code-server starting on the 2-core machine, and timings are
 * bench/ figures. What keeps activation cheap is checked where it can fail deterministically: the build refuses a
 * first bundle that would evaluate yaml, a package, Docker, the compose loader or lint, or that outgrew its size limit
 * (scripts/extension-split.mjs).
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

    it('reports its activation time, as VS Code shows it and as it measures itself', async function () {
        this.timeout(60_000);
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        // The extension's own figure, which the test requires: bundle evaluation (the first statement of
        // dist/extension.js to its last) plus the activate() call. VS Code's figure adds its reading and compiling of
        // the file and its module loader's work; neither counts VS Code's wait between loading the module and calling
        // activate() (it first reads the extension's storage).
        const api = extension?.exports as Partial<Pick<SwarmStacksApi, 'activation' | 'evaluation' | 'activate'>> | undefined;
        const { activation, evaluation, activate } = api ?? {};
        assert.ok(activation && activation.wallMs > 0 && activation.cpuMs > 0, `the extension reported no activation time: ${JSON.stringify(activation)}`);
        assert.ok(evaluation && evaluation.wallMs > 0 && activate, `the bundle reported no evaluation time (not run from dist/extension.js?): ${JSON.stringify(evaluation)}`);
        const bundle = fs.readFileSync(path.join(extension!.extensionPath, 'dist', 'extension.js'), 'utf8');
        // The production build (what the VSIX ships: scripts/build.mjs --production) is minified without a source map.
        const build = /\/\/# sourceMappingURL=/.test(bundle) ? 'development build' : 'production build';

        // VS Code's figure as Developer: Show Running Extensions shows it: codeLoadingTime + activateCallTime
        // (vs/workbench/contrib/extensions/browser/abstractRuntimeExtensionsEditor.ts). Its list is sorted slowest
        // first and draws only the rows in view: the rows in view are read, then the list's end. Each read is bounded.
        await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
        const list = '.runtime-extensions-editor .monaco-list-rows';
        // Our row's text runs from its name to its time ("Startup Activation: 12ms"), with no other row's between.
        const ours = /(?:Swarm Stacks|swarm-stacks\.swarm-stacks)\b(?:(?!Activat)[\s\S])*?((?:Startup )?Activation: (\d+)\s*ms)/;
        let reading = true;
        const readShown = async (): Promise<RegExpExecArray | undefined> => {
            for (let attempt = 0; attempt < 6 && reading; attempt++) {
                const match = ours.exec(await workbenchText(list).catch(() => ''));
                if (match || !reading) return match ?? undefined;
                if (attempt % 2 === 1) {
                    // Not among the rows in view: focus the list and go to its end (the fastest activations).
                    await clickInWorkbench(`${list} .monaco-list-row`).catch(() => undefined);
                    if (reading) await typeInWorkbench('', ['End']).catch(() => undefined);
                }
                await new Promise((resolve) => setTimeout(resolve, 300));
            }
            return undefined;
        };
        let timer: NodeJS.Timeout | undefined;
        const shownMatch = await Promise.race([readShown(), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 30_000)))]);
        reading = false;
        if (timer) clearTimeout(timer);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        const shown = shownMatch?.[1] ?? '';
        const shownMs = shownMatch?.[2];

        console.log(
            `activation (${build}): VS Code shows ${shownMs !== undefined ? `${shownMs} ms [${shown}]` : 'no figure (Running Extensions not read)'}` +
                `; its marks: ${vscodeMarks()}` +
                `; the extension's own: ${ms(activation)} = bundle evaluation ${ms(evaluation)} + activate() ${ms(activate)}` +
                `; target ${ACTIVATION_TARGET_MS} ms; load average ${os.loadavg()[0].toFixed(1)}`,
        );
    });
});

/** Wall time, and the extension host thread's CPU time, which a busy machine does not inflate. */
function ms(timing: Timing): string {
    return `${timing.wallMs.toFixed(1)} ms (CPU ${timing.cpuMs.toFixed(1)} ms)`;
}

/**
 * VS Code's performance marks around loading and activating the extension in the extension host
 * (code/extHost/willLoadExtensionCode/<id>…, vs/base/common/performance.ts, whole milliseconds): loading is
 * codeLoadingTime; activating is activateCallTime plus the wait for the returned value.
 */
function vscodeMarks(): string {
    const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks?.getMarks() ?? [];
    const at = (what: string) => marks.find((m) => m.name === `code/extHost/${what}/${EXTENSION_ID}`)?.startTime;
    const span = (from: string, to: string) => {
        const [start, end] = [at(from), at(to)];
        return start !== undefined && end !== undefined ? `${end - start} ms` : 'not marked';
    };
    return `loading ${span('willLoadExtensionCode', 'didLoadExtensionCode')}, activating ${span('willActivateExtension', 'didActivateExtension')}`;
}
