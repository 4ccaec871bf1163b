/**
 * ssh endpoint benchmark: the Docker CLI and swarm-stacks (the bundled CLI) side by side on the test bed's
 * sshd (scripts/testbed/cluster.sh), both through the same system ssh with a key file and no agent:
 * `ls`, and a 10-service deploy (`--resolve-image never`, first and unchanged re-deploy). Every ssh process
 * either tool starts is counted through a wrapper on the PATH. Then the extension's case: one client, a
 * session of 100 requests, sequential and 10 at a time: how many ssh processes it starts.
 * Beside each figure, the floor: `ssh host true` (one ssh connection and login) and `node -e 0`.
 *
 *   npm run build && npx tsc -p . && node out/bench/ssh.js [runs=7]
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { connectDocker } from '../src/docker/connect';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const IMAGE = process.env.SWARM_STACKS_NODE_IMAGE || 'swarm-stacks-testbed/node:20';
const RUNS = Number(process.argv[2] ?? 7);

interface Cluster {
    ssh: { alias: string; binDir: string };
}

interface Timed {
    ms: number;
    code: number;
    stderr: string;
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Timed> {
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
        execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
            const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
            resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stderr: String(stderr) });
        });
    });
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
    const cluster = JSON.parse(fs.readFileSync(path.join(ROOT, '.testbed', 'cluster.json'), 'utf8')) as Cluster;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-bench-ssh-'));
    // A counting ssh in front of the test bed's wrapper: one line per ssh process started.
    const counter = path.join(work, 'ssh-starts');
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\necho x >> '${counter}'\nexec '${path.join(cluster.ssh.binDir, 'ssh')}' "$@"\n`, { mode: 0o755 });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, DOCKER_HOST: `ssh://${cluster.ssh.alias}` };
    delete env.SSH_AUTH_SOCK;
    delete env.DOCKER_CONTEXT;
    const starts = (): number => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0);

    /** Median time and ssh processes per run of one command. */
    async function measure(label: string, command: string, args: string[], before?: () => Promise<void>): Promise<{ label: string; ms: number; ssh: number }> {
        const times: number[] = [];
        const processes: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            if (before) await before();
            const s0 = starts();
            const r = await exec(command, args, env);
            if (r.code !== 0) throw new Error(`${label}: exit ${r.code}\n${r.stderr}`);
            times.push(r.ms);
            processes.push(starts() - s0);
        }
        return { label, ms: median(times), ssh: median(processes) };
    }

    const compose = path.join(work, 'docker-compose.yml');
    let yaml = 'version: "3.8"\nservices:\n';
    for (let i = 0; i < 10; i++) yaml += `  s${i}:\n    image: ${IMAGE}\n    command: ["node", "-e", "setInterval(() => {}, 1000)"]\n    deploy:\n      replicas: 0\n`;
    fs.writeFileSync(compose, yaml);
    const ours = 'sstbenchours';
    const theirs = 'sstbenchdocker';
    const rm = async (): Promise<void> => {
        await exec('docker', ['stack', 'rm', ours, theirs], { ...process.env, DOCKER_HOST: '' });
        // Networks go after their services; a short bounded wait keeps the next first deploy a first deploy.
        for (let i = 0; i < 50; i++) {
            const r = await exec('sh', ['-c', `docker network ls -q --filter label=com.docker.stack.namespace=${ours} --filter label=com.docker.stack.namespace=${theirs} | grep -q .`], { ...process.env, DOCKER_HOST: '' });
            if (r.code !== 0) break;
            await new Promise((r2) => setTimeout(r2, 200));
        }
    };

    try {
        const floor = await measure('ssh host true (one login)', 'ssh', [cluster.ssh.alias, 'true']);
        const node = await measure('node -e 0', process.execPath, ['-e', '0']);
        const rows: [string, Awaited<ReturnType<typeof measure>>, Awaited<ReturnType<typeof measure>>][] = [];
        rows.push(['ls', await measure('docker stack ls', 'docker', ['stack', 'ls']), await measure('swarm-stacks ls', process.execPath, [CLI, 'ls'])]);
        rows.push([
            '10-service deploy, first (never)',
            await measure('docker stack deploy', 'docker', ['stack', 'deploy', '-c', compose, '--resolve-image', 'never', theirs], rm),
            await measure('swarm-stacks deploy', process.execPath, [CLI, 'deploy', '-c', compose, '--resolve-image', 'never', ours], rm),
        ]);
        rows.push([
            '10-service deploy, unchanged (never)',
            await measure('docker stack deploy', 'docker', ['stack', 'deploy', '-c', compose, '--resolve-image', 'never', theirs]),
            await measure('swarm-stacks deploy', process.execPath, [CLI, 'deploy', '-c', compose, '--resolve-image', 'never', ours]),
        ]);

        // The extension's session: one client, 100 requests.
        const client = connectDocker({ env, timeoutMs: 30_000 });
        const s0 = starts();
        let t = process.hrtime.bigint();
        for (let i = 0; i < 100; i++) await client.listServices();
        const sequentialMs = Number(process.hrtime.bigint() - t) / 1e6;
        const sequentialSsh = starts() - s0;
        const s1 = starts();
        t = process.hrtime.bigint();
        for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 10 }, () => client.listServices()));
        const concurrentMs = Number(process.hrtime.bigint() - t) / 1e6;
        const concurrentSsh = starts() - s1;
        client.close();

        console.log(`\nssh endpoint ssh://${cluster.ssh.alias} (sshd on 127.0.0.1, key file, no agent); medians of ${RUNS}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
        console.log('| work | docker | ssh processes | swarm-stacks | ssh processes | ratio (docker / ours) |');
        console.log('|---|---|---|---|---|---|');
        for (const [work2, d, o] of rows) {
            console.log(`| ${work2} | ${(d.ms / 1000).toFixed(3)} s | ${d.ssh} | ${(o.ms / 1000).toFixed(3)} s | ${o.ssh} | ${(d.ms / o.ms).toFixed(2)}× |`);
        }
        console.log(`\nfloor: ${floor.label} ${(floor.ms / 1000).toFixed(3)} s; ${node.label} ${(node.ms / 1000).toFixed(3)} s`);
        console.log(`\none client, a session of 100 requests: sequential ${sequentialSsh} ssh process(es) in ${(sequentialMs / 1000).toFixed(2)} s; ` +
            `10 at a time ${concurrentSsh} more ssh process(es) in ${(concurrentMs / 1000).toFixed(2)} s`);
    } finally {
        await rm();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
});
