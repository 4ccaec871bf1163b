/**
 * Running the two command lines under test as child processes, with argument arrays (no shell) and a
 * time bound: the Docker CLI (`docker`) and our bundled CLI (`node dist/cli.js`, the product path).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import type { DockerClient } from '../../../src/docker/client';
import { STACK_LABEL } from './names';
import { waitFor } from './wait';

/** The repository root (tests run from out/test/engine/...). */
export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

export function run(command: string, args: string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(
            command,
            args,
            { timeout: options.timeoutMs ?? 120_000, killSignal: 'SIGKILL', cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) => {
                const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
                const killed = error && (error as { killed?: boolean }).killed ? `\n[killed after ${options.timeoutMs ?? 120_000} ms]` : '';
                resolve({ code, stdout: String(stdout), stderr: String(stderr) + killed, ms: Date.now() - started });
            },
        );
    });
}

/** `docker ARGS` (`env` with DOCKER_HOST for another engine: support/engines.ts `engineEnv`). */
export function docker(args: string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return run('docker', args, options);
}

/** `swarm-stacks ARGS` through the bundled CLI. */
export function swarmStacks(args: string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return run(process.execPath, [CLI, ...args], options);
}

/**
 * Fails clearly when the bundle is missing; warns when it is older than the sources it is built
 * from (npm test always builds first; a manual mocha run may forget to).
 */
export function assertFreshBundle(): void {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const built = fs.statSync(CLI).mtimeMs;
    const newest = newestMtime(path.join(ROOT, 'src'));
    if (newest > built + 1000) {
        process.stderr.write(`warning: ${CLI} is older than src/ (by ${Math.round((newest - built) / 1000)} s): run npm run build first\n`);
    }
}

function newestMtime(dir: string): number {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        // src/vscode is not part of the CLI bundle.
        if (entry.isDirectory()) newest = Math.max(newest, entry.name === 'vscode' ? 0 : newestMtime(full));
        else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
    return newest;
}

export function describeRun(what: string, r: RunResult): string {
    return `${what} exited ${r.code} after ${r.ms} ms\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/**
 * Quick teardown help: removes the stacks' services, then force-removes their containers so that
 * tasks that ignore SIGTERM (node as PID 1 without init) do not hold the network for their whole
 * stop grace period. The Cleanup helper then removes the rest and waits until it is gone.
 */
export async function killStackContainers(client: DockerClient, stacks: string[], env?: NodeJS.ProcessEnv): Promise<void> {
    for (const stack of stacks) {
        for (const s of await client.listServices({ label: [`${STACK_LABEL}=${stack}`] })) {
            await client.removeService(s.ID).catch(() => undefined);
        }
    }
    // A container the engine was creating when its service went (job-mode tasks on Engine 20.10 among them) shows up
    // a moment later and outlives the service: sweep until two passes a second apart find nothing (bounded).
    let quiet = 0;
    for (let pass = 0; pass < 8 && quiet < 2; pass++) {
        if (pass > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
        const ids: string[] = [];
        for (const stack of stacks) {
            const ps = await docker(['ps', '-aq', '--filter', `label=${STACK_LABEL}=${stack}`], { timeoutMs: 30_000, env });
            ids.push(...ps.stdout.split('\n').filter(Boolean));
        }
        quiet = ids.length ? 0 : quiet + 1;
        if (ids.length) await docker(['rm', '-f', ...ids], { timeoutMs: 60_000, env });
    }
}

/** Waits (bounded) until the stack's services have their desired number of running tasks. */
export async function waitConverged(client: DockerClient, stack: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(
        async () => {
            const services = await client.listServices({ label: [`${STACK_LABEL}=${stack}`] }, { status: true });
            if (!services.length) return false;
            return services.every((s) => {
                const st = s.ServiceStatus;
                const u = s.UpdateStatus?.State;
                return st !== undefined && st.RunningTasks === st.DesiredTasks && u !== 'updating' && u !== 'rollback_started';
            });
        },
        { timeoutMs, intervalMs: 300, what: `stack ${stack} to converge` },
    );
}
