/**
 * The Docker engines the test bed runs besides the main one (scripts/testbed/engines.sh writes
 * `<repo>/.testbed/engines.json`): Debian trixie's 26.1 and sid's 28.5, each a single-node swarm in a network
 * namespace of its own. The suites that compare with the Docker CLI run once per engine (`testedEngines()`).
 * A missing engine is an error naming the setup command, never a skip.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { DockerClient } from '../../../src/docker/client';
import { connectDocker } from '../../../src/docker/connect';
import { ROOT } from './commands';

export const ENGINES_JSON = path.join(ROOT, '.testbed', 'engines.json');
const SETUP_COMMAND = 'bash scripts/testbed/setup.sh';

/** One engine under test. The main engine has no host: the environment's (DOCKER_HOST, contexts, default socket). */
export interface TestedEngine {
    /** `main` (Debian 12's 20.10), `trixie` (26.1), `sid` (28.5). */
    name: string;
    /** `20.10.24`, `26.1.5+dfsg1`, `28.5.2+dfsg4`: what `docker version` reports. */
    version: string;
    apiVersion: string;
    /** `unix://…/docker.sock`; undefined for the main engine. */
    host?: string;
    /** The engine's address in its namespace (10.IDX.0.1), reachable from the tests. */
    address?: string;
    /** The extracted .deb tree its binaries come from (usr/sbin/dockerd…). */
    tree?: string;
}

interface EnginesFile {
    engines: (Required<Omit<TestedEngine, 'host' | 'address' | 'tree'>> & { host: string; address: string; tree: string; addressPool: string })[];
}

/** Reads `.testbed/engines.json`; throws, naming the setup command, when the test bed has not written it. */
export function otherEngines(): EnginesFile['engines'] {
    let text: string;
    try {
        text = fs.readFileSync(ENGINES_JSON, 'utf8');
    } catch (error) {
        throw new Error(`${ENGINES_JSON} is missing (${(error as NodeJS.ErrnoException).code ?? String(error)}): the test bed's other engines are not up. Run: ${SETUP_COMMAND}`);
    }
    const file = JSON.parse(text) as EnginesFile;
    if (!Array.isArray(file.engines) || !file.engines.every((e) => e.name && e.host && e.version)) {
        throw new Error(`${ENGINES_JSON} does not have the shape of docs/testbed.md; run: ${SETUP_COMMAND}`);
    }
    return file.engines;
}

/** The engine named `name` (`trixie`, `sid`) from engines.json. */
export function otherEngine(name: string): EnginesFile['engines'][number] {
    const engine = otherEngines().find((e) => e.name === name);
    if (!engine) throw new Error(`no engine ${name} in ${ENGINES_JSON}; run: ${SETUP_COMMAND}`);
    return engine;
}

/**
 * The engines a suite runs against: the main one first, then those of engines.json. `SWARM_STACKS_TEST_ENGINES`
 * (e.g. `main` or `main,sid`) narrows the list for a run by hand; CI runs all of them.
 */
export function testedEngines(): TestedEngine[] {
    const wanted = process.env.SWARM_STACKS_TEST_ENGINES?.split(',').map((s) => s.trim()).filter(Boolean);
    const all: TestedEngine[] = [{ name: 'main', version: '20.10', apiVersion: '1.41' }, ...(wanted && wanted.every((w) => w === 'main') ? [] : otherEngines())];
    return wanted ? all.filter((e) => wanted.includes(e.name)) : all;
}

/** The environment a child process (docker, swarm-stacks) needs to reach `engine`. */
export function engineEnv(engine: TestedEngine, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    if (!engine.host) return env;
    const result: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: engine.host };
    delete result.DOCKER_CONTEXT;
    delete result.DOCKER_TLS_VERIFY;
    delete result.DOCKER_CERT_PATH;
    return result;
}

/** A client for one of the other engines, as for an explicit `--host`. The caller closes it. */
export function otherEngineClient(engine: { host: string }, timeoutMs = 30_000): DockerClient {
    return connectDocker({ host: engine.host, env: {}, timeoutMs });
}
