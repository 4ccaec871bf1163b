/**
 * Teardown for engine tests that runs even when a test fails: removes what a test created (by stack
 * label and by tracked ID), then waits, bounded, until services, their tasks, secrets, configs and
 * networks are really gone (removal is asynchronous in swarm).
 */
import type { DockerClient } from '../../../src/docker/client';
import { isDockerError } from '../../../src/docker/errors';
import { STACK_LABEL } from './names';
import { waitFor } from './wait';

export type Kind = 'service' | 'network' | 'secret' | 'config' | 'image';

export class Cleanup {
    private readonly stacks = new Set<string>();
    private readonly objects: { kind: Kind; id: string }[] = [];

    constructor(private readonly client: DockerClient) {}

    /** Remove everything labelled `com.docker.stack.namespace=<stack>`. */
    stack(name: string): string {
        this.stacks.add(name);
        return name;
    }

    /** Remove this object (by ID or name). */
    track(kind: Kind, id: string): string {
        this.objects.push({ kind, id });
        return id;
    }

    /** Removes everything; collects errors and throws one at the end so every removal is tried. */
    async run(timeoutMs = 60_000): Promise<void> {
        const errors: string[] = [];
        const c = this.client;
        const ignoreMissing = async (what: string, f: () => Promise<unknown>): Promise<void> => {
            try {
                await f();
            } catch (error) {
                if (!isDockerError(error, 'notFound')) errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
            }
        };

        const services = new Set(this.objects.filter((o) => o.kind === 'service').map((o) => o.id));
        for (const stack of this.stacks) {
            for (const s of await c.listServices({ label: [`${STACK_LABEL}=${stack}`] })) services.add(s.ID);
        }
        for (const id of services) await ignoreMissing(`service ${id}`, () => c.removeService(id));

        // Tasks keep secrets, configs and networks in use until their containers are gone.
        const deadline = Date.now() + timeoutMs;
        const left = (): number => Math.max(1000, deadline - Date.now());
        if (services.size > 0) {
            await waitFor(
                async () => {
                    for (const id of services) {
                        try {
                            if ((await c.listTasks({ service: [id] })).length > 0) return false;
                        } catch (error) {
                            // The service is gone, and so are its tasks.
                            if (!isDockerError(error, 'notFound')) throw error;
                        }
                    }
                    return true;
                },
                { timeoutMs: left(), intervalMs: 200, what: `tasks of ${[...services].join(', ')} to be gone` },
            ).catch((error: Error) => errors.push(error.message));
        }

        const byKind = async (kind: 'secret' | 'config' | 'network'): Promise<Set<string>> => {
            const ids = new Set(this.objects.filter((o) => o.kind === kind).map((o) => o.id));
            for (const stack of this.stacks) {
                const filters = { label: [`${STACK_LABEL}=${stack}`] };
                const found = kind === 'secret' ? await c.listSecrets(filters) : kind === 'config' ? await c.listConfigs(filters) : await c.listNetworks(filters);
                for (const o of found) ids.add('ID' in o ? o.ID : o.Id);
            }
            return ids;
        };
        for (const kind of ['secret', 'config', 'network'] as const) {
            const ids = await byKind(kind);
            const remove = (id: string): Promise<void> =>
                kind === 'secret' ? c.removeSecret(id) : kind === 'config' ? c.removeConfig(id) : c.removeNetwork(id);
            for (const id of ids) {
                // A network can stay "in use" for a moment after its tasks are gone: retry, bounded.
                await waitFor(
                    async () => {
                        try {
                            await remove(id);
                            return true;
                        } catch (error) {
                            if (isDockerError(error, 'notFound')) return true;
                            throw error;
                        }
                    },
                    { timeoutMs: Math.min(left(), 20_000), intervalMs: 250, what: `${kind} ${id} to be removed` },
                ).catch((error: Error) => errors.push(error.message));
            }
        }
        for (const o of this.objects.filter((x) => x.kind === 'image')) {
            await ignoreMissing(`image ${o.id}`, () => c.removeImage(o.id, { force: true }));
        }
        this.stacks.clear();
        this.objects.length = 0;
        if (errors.length > 0) {
            throw new Error(`Cleanup left things behind:\n${errors.join('\n')}`);
        }
    }
}
