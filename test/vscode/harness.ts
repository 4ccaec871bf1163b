// Helpers for tests that run inside VS Code under scripts/vscode-harness.mjs (code-server + headless Chromium).
// The extension host cannot reach the browser page, so the harness serves a small HTTP endpoint on 127.0.0.1
// and passes its address in SWARM_STACKS_HARNESS_URL.
import * as http from 'http';

export interface ScreenshotOptions {
    /** CSS selector the harness waits for (bounded) before taking the picture. */
    selector?: string;
}

/** True when the suite runs under the code-server harness (screenshots possible). */
export function underHarness(): boolean {
    return !!process.env.SWARM_STACKS_HARNESS_URL;
}

/**
 * Asks the harness to save a PNG of the whole workbench as docs/screenshots/<name>.png (the folder comes from
 * SWARM_STACKS_SCREENSHOT_DIR on the harness side) and resolves when the file is written.
 * Without the harness (e.g. under @vscode/test-electron) it only logs a line.
 */
export async function takeScreenshot(name: string, options: ScreenshotOptions = {}): Promise<void> {
    const base = process.env.SWARM_STACKS_HARNESS_URL;
    if (!base) {
        console.log(`(screenshot '${name}' skipped: SWARM_STACKS_HARNESS_URL not set)`);
        return;
    }
    const url = new URL('/screenshot', base);
    url.searchParams.set('name', name);
    if (options.selector) {
        url.searchParams.set('selector', options.selector);
    }
    await new Promise<void>((resolve, reject) => {
        const request = http.request(url, { method: 'POST', timeout: 30_000 }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => {
                if (response.statusCode === 200) {
                    resolve();
                } else {
                    reject(new Error(`screenshot '${name}' failed: HTTP ${response.statusCode} ${body}`));
                }
            });
        });
        request.on('timeout', () => request.destroy(new Error(`screenshot '${name}': no answer within 30 s`)));
        request.on('error', reject);
        request.end();
    });
}

/**
 * Types `text` into whatever has the keyboard focus in the workbench, then presses `press` (Playwright key names such
 * as `Enter`), through the harness's browser: a quick pick is filled as a person fills it. Throws without the harness.
 */
export async function typeInWorkbench(text: string, press: string[] = []): Promise<void> {
    await harnessCall('POST', '/keyboard', { text }, 'typing');
    for (const key of press) await harnessCall('POST', '/keyboard', { press: key }, `pressing ${key}`);
}

/** One request to the harness's endpoint; the JSON answer, or an error naming what was asked. */
function harnessCall<T>(method: 'GET' | 'POST', pathname: string, params: Record<string, string>, what: string): Promise<T> {
    const base = process.env.SWARM_STACKS_HARNESS_URL;
    if (!base) return Promise.reject(new Error(`${what} needs the code-server harness (SWARM_STACKS_HARNESS_URL)`));
    const url = new URL(pathname, base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return new Promise<T>((resolve, reject) => {
        const request = http.request(url, { method, timeout: 30_000 }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${what} failed: HTTP ${response.statusCode} ${body}`))));
        });
        request.on('timeout', () => request.destroy(new Error(`${what}: no answer within 30 s`)));
        request.on('error', reject);
        request.end();
    });
}

/** The text of the first visible element matching a Playwright selector in the workbench (e.g. a modal dialog). */
export async function workbenchText(selector: string): Promise<string> {
    return (await harnessCall<{ text: string }>('GET', '/text', { selector }, `reading ${selector}`)).text;
}

/** Clicks the first visible element matching a Playwright selector, as a person would (a dialog's button). */
export async function clickInWorkbench(selector: string): Promise<void> {
    await harnessCall('POST', '/click', { selector }, `clicking ${selector}`);
}
