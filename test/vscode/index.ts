// Entry of the VS Code test layer, in the shape @vscode/test-electron and the code-server harness
// (scripts/vscode-harness.mjs) both expect: a module exporting run(), loaded inside the extension host.
// It runs every compiled out/test/vscode/**/*.test.js with mocha and writes {passed, failed, pending} to the file
// named by SWARM_STACKS_TEST_COUNTS (when set); it rejects when a test failed, which makes VS Code exit with 1.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';

/**
 * Prefix of every console line the suite prints under the code-server harness. There the extension host's console
 * reaches the browser mixed with the workbench's own log lines, unformatted (%s/%d); the harness prints only lines
 * with this prefix, already formatted here.
 */
export const HARNESS_TAG = '[swarm-stacks-test] ';

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';

/**
 * Under the harness: tag and pre-format console output (mocha's included) until the returned restore().
 * VS Code's extension host makes console.log & co. getters that ignore assignment (it forwards them to the
 * workbench), so they are redefined with defineProperty, and the original descriptors put back afterwards.
 */
function tagConsoleOutput(): () => void {
    if (!process.env.SWARM_STACKS_HARNESS_URL) {
        return () => undefined;
    }
    const restorers: Array<() => void> = [];
    const methods: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug'];
    for (const method of methods) {
        const descriptor = Object.getOwnPropertyDescriptor(console, method);
        const original = console[method];
        const tagged = (...args: unknown[]) => original.call(console, HARNESS_TAG + util.format(...args));
        try {
            Object.defineProperty(console, method, { configurable: true, get: () => tagged, set: () => undefined });
            restorers.push(() => {
                if (descriptor) {
                    Object.defineProperty(console, method, descriptor);
                }
            });
        } catch {
            // not redefinable: this method's lines stay untagged (they are in the harness's console log file)
        }
    }
    // Mocha's reporters print through Base.consoleLog, a copy of console.log taken when mocha was loaded.
    const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
    const originalConsoleLog = base.consoleLog;
    base.consoleLog = (...args: unknown[]) => originalConsoleLog(HARNESS_TAG + util.format(...args));
    restorers.push(() => (base.consoleLog = originalConsoleLog));
    return () => restorers.reverse().forEach((restore) => restore());
}

/** Every *.test.js under dir, depth first, sorted, without a glob dependency. */
export function findTestFiles(dir: string): string[] {
    const found: string[] = [];
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            found.push(...findTestFiles(full));
        } else if (entry.isFile() && entry.name.endsWith('.test.js')) {
            found.push(full);
        }
    }
    return found;
}

function writeCounts(counts: { passed: number; failed: number; pending: number }): void {
    const file = process.env.SWARM_STACKS_TEST_COUNTS;
    if (file) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(counts));
    }
}

export async function run(): Promise<void> {
    const timeout = Number(process.env.SWARM_STACKS_VSCODE_TEST_TIMEOUT_MS) || 60_000;
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout });
    // color: false does not cover mocha's ✔/✖ symbols, which are pre-coloured when CI is set.
    const symbols = Mocha.reporters.Base.symbols as unknown as Record<string, string>;
    for (const key of Object.keys(symbols)) {
        symbols[key] = util.stripVTControlCharacters(symbols[key]);
    }
    if (process.env.SWARM_STACKS_TEST_GREP) {
        mocha.grep(process.env.SWARM_STACKS_TEST_GREP);
    }
    const files = findTestFiles(__dirname);
    const restoreConsole = tagConsoleOutput();
    // The harness waits for this line to know the suite started.
    console.log(`swarm-stacks vscode suite: ${files.length} test file(s) in ${__dirname}`);
    for (const file of files) {
        mocha.addFile(file);
    }
    let counts = { passed: 0, failed: 0, pending: 0 };
    try {
        counts = await new Promise((resolve, reject) => {
            try {
                const runner = mocha.run(() =>
                    resolve({
                        passed: runner.stats?.passes ?? 0,
                        failed: runner.stats?.failures ?? 0,
                        pending: runner.stats?.pending ?? 0,
                    }),
                );
            } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
            }
        });
    } catch (error) {
        // A test file that throws while loading: count it as one failure.
        console.error('swarm-stacks vscode suite: could not run:', error);
        counts = { passed: 0, failed: 1, pending: 0 };
    } finally {
        restoreConsole();
    }
    writeCounts(counts);
    if (counts.failed > 0) {
        throw new Error(`${counts.failed} test(s) failed`);
    }
}
