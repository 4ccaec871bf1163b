/**
 * Start-up benchmark: what a user waits for at the prompt, side by side with the Docker CLI and with the floor.
 *
 *   npm run build && npx tsc -p . && node out/bench/startup.js [runs]      (needs the engine; default 9 runs)
 *
 * Rows (medians of `runs` fresh processes, tools interleaved run by run so that load hits both alike):
 *   node -e 0                      Node's bare start: the floor of any command written in Node;
 *   ls / services / ps             `swarm-stacks VERB` (dist/cli.js) against `docker stack VERB`;
 *   deploy, unchanged, never       the seed project (`swarm-stacks scaffold`, images of the test bed) re-deployed
 *                                  unchanged with `--resolve-image never`, each tool on a stack of its own;
 *   lint                           `swarm-stacks lint` of the seed's compose file (no engine).
 * Beside each figure: the floor, i.e. Node's bare start plus the engine's own time for the requests that command
 * sent (recorded through a proxy socket, then replayed raw over one kept-alive connection to the engine's socket,
 * GETs only: an unchanged deploy sends nothing else), and the targets of issue 9 (ls/services/ps within 40 ms of
 * `node -e 0`, the deploy within 100 ms, lint within 60 ms). The machine's load average is printed at start and end.
 * Also printed: which of crypto, tls, https, child_process and zlib `ls` loads (none should: no ssh endpoint).
 * Removes the stacks it created.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recordingProxy, replay } from './support/engine-proxy';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const NODE_IMAGE = process.env.SWARM_STACKS_NODE_IMAGE || 'swarm-stacks-testbed/node:20';
const HAPROXY_IMAGE = process.env.SWARM_STACKS_HAPROXY_IMAGE || 'swarm-stacks-testbed/haproxy:2.6';
const RUNS = Math.max(3, Number(process.argv[2]) || 9);
const RUN_TIMEOUT_MS = 120_000;

interface Command {
    file: string;
    args: string[];
}

/** One fresh process, wall time in ms; rejects unless it exits 0 (lint of the seed exits 0: no errors). Not
 * spawnSync: the recording proxy below lives in this process and must keep serving while the command runs. */
function timeOnce(command: Command, env: NodeJS.ProcessEnv): Promise<number> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        execFile(command.file, command.args, { env, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            if (error) reject(new Error(`${command.file} ${command.args.join(' ')} failed: ${error.message} ${String(stderr)}`));
            else resolve(ms);
        });
    });
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Which heavy built-in modules a CLI invocation loads (read from Node's own list at exit). */
function builtinsLoaded(args: string[], env: NodeJS.ProcessEnv, dir: string): string {
    const probe = path.join(dir, 'builtins-probe.cjs');
    fs.writeFileSync(
        probe,
        "process.on('exit', () => process.stderr.write('\\nLOADED ' + process.moduleLoadList.filter((m) => /^NativeModule (crypto|tls|https|child_process|zlib)$/.test(m)).map((m) => m.slice(13)).join(',') + '\\n'));",
    );
    const result = spawnSync(process.execPath, ['--require', probe, CLI, ...args], { env, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    return /LOADED (.*)/.exec(result.stderr)?.[1] || 'none';
}

interface Row {
    work: string;
    ours: Command;
    docker?: Command;
    /** The floor beyond Node's start, and the target's allowance over `node -e 0`. */
    engineMs?: number;
    requests?: number;
    dockerRequests?: number;
    allowanceMs: number;
    oursTimes: number[];
    dockerTimes: number[];
}

async function main(): Promise<void> {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const loadAtStart = os.loadavg();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-startup-'));
    const suffix = Math.random().toString(16).slice(2, 8);
    const stacks = { ours: `sst-${suffix}-seed-sst`, docker: `sst-${suffix}-seed-cli` };
    const node = (args: string[]): Command => ({ file: process.execPath, args: [CLI, ...args] });
    const docker = (args: string[]): Command => ({ file: 'docker', args });
    const env = { ...process.env };

    // The seed project, as a user gets it; one copy per tool so that the two stacks do not share host ports.
    const seed = (name: string, port: number): string => {
        const project = path.join(dir, name);
        execFileSync(process.execPath, [CLI, 'scaffold', project, '--name', 'seed', '--replicas', '1', '--image', NODE_IMAGE, '--haproxy-image', HAPROXY_IMAGE, '--port', String(port), '--stats-port', String(port + 1)], {
            stdio: 'pipe',
            timeout: RUN_TIMEOUT_MS,
        });
        return path.join(project, 'docker-compose.yaml');
    };
    const oursFile = seed('ours', 18630);
    const dockerFile = seed('docker', 18640);

    const rows: Row[] = [
        { work: 'ls', ours: node(['ls']), docker: docker(['stack', 'ls']), allowanceMs: 40, oursTimes: [], dockerTimes: [] },
        { work: 'services', ours: node(['services', stacks.ours]), docker: docker(['stack', 'services', stacks.docker]), allowanceMs: 40, oursTimes: [], dockerTimes: [] },
        { work: 'ps', ours: node(['ps', stacks.ours]), docker: docker(['stack', 'ps', stacks.docker]), allowanceMs: 40, oursTimes: [], dockerTimes: [] },
        {
            work: 'deploy seed, unchanged, never',
            ours: node(['deploy', '--resolve-image', 'never', '-c', oursFile, stacks.ours]),
            docker: docker(['stack', 'deploy', '--resolve-image', 'never', '-c', dockerFile, stacks.docker]),
            allowanceMs: 100,
            oursTimes: [],
            dockerTimes: [],
        },
        { work: 'lint seed', ours: node(['lint', oursFile]), allowanceMs: 60, oursTimes: [], dockerTimes: [] },
    ];
    const nodeTimes: number[] = [];

    try {
        process.stderr.write('deploying the seed stacks...\n');
        await timeOnce(rows[3].ours, env);
        await timeOnce(rows[3].docker!, env);

        // The requests each command sends, through a recording proxy (one run each, after the first deploys).
        const socket = path.join(dir, 'engine.sock');
        const proxy = await recordingProxy(socket);
        const proxied = { ...env, DOCKER_HOST: `unix://${socket}` };
        try {
            for (const row of rows) {
                if (row.work.startsWith('lint')) continue;
                await timeOnce(row.ours, proxied);
                const requests = proxy.take().map((r) => `${r.method} ${r.path}`);
                row.requests = requests.length;
                if (requests.some((line) => !/^(GET|HEAD) /.test(line))) throw new Error(`${row.work} sent more than reads: ${requests.join(', ')}`);
                const replays: number[] = [];
                for (let i = 0; i < RUNS; i++) replays.push(await replay(requests, RUN_TIMEOUT_MS));
                row.engineMs = median(replays);
                if (row.docker) {
                    await timeOnce(row.docker, proxied);
                    row.dockerRequests = proxy.take().length;
                }
            }
        } finally {
            await proxy.close();
        }

        // Warm-up (file cache), then interleaved runs.
        for (const row of rows) await timeOnce(row.ours, env);
        for (let i = 0; i < RUNS; i++) {
            process.stderr.write(`run ${i + 1}/${RUNS}\n`);
            nodeTimes.push(await timeOnce({ file: process.execPath, args: ['-e', '0'] }, env));
            for (const row of rows) {
                row.oursTimes.push(await timeOnce(row.ours, env));
                if (row.docker) row.dockerTimes.push(await timeOnce(row.docker, env));
            }
        }
        const lsBuiltins = builtinsLoaded(['ls'], env, dir);
        const loadAtEnd = os.loadavg();

        const nodeMs = median(nodeTimes);
        const ms = (n: number): string => `${n.toFixed(0)} ms`;
        const lines = [
            `Start-up, medians of ${RUNS} runs, Node ${process.version}, Docker CLI ${execFileSync('docker', ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' }).trim()}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`,
            `load average (1, 5, 15 min): ${loadAtStart.map((n) => n.toFixed(2)).join(' ')} at the start, ${loadAtEnd.map((n) => n.toFixed(2)).join(' ')} at the end`,
            '',
            '| work | swarm-stacks | over `node -e 0` | target (over `node -e 0`) | floor: node + engine (requests) | Docker CLI (requests) | ratio |',
            '|---|---|---|---|---|---|---|',
            `| \`node -e 0\` | ${ms(nodeMs)} | – | – | – | – | – |`,
        ];
        for (const row of rows) {
            const ours = median(row.oursTimes);
            const over = ours - nodeMs;
            const floor = row.engineMs === undefined ? `${ms(nodeMs)} (no engine)` : `${ms(nodeMs + row.engineMs)} = ${ms(nodeMs)} + ${row.engineMs.toFixed(1)} ms (${row.requests})`;
            const dockerMs = row.dockerTimes.length ? median(row.dockerTimes) : undefined;
            lines.push(
                `| ${row.work} | ${ms(ours)} | ${ms(over)} | ≤ ${row.allowanceMs} ms: ${over <= row.allowanceMs ? 'met' : 'NOT met'} | ${floor} | ${dockerMs === undefined ? '–' : `${ms(dockerMs)} (${row.dockerRequests})`} | ${dockerMs === undefined ? '–' : `${(ours / dockerMs).toFixed(1)}×`} |`,
            );
        }
        lines.push('', `ratio = swarm-stacks / Docker CLI. Built-in modules \`swarm-stacks ls\` loads of crypto, tls, https, child_process, zlib: ${lsBuiltins}.`);
        process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
        for (const stack of [stacks.ours, stacks.docker]) spawnSync(process.execPath, [CLI, 'rm', stack], { env, stdio: 'ignore', timeout: RUN_TIMEOUT_MS });
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
});
