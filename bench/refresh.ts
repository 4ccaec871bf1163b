// Refresh cost of the Swarm view for 1, 10 and 50 stacks of 10 services each (replicas 0), on the
// real engine: API calls and milliseconds of one refresh (readSnapshot: services, tasks, nodes),
// side by side with the per-service reading a naive tree would do (one task list per service).
// Run: npx tsc -p . && node out/bench/refresh.js
import * as os from 'os';
import { connectDocker } from '../src/docker/connect';
import { readSnapshot } from '../src/core/swarm-snapshot';
import type { ServiceSpec } from '../src/core/specs';

const IMAGE = process.env.SWARM_STACKS_BENCH_IMAGE ?? 'swarm-stacks-testbed/node:20';
const RUNS = 7;

function spec(stack: string, key: string): ServiceSpec {
    return {
        Name: `${stack}_${key}`,
        Labels: { 'com.docker.stack.namespace': stack, 'com.docker.stack.image': IMAGE },
        TaskTemplate: { ContainerSpec: { Image: IMAGE, Labels: { 'com.docker.stack.namespace': stack } }, ForceUpdate: 0 },
        Mode: { Replicated: { Replicas: 0 } },
    };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
    const client = connectDocker();
    const prefix = `sstbench${Math.random().toString(36).slice(2, 6)}`;
    const created: string[] = [];
    const rows: string[][] = [];
    try {
        let stacks = 0;
        for (const target of [1, 10, 50]) {
            for (; stacks < target; stacks++) {
                const stack = `${prefix}${stacks}`;
                for (let i = 0; i < 10; i++) {
                    created.push((await client.createService(spec(stack, `svc${i}`))).id);
                }
            }
            const refresh: number[] = [];
            let refreshCalls = 0;
            for (let run = 0; run < RUNS; run++) {
                client.resetCallCount();
                const start = performance.now();
                await readSnapshot(client);
                refresh.push(performance.now() - start);
                refreshCalls = client.totalCalls;
            }
            const naive: number[] = [];
            let naiveCalls = 0;
            for (let run = 0; run < RUNS; run++) {
                client.resetCallCount();
                const start = performance.now();
                const services = await client.listServices(undefined, { status: true });
                // A service removed meanwhile (by someone else) answers 404: that is not the bench's business.
                await Promise.all(services.map((s) => client.listTasks({ service: [s.ID] }).catch(() => [])));
                await client.listNodes();
                naive.push(performance.now() - start);
                naiveCalls = client.totalCalls;
            }
            // The floor: the engine's own latency for the slowest of the three calls (the refresh sends them at once).
            const floor: number[] = [];
            for (let run = 0; run < RUNS; run++) {
                const each: number[] = [];
                for (const call of [() => client.listServices(undefined, { status: true }), () => client.listTasks(), () => client.listNodes()]) {
                    const start = performance.now();
                    await call();
                    each.push(performance.now() - start);
                }
                floor.push(Math.max(...each));
            }
            const total = (await client.listServices()).length;
            rows.push([String(target), String(target * 10), String(total), String(refreshCalls), median(refresh).toFixed(1), median(floor).toFixed(1), String(naiveCalls), median(naive).toFixed(1), (median(naive) / median(refresh)).toFixed(1)]);
        }
    } finally {
        for (const id of created) await client.removeService(id).catch(() => undefined);
    }
    const header = ['stacks', 'bench services', 'services on engine', 'refresh calls', 'refresh ms (median)', 'slowest call alone ms', 'per-service calls', 'per-service ms', 'ratio'];
    console.log(`Swarm view refresh on ${client.endpoint.url}, median of ${RUNS} runs; load ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`);
    console.log(header.join(' | '));
    for (const row of rows) console.log(row.join(' | '));
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
