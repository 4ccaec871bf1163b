// Runs the VS Code test layer (out/test/vscode/index.js) in desktop VS Code downloaded by @vscode/test-electron.
// Only for machines that can reach Microsoft's download servers; offline, use `npm run test:vscode`
// (code-server harness, scripts/vscode-harness.mjs). Usage: npm run test:electron
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
    const root = path.resolve(__dirname, '..', '..'); // out/test/electron.js -> project root
    const extensionTestsPath = path.join(root, 'out', 'test', 'vscode', 'index.js');
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-electron-'));
    const workspace = path.join(temp, 'workspace');
    const sample = path.join(root, 'test', 'vscode', 'workspace');
    if (fs.existsSync(sample)) {
        fs.cpSync(sample, workspace, { recursive: true });
    } else {
        fs.mkdirSync(workspace);
    }
    try {
        await runTests({
            extensionDevelopmentPath: root,
            extensionTestsPath,
            launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(temp, 'user-data')}`],
            extensionTestsEnv: process.env.SWARM_STACKS_TEST_COUNTS
                ? { SWARM_STACKS_TEST_COUNTS: process.env.SWARM_STACKS_TEST_COUNTS }
                : {},
        });
        return 0;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`VS Code tests failed: ${message}`);
        if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|download/i.test(message)) {
            console.error('(VS Code could not be downloaded; offline, run the same suite with: npm test -- vscode)');
        }
        return 1;
    } finally {
        fs.rmSync(temp, { recursive: true, force: true });
    }
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error);
        process.exit(1);
    },
);
