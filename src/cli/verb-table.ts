import type { Verb } from './verb';

/**
 * Every verb of the command line, each in its own module under ./verbs, loaded only when it is asked for: `ls` loads
 * the table code and the Docker client, never the compose loader, so it starts about as fast as Node itself.
 * The verb modules import nothing from the dispatcher (./main.ts); it alone reads this table.
 */
export const VERBS: Readonly<Record<string, () => Promise<Verb>>> = {
    deploy: async () => (await import('./verbs/deploy')).deploy,
    rm: async () => (await import('./verbs/rm')).rm,
    ls: async () => (await import('./verbs/ls')).ls,
    services: async () => (await import('./verbs/services')).services,
    ps: async () => (await import('./verbs/ps')).ps,
    update: async () => (await import('./verbs/update')).update,
    scale: async () => (await import('./verbs/scale')).scale,
    rollback: async () => (await import('./verbs/rollback')).rollback,
    restart: async () => (await import('./verbs/restart')).restart,
    convert: async () => (await import('./verbs/convert')).convert,
    lint: async () => (await import('./verbs/lint')).lint,
    history: async () => (await import('./verbs/history')).history,
    diff: async () => (await import('./verbs/diff')).diff,
    node: async () => (await import('./verbs/node')).node,
    push: async () => (await import('./verbs/push')).push,
    scaffold: async () => (await import('./verbs/scaffold')).scaffold,
    build: async () => (await import('./verbs/build')).build,
    probe: async () => (await import('./verbs/probe')).probeVerb,
};
