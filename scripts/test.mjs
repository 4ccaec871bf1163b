#!/usr/bin/env node
// The project's test command.
//   npm test                  build, compile, then the layers unit, engine, vscode in that order
//   npm test -- unit          one layer (or several: npm test -- unit engine)
// Before the layers: the build, the compile (tsc) and the lint (ESLint, then dependency-cruiser for the import graph);
// a failure of any of them counts as one failed test, and the layers still run.
// The last line of output is always "N passed, N failed" (", N skipped" appended when tests were skipped);
// a layer that does not run, writes no counts or has no tests adds 1 to "failed". Exit code 1 when failed > 0.
// Layers: unit   = mocha out/test/unit/**/*.test.js
//         engine = mocha out/test/engine/**/*.test.js against the real swarm (scripts/testbed/setup.sh)
//         vscode = out/test/vscode in real VS Code (code-server) via scripts/vscode-harness.mjs
// See docs/testbed.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOCHA = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const ESLINT = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const REPORTER = path.join(ROOT, 'scripts', 'mocha-count-reporter.cjs');
const MINUTE = 60_000;

const LAYERS = {
    unit: {
        timeoutMs: Number(process.env.SWARM_STACKS_UNIT_TIMEOUT_MS) || 10 * MINUTE,
        command: () => [process.execPath, [MOCHA, '--exit', '--reporter', REPORTER, 'out/test/unit/**/*.test.js']],
    },
    engine: {
        timeoutMs: Number(process.env.SWARM_STACKS_ENGINE_TIMEOUT_MS) || 45 * MINUTE,
        command: () => [
            process.execPath,
            [MOCHA, '--exit', '--timeout', '120000', '--reporter', REPORTER, 'out/test/engine/**/*.test.js'],
        ],
    },
    vscode: {
        // The harness bounds the suite itself (15 min by default); this is the outer fence.
        timeoutMs: (Number(process.env.SWARM_STACKS_VSCODE_TIMEOUT_MS) || 15 * MINUTE) + 5 * MINUTE,
        command: () => [process.execPath, [path.join(ROOT, 'scripts', 'vscode-harness.mjs'), 'test']],
    },
};

function heading(text) {
    process.stdout.write(`\n=== ${text} ===\n`);
}

function seconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a command in its own process group, inheriting stdio; kills the group on timeout or on our exit. */
const running = new Set();
function run(command, args, { env = process.env, timeoutMs = 30 * MINUTE, quiet = false } = {}) {
    return new Promise((resolve) => {
        const started = Date.now();
        let child;
        try {
            child = spawn(command, args, {
                cwd: ROOT,
                env,
                stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
                detached: true,
            });
        } catch (error) {
            resolve({ code: null, error: String(error), ms: 0 });
            return;
        }
        running.add(child);
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup(child, 'SIGTERM');
            setTimeout(() => killGroup(child, 'SIGKILL'), 10_000).unref();
        }, timeoutMs);
        child.on('error', (error) => {
            clearTimeout(timer);
            running.delete(child);
            resolve({ code: null, error: error.message, ms: Date.now() - started });
        });
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            running.delete(child);
            killGroup(child, 'SIGKILL'); // anything the command left in its group
            resolve({
                code,
                signal,
                ms: Date.now() - started,
                error: timedOut ? `timed out after ${seconds(timeoutMs)}` : signal ? `killed by ${signal}` : undefined,
            });
        });
    });
}

function killGroup(child, signal) {
    try {
        process.kill(-child.pid, signal);
    } catch {
        // already gone
    }
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
        for (const child of running) {
            killGroup(child, 'SIGTERM');
        }
        setTimeout(() => {
            for (const child of running) {
                killGroup(child, 'SIGKILL');
            }
            process.exit(code);
        }, 3_000).unref();
    });
}

/** Removes compiled out/ .js files (+ .map) whose .ts source is gone: compiled tests of deleted files must not run. */
function pruneStale() {
    let removed = 0;
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.name.endsWith('.js')) {
                const source = path.join(ROOT, path.relative(path.join(ROOT, 'out'), full)).replace(/\.js$/, '.ts');
                if (!fs.existsSync(source)) {
                    fs.rmSync(full, { force: true });
                    fs.rmSync(`${full}.map`, { force: true });
                    removed++;
                }
            }
        }
    };
    for (const top of ['src', 'test', 'bench']) {
        const dir = path.join(ROOT, 'out', top);
        if (fs.existsSync(dir)) {
            walk(dir);
        }
    }
    return removed;
}

async function dockerReachable() {
    const result = await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000, quiet: true });
    return result.code === 0;
}

async function main() {
    const requested = process.argv.slice(2).filter((arg) => arg !== '--');
    const unknown = requested.filter((name) => !(name in LAYERS));
    if (unknown.length > 0) {
        process.stderr.write(`unknown test layer(s): ${unknown.join(', ')} (known: ${Object.keys(LAYERS).join(', ')})\n`);
        process.stdout.write('0 passed, 1 failed\n');
        return 1;
    }
    const layers = requested.length > 0 ? Object.keys(LAYERS).filter((name) => requested.includes(name)) : Object.keys(LAYERS);
    const results = []; // { name, passed, failed, pending, note }
    const started = Date.now();

    heading('build (npm run build)');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = await run(npm, ['run', 'build'], { timeoutMs: 10 * MINUTE });
    const buildOk = build.code === 0;
    if (!buildOk) {
        process.stdout.write(`build failed (${build.error ?? `exit ${build.code}`})\n`);
        results.push({ name: 'build', passed: 0, failed: 1, pending: 0, note: 'npm run build failed' });
    }

    heading('compile (tsc -p . into out/)');
    const compile = await run(process.execPath, [TSC, '-p', '.'], { timeoutMs: 10 * MINUTE });
    const pruned = pruneStale();
    if (pruned > 0) {
        process.stdout.write(`removed ${pruned} compiled file(s) in out/ whose .ts source is gone\n`);
    }
    if (compile.code !== 0) {
        // tsc still emits JavaScript on type errors: the layers run, the type errors count as one failure.
        process.stdout.write(`tsc reported errors (${compile.error ?? `exit ${compile.code}`}); running the tests anyway\n`);
        results.push({ name: 'compile', passed: 0, failed: 1, pending: 0, note: 'tsc -p . reported errors' });
    } else {
        process.stdout.write(`compiled in ${seconds(compile.ms)}\n`);
    }

    heading('lint (eslint, then dependency-cruiser: no cycle, no import from a lower layer to a higher one)');
    const eslint = await run(process.execPath, [ESLINT, '--max-warnings', '0', '.'], { timeoutMs: 10 * MINUTE });
    const graph = await run(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src', 'test', 'bench'], {
        timeoutMs: 5 * MINUTE,
    });
    if (eslint.code !== 0 || graph.code !== 0) {
        const failed = [eslint.code !== 0 ? 'eslint' : undefined, graph.code !== 0 ? 'dependency-cruiser' : undefined].filter(Boolean).join(' and ');
        process.stdout.write(`lint failed (${failed}); running the tests anyway\n`);
        results.push({ name: 'lint', passed: 0, failed: 1, pending: 0, note: `${failed} reported problems` });
    } else {
        process.stdout.write(`lint clean in ${seconds(eslint.ms + graph.ms)}\n`);
    }

    const countsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-counts-'));
    try {
        for (const name of layers) {
            heading(`${name} tests`);
            if (name === 'vscode' && !buildOk) {
                process.stdout.write('skipped: the extension bundle (npm run build) failed\n');
                results.push({ name, passed: 0, failed: 1, pending: 0, note: 'did not run: build failed' });
                continue;
            }
            if (name === 'engine' && !(await dockerReachable())) {
                process.stdout.write('warning: no Docker engine reachable; run: bash scripts/testbed/setup.sh\n');
            }
            const countsFile = path.join(countsDir, `${name}.json`);
            const [command, args] = LAYERS[name].command();
            const result = await run(command, args, {
                env: { ...process.env, SWARM_STACKS_TEST_COUNTS: countsFile },
                timeoutMs: LAYERS[name].timeoutMs,
            });
            let counts;
            try {
                counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
            } catch {
                counts = undefined;
            }
            const entry = { name, passed: 0, failed: 0, pending: 0, ms: result.ms };
            if (!counts) {
                entry.failed = 1;
                entry.note = `did not run: ${result.error ?? `exit code ${result.code}`}, no counts written`;
            } else {
                entry.passed = Number(counts.passed) || 0;
                entry.failed = Number(counts.failed) || 0;
                entry.pending = Number(counts.pending) || 0;
                if (entry.passed + entry.failed + entry.pending === 0) {
                    entry.failed = 1;
                    entry.note = 'no tests found';
                } else if (result.code !== 0 && entry.failed === 0) {
                    // e.g. a crash after the counts were written, or a hook failure mocha did not count
                    entry.failed = 1;
                    entry.note = `exit code ${result.code ?? result.error} although no test failed`;
                }
            }
            if (entry.note) {
                process.stdout.write(`${name}: ${entry.note}\n`);
            }
            results.push(entry);
        }
    } finally {
        fs.rmSync(countsDir, { recursive: true, force: true });
    }

    heading(`summary (${seconds(Date.now() - started)})`);
    const total = { passed: 0, failed: 0, pending: 0 };
    for (const entry of results) {
        total.passed += entry.passed;
        total.failed += entry.failed;
        total.pending += entry.pending;
        const skipped = entry.pending > 0 ? `, ${entry.pending} skipped` : '';
        const time = entry.ms !== undefined ? ` in ${seconds(entry.ms)}` : '';
        const note = entry.note ? ` (${entry.note})` : '';
        process.stdout.write(`${entry.name.padEnd(8)} ${entry.passed} passed, ${entry.failed} failed${skipped}${time}${note}\n`);
    }
    const skipped = total.pending > 0 ? `, ${total.pending} skipped` : '';
    process.stdout.write(`${total.passed} passed, ${total.failed} failed${skipped}\n`);
    return total.failed > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        process.stderr.write(`test runner failure: ${error?.stack ?? error}\n`);
        process.stdout.write('0 passed, 1 failed\n');
        process.exit(1);
    },
);
