/**
 * Deploy benchmark: `docker stack deploy` against `swarm-stacks deploy` (the bundled CLI) on the
 * engine at hand, for stacks of 30 and 300 services (replicas 0, one local image), with
 * `--resolve-image never` and in the default mode (`always`: on an engine without a registry each
 * image lookup fails), first deploy and unchanged re-deploy. Both tools talk to the engine through
 * a counting proxy socket, so the API requests each sends are measured too.
 *
 *   npx tsc -p . && npm run build && node out/bench/deploy.js [--full] [--pairs N]
 *
 * The first deploy of 300 services in `never` mode (the target: at most 1.0× the Docker CLI) is also run in N pairs
 * back to back (5 by default), the tools taking turns to go first, and compared by their medians.
 *
 * The CLI's default mode asks the registry once per service and waits out each failure (~0.4 s):
 * 300 services take about 2 minutes, so by default that run is 30 services only and the 300 figure
 * measured earlier on this kind of machine is printed beside it; --full runs it.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENGINE_SOCKET, recordingProxy } from './support/engine-proxy';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const IMAGE = process.env.SWARM_STACKS_NODE_IMAGE || 'swarm-stacks-testbed/node:20';
const FULL = process.argv.includes('--full');
/** Pairs of first deploys of 300 services (`--pairs N`, 5 by default). */
const PAIRS_AT = process.argv.indexOf('--pairs');
const PAIRS = PAIRS_AT === -1 ? 5 : Math.max(0, Number(process.argv[PAIRS_AT + 1]) || 0);
/** The Docker CLI (28.2.2) measured on this kind of machine: 300 services in the default mode, no registry (bench/README.md). */
const CLI_DEFAULT_300_MEASURED_S = 116;

interface Run {
    ms: number;
    requests: number;
    code: number;
    stderr: string;
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
        execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Number(process.hrtime.bigint() - started) / 1e6 });
        });
    });
}

function composeFile(dir: string, services: number): string {
    const file = path.join(dir, `stack-${services}.yml`);
    const body = Array.from({ length: services }, (_, i) => `  s${i}:\n    image: ${IMAGE}\n    command: ["node", "-e", "0"]\n    deploy: {replicas: 0}\n`).join('');
    fs.writeFileSync(file, `version: "3.8"\nservices:\n${body}`);
    return file;
}

async function main(): Promise<void> {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-bench-'));
    const socket = path.join(dir, 'engine.sock');
    const proxy = await recordingProxy(socket);
    const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
    const suffix = Math.random().toString(16).slice(2, 10);
    const stacks: string[] = [];
    const rolling: { tool: string; run: Run }[] = [];
    const rows: { what: string; services: number; mode: string; tool: string; first?: Run; again?: Run; note?: string }[] = [];
    /** First deploys of 300 services in `never` mode, in pairs run back to back, the tools taking turns to go first. */
    const pairs: { docker: number; ours: number }[] = [];

    const timed = async (tool: 'docker' | 'swarm-stacks', file: string, stack: string, mode: 'never' | 'default', via = env): Promise<Run> => {
        const resolve = mode === 'never' ? ['--resolve-image', 'never'] : [];
        const args = tool === 'docker' ? ['stack', 'deploy', ...resolve, '-c', file, stack] : [CLI, 'deploy', ...resolve, '-c', file, stack];
        proxy.reset();
        const r = await exec(tool === 'docker' ? 'docker' : process.execPath, args, via);
        if (r.code !== 0) throw new Error(`${tool} deploy ${stack} exited ${r.code}:\n${r.stderr}`);
        return { ms: r.ms, requests: proxy.count(), code: r.code, stderr: r.stderr };
    };
    const remove = async (stack: string): Promise<void> => {
        await exec(process.execPath, [CLI, 'rm', '--wait', stack], env, 300_000);
    };

    try {
        // The engine's own time for 300 creations varies by a few hundred ms from one deploy to the next, more than the
        // difference between the tools: one deploy each says little. The pairs give medians side by side. They talk to
        // the engine's socket directly: the proxy adds a hop to every request, which costs a tool that sends its
        // creations one after the other (the Docker CLI) more than one that keeps a few in flight.
        const direct = { ...process.env, DOCKER_HOST: `unix://${ENGINE_SOCKET}` };
        const pairFile = composeFile(dir, 300);
        for (let i = 0; i < PAIRS; i++) {
            const order = i % 2 === 0 ? (['docker', 'swarm-stacks'] as const) : (['swarm-stacks', 'docker'] as const);
            const pair: { docker: number; ours: number } = { docker: 0, ours: 0 };
            for (const tool of order) {
                const stack = `sst-${suffix}-pair${i}-${tool === 'docker' ? 'cli' : 'sst'}`;
                stacks.push(stack);
                process.stderr.write(`pair ${i + 1}/${PAIRS}: ${tool} first deploy of 300 services...\n`);
                const run = await timed(tool, pairFile, stack, 'never', direct);
                if (tool === 'docker') pair.docker = run.ms;
                else pair.ours = run.ms;
            }
            pairs.push(pair);
            for (const tool of order) await remove(`sst-${suffix}-pair${i}-${tool === 'docker' ? 'cli' : 'sst'}`);
        }

        for (const services of [30, 300]) {
            const file = composeFile(dir, services);
            for (const mode of ['never', 'default'] as const) {
                for (const tool of ['docker', 'swarm-stacks'] as const) {
                    const stack = `sst-${suffix}-b${services}-${mode}-${tool === 'docker' ? 'cli' : 'sst'}`;
                    if (tool === 'docker' && mode === 'default' && services === 300 && !FULL) {
                        rows.push({ what: stack, services, mode, tool, note: `not run (--full runs it); measured earlier: ${CLI_DEFAULT_300_MEASURED_S} s` });
                        continue;
                    }
                    stacks.push(stack);
                    process.stderr.write(`${tool} ${mode} ${services} services...\n`);
                    const first = await timed(tool, file, stack, mode);
                    const again = await timed(tool, file, stack, mode);
                    rows.push({ what: stack, services, mode, tool, first, again });
                    await remove(stack);
                }
            }
        }

        // Following a rolling update of 10 replicas to completion: `docker service update --image`
        // (it waits by default, polling) against `swarm-stacks update --image` (waits from the event stream).
        const rollingFile = path.join(dir, 'rolling.yml');
        fs.writeFileSync(
            rollingFile,
            `version: "3.8"\nservices:\n  web:\n    image: ${IMAGE}\n    command: ["node", "-e", "setInterval(()=>{},1e9)"]\n    init: true\n    stop_grace_period: 2s\n` +
                `    deploy:\n      replicas: 10\n      update_config: {parallelism: 2, delay: 0s, monitor: 1s}\n`,
        );
        const tag = `sst-${suffix}-bench:v2`;
        await exec('docker', ['tag', IMAGE, tag], env);
        try {
            for (const tool of ['docker', 'swarm-stacks'] as const) {
                const stack = `sst-${suffix}-roll-${tool === 'docker' ? 'cli' : 'sst'}`;
                stacks.push(stack);
                process.stderr.write(`${tool}: rolling update of 10 replicas...\n`);
                const up = await exec(process.execPath, [CLI, 'deploy', '--resolve-image', 'never', '--wait', '-c', rollingFile, stack], env);
                if (up.code !== 0) throw new Error(`deploy ${stack}: ${up.stderr}`);
                proxy.reset();
                const r =
                    tool === 'docker'
                        ? await exec('docker', ['service', 'update', '--quiet', '--no-resolve-image', '--image', tag, `${stack}_web`], env)
                        : await exec(process.execPath, [CLI, 'update', '--image', tag, `${stack}_web`], env);
                if (r.code !== 0) throw new Error(`${tool} update ${stack}: ${r.stderr}`);
                rolling.push({ tool, run: { ms: r.ms, requests: proxy.count(), code: r.code, stderr: r.stderr } });
                await remove(stack);
            }
        } finally {
            await exec('docker', ['rmi', tag], env);
        }
    } finally {
        for (const stack of stacks) await remove(stack).catch(() => undefined);
        await proxy.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }

    const seconds = (r?: Run) => (r ? `${(r.ms / 1000).toFixed(2)} s` : '—');
    const find = (services: number, mode: string, tool: string) => rows.find((r) => r.services === services && r.mode === mode && r.tool === tool);
    const ratio = (a?: Run, b?: Run, aMs?: number) => {
        const ms = a?.ms ?? aMs;
        return ms !== undefined && b ? `${(ms / b.ms).toFixed(1)}×` : '—';
    };
    const lines: string[] = [];
    lines.push(`Deploy benchmark — engine via ${ENGINE_SOCKET}, image ${IMAGE}, replicas 0`);
    lines.push('');
    lines.push('services  mode     | docker first  (req) | swarm-stacks first (req) | ratio | docker re-deploy (req) | swarm-stacks re-deploy (req) | ratio');
    for (const services of [30, 300]) {
        for (const mode of ['never', 'default']) {
            const d = find(services, mode, 'docker');
            const s = find(services, mode, 'swarm-stacks');
            const dFirst = d?.first ? `${seconds(d.first)} (${d.first.requests})` : `~${CLI_DEFAULT_300_MEASURED_S} s (measured earlier)`;
            const dAgain = d?.again ? `${seconds(d.again)} (${d.again.requests})` : '—';
            lines.push(
                `${String(services).padStart(8)}  ${mode.padEnd(7)}  | ${dFirst.padEnd(19)} | ${`${seconds(s?.first)} (${s?.first?.requests ?? '—'})`.padEnd(24)} | ${ratio(d?.first, s?.first, d?.first ? undefined : CLI_DEFAULT_300_MEASURED_S * 1000).padStart(5)} | ${dAgain.padEnd(22)} | ${`${seconds(s?.again)} (${s?.again?.requests ?? '—'})`.padEnd(28)} | ${ratio(d?.again, s?.again).padStart(5)}`,
            );
        }
    }
    lines.push('');
    if (pairs.length > 0) {
        const dockerMedian = median(pairs.map((p) => p.docker));
        const oursMedian = median(pairs.map((p) => p.ours));
        lines.push(`First deploy of 300 services, --resolve-image never, ${pairs.length} pairs back to back, straight to the engine's socket (the tools take turns to go first):`);
        for (const [i, p] of pairs.entries()) lines.push(`  pair ${i + 1}: docker ${seconds({ ms: p.docker } as Run)}, swarm-stacks ${seconds({ ms: p.ours } as Run)}: swarm-stacks ÷ docker ${(p.ours / p.docker).toFixed(2)}×`);
        lines.push(`  medians: docker ${seconds({ ms: dockerMedian } as Run)}, swarm-stacks ${seconds({ ms: oursMedian } as Run)}: swarm-stacks ÷ docker ${(oursMedian / dockerMedian).toFixed(2)}× (target: at most 1.0×)`);
        lines.push('');
    }
    lines.push('Following a rolling update of 10 replicas (parallelism 2, delay 0s, monitor 1s) to completion:');
    for (const r of rolling) lines.push(`  ${r.tool.padEnd(12)} ${seconds(r.run)}, ${r.run.requests} API requests`);
    const [rd, rs] = [rolling.find((r) => r.tool === 'docker'), rolling.find((r) => r.tool === 'swarm-stacks')];
    if (rd && rs) lines.push(`  requests ratio docker / swarm-stacks: ${(rd.run.requests / Math.max(1, rs.run.requests)).toFixed(1)}×`);
    lines.push('');
    lines.push('ratio = docker time / swarm-stacks time; (req) = Engine API requests sent, counted at a proxy socket.');
    lines.push('default mode = --resolve-image always: no registry here, so every image lookup fails (the CLI: once per service).');
    process.stdout.write(`${lines.join('\n')}\n`);
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
