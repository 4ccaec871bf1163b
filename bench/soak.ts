/**
 * Memory of the Swarm view's model while it follows engine events: the extension's own SwarmModel and DockerSession
 * (src/vscode/swarmModel.ts), run in plain Node with the few VS Code API pieces they use stood in for (event emitter,
 * disposable, setContext, settings), held as a visible view holds it: it follows the event stream and re-reads the
 * snapshot after each burst. Meanwhile the bench sends service updates (label changes and scale 0↔0 of a few
 * replicas-0 services) until the engine has reported the wanted number of service events, for the wanted time.
 * Prints the process's RSS and heap (after a full GC) at the start, every minute and at the end.
 *
 *   npx tsc -p . && node --expose-gc out/bench/soak.js [minutes=10] [events=1000]     # needs the engine
 *
 * Figures, not a test: nothing is asserted. Removes the services it created.
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { installVscodeStandIn, silentLog } from './support/vscode-stand-in';

const IMAGE = process.env.SWARM_STACKS_BENCH_IMAGE ?? 'swarm-stacks-testbed/node:20';
const SERVICES = 5;

function memory(): { rss: number; heap: number } {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    return { rss: usage.rss / 1048576, heap: usage.heapUsed / 1048576 };
}

async function main(): Promise<void> {
    const minutes = Number(process.argv[2]) || 10;
    const wantedEvents = Number(process.argv[3]) || 1000;
    installVscodeStandIn();
    // Loaded after the stand-in is in place.
    const { DockerSession } = require('../src/vscode/dockerSession') as typeof import('../src/vscode/dockerSession');
    const { SwarmModel } = require('../src/vscode/swarmModel') as typeof import('../src/vscode/swarmModel');
    const { connectDocker } = require('../src/docker/connect') as typeof import('../src/docker/connect');

    const driver = connectDocker();
    const prefix = `sstsoak${Math.random().toString(36).slice(2, 6)}`;
    const ids: string[] = [];
    const session = new DockerSession(silentLog as never);
    const model = new SwarmModel(session, silentLog as never);
    let snapshots = 0;
    model.onDidChange((state) => {
        if (state.kind === 'ready') snapshots++;
    });
    // Service events as the engine reports them, counted on a stream of the bench's own.
    const counting = new AbortController();
    let serviceEvents = 0;
    const countEvents = (async () => {
        const events = await driver.events({ filters: { type: ['service'] } }, counting.signal);
        try {
            for await (const event of events) {
                if (typeof event.Actor?.Attributes?.name === 'string' && event.Actor.Attributes.name.startsWith(prefix)) serviceEvents++;
            }
        } catch {
            // aborted at the end
        }
    })();
    try {
        for (let i = 0; i < SERVICES; i++) {
            const name = `${prefix}_svc${i}`;
            const created = await driver.createService({
                Name: name,
                Labels: { 'com.docker.stack.namespace': prefix, 'com.docker.stack.image': IMAGE },
                TaskTemplate: { ContainerSpec: { Image: IMAGE }, ForceUpdate: 0 },
                Mode: { Replicated: { Replicas: 0 } },
            });
            ids.push(created.id);
        }
        const hold = model.hold();
        await model.refresh();
        const start = memory();
        const began = performance.now();
        const durationMs = minutes * 60_000;
        console.log(`Soak: ${minutes} min, ${wantedEvents} service events wanted, ${SERVICES} replicas-0 services; Node ${process.version}, load ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`);
        console.log(`start: RSS ${start.rss.toFixed(1)} MB, heap ${start.heap.toFixed(1)} MB`);
        let updates = 0;
        let nextReport = 60_000;
        // Spread the updates over the soak; each update is one service event (at least).
        const interval = durationMs / wantedEvents;
        while (performance.now() - began < durationMs) {
            const elapsed = performance.now() - began;
            if (serviceEvents < wantedEvents && updates <= (elapsed / interval) + 1) {
                const id = ids[updates % ids.length];
                const service = await driver.inspectService(id);
                const spec = service.Spec;
                spec.Labels = { ...(spec.Labels ?? {}), 'soak.tick': String(updates) };
                await driver.updateService(id, service.Version?.Index ?? 0, spec);
                updates++;
            } else {
                await new Promise((resolve) => setTimeout(resolve, Math.min(250, interval)));
            }
            if (elapsed >= nextReport) {
                const now = memory();
                console.log(`${(elapsed / 60_000).toFixed(0)} min: RSS ${now.rss.toFixed(1)} MB, heap ${now.heap.toFixed(1)} MB, ${serviceEvents} service events, ${snapshots} snapshots`);
                nextReport += 60_000;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const end = memory();
        console.log(`end: RSS ${end.rss.toFixed(1)} MB (${(end.rss - start.rss >= 0 ? '+' : '')}${(end.rss - start.rss).toFixed(1)}), heap ${end.heap.toFixed(1)} MB (${(end.heap - start.heap >= 0 ? '+' : '')}${(end.heap - start.heap).toFixed(1)}); ${updates} updates sent, ${serviceEvents} service events, ${snapshots} snapshots read; load ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`);
        hold.dispose();
    } finally {
        counting.abort();
        await countEvents;
        for (const id of ids) await driver.removeService(id).catch(() => undefined);
        model.dispose();
        session.dispose();
        driver.close();
    }
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error);
        process.exitCode = 1;
    });
}
