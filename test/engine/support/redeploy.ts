/**
 * One cycle of "remove a stack, deploy another with --wait at once" (issue: on Engine 28.5 the new network's first
 * tasks are rejected until the removed network's pool is released). Shared by test/engine/redeploy-after-remove.test.ts
 * and bench/redeploy-after-remove.ts.
 */
import type { DockerClient } from '../../../src/docker/client';
import { docker, swarmStacks, type RunResult } from './commands';
import { TESTBED_NODE_IMAGE } from './engine';
import { STACK_LABEL } from './names';

export function redeployComposeFile(): string {
    return `version: "3.8"
services:
  app:
    image: ${TESTBED_NODE_IMAGE}
    command: ["node", "-e", "setInterval(()=>{},1e9)"]
    init: true
    stop_grace_period: 1s
    networks: [back]
    deploy:
      replicas: 5
networks:
  back: {}
`;
}

export interface RedeployCycle {
    removed: RunResult;
    deployed?: RunResult;
    /** Tasks of the new stack the engine rejected before it converged, with their errors. */
    rejections: string[];
    runningAfter?: number;
}

/** `rm previous` (ours or the Docker CLI's, without waiting), then at once `deploy --wait -c file next`. */
export async function removeThenDeploy(client: DockerClient, env: NodeJS.ProcessEnv, file: string, previous: string, next: string, removeWith: 'swarm-stacks' | 'docker'): Promise<RedeployCycle> {
    const removed = removeWith === 'swarm-stacks' ? await swarmStacks(['rm', previous], { env }) : await docker(['stack', 'rm', previous], { env });
    if (removed.code !== 0) return { removed, rejections: [] };
    const deployed = await swarmStacks(['deploy', '--resolve-image', 'never', '--wait', '--wait-timeout', '120', '-c', file, next], { env, timeoutMs: 150_000 });
    const services = await client.listServices({ label: [`${STACK_LABEL}=${next}`] }, { status: true });
    const tasks = services.length ? await client.listTasks({ service: [services[0].ID] }) : [];
    return {
        removed,
        deployed,
        rejections: tasks.filter((t) => t.Status.State === 'rejected').map((t) => t.Status.Err ?? ''),
        runningAfter: services[0]?.ServiceStatus?.RunningTasks,
    };
}
