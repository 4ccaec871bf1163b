/**
 * First run: the engine step of `bash scripts/open.sh` (the README's run command), with stub `docker`, `id` and
 * engine script on the PATH, and an os-release of our choosing. When no engine answers and it can start one (root on
 * Debian/Ubuntu) it says so and runs scripts/testbed/engine.sh; otherwise it says exactly what to do.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OPEN = path.join(ROOT, 'scripts', 'open.sh');

interface Machine {
    /** What the stub `docker version` exits with (0: an engine answers). */
    dockerVersion: number;
    /** What the stub `docker info` prints for the swarm state. */
    swarmState?: string;
    uid: number;
    os: 'debian' | 'fedora';
    /** What the stub engine script exits with. */
    engineScript?: number;
    dockerHost?: string;
}

function runEngineStep(dir: string, machine: Machine): { code: number; out: string; engineScriptRan: boolean } {
    const bin = path.join(dir, 'bin');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(bin, { recursive: true });
    const marker = path.join(dir, 'engine-script-ran');
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    stub('docker', `case "$1" in version) exit ${machine.dockerVersion};; info) echo "${machine.swarmState ?? 'active true'}"; exit 0;; esac; exit 1`);
    stub('id', `echo ${machine.uid}`);
    const engineScript = path.join(dir, 'engine.sh');
    fs.writeFileSync(engineScript, `echo "[engine] stub"\ntouch "${marker}"\nexit ${machine.engineScript ?? 0}\n`);
    const osRelease = path.join(dir, 'os-release');
    fs.writeFileSync(osRelease, machine.os === 'debian' ? 'PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n' : 'NAME="Fedora Linux"\nID=fedora\n');
    const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: dir,
        SWARM_STACKS_ENGINE_SCRIPT: engineScript,
        SWARM_STACKS_OS_RELEASE: osRelease,
        ...(machine.dockerHost ? { DOCKER_HOST: machine.dockerHost } : {}),
    };
    const r = spawnSync('bash', [OPEN, '--engine-only'], { env, encoding: 'utf8', timeout: 20_000 });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, engineScriptRan: fs.existsSync(marker) };
}

describe('scripts/open.sh: the engine a fresh machine needs', () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-open-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const work = () => path.join(dir, 'machine');

    it('no engine, root on Debian: says so and starts a single-node swarm with the test bed\'s engine script', () => {
        const r = runEngineStep(work(), { dockerVersion: 1, uid: 0, os: 'debian' });
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.out, /no Docker engine is reachable: installing Debian's docker\.io if needed and starting it as a single-node swarm/);
        assert.ok(r.engineScriptRan, r.out);
        assert.match(r.out, /\[engine\] stub/);
        assert.match(r.out, /Docker engine up, single-node swarm ready/);
    });

    it('no engine, root on Debian, the engine script fails: says that the extension will not reach Docker', () => {
        const r = runEngineStep(work(), { dockerVersion: 1, uid: 0, os: 'debian', engineScript: 1 });
        assert.strictEqual(r.code, 0, r.out);
        assert.ok(r.engineScriptRan);
        assert.match(r.out, /starting the engine failed/);
    });

    it('no engine, not root on Debian: says to run the engine script as root, and starts nothing', () => {
        const r = runEngineStep(work(), { dockerVersion: 1, uid: 1000, os: 'debian' });
        assert.ok(!r.engineScriptRan, r.out);
        assert.match(r.out, /no Docker engine is reachable\. Start one as root: 'sudo bash scripts\/testbed\/engine\.sh'/);
    });

    it('no engine, another system: says to install Docker and make it a swarm manager, and starts nothing', () => {
        const r = runEngineStep(work(), { dockerVersion: 1, uid: 0, os: 'fedora' });
        assert.ok(!r.engineScriptRan, r.out);
        assert.match(r.out, /Install and start Docker Engine .* run 'docker swarm init --advertise-addr 127\.0\.0\.1'/);
    });

    it('DOCKER_HOST names an engine that does not answer: says so, and starts no local engine', () => {
        const r = runEngineStep(work(), { dockerVersion: 1, uid: 0, os: 'debian', dockerHost: 'tcp://10.0.0.9:2376' });
        assert.ok(!r.engineScriptRan, r.out);
        assert.match(r.out, /no Docker engine answers at DOCKER_HOST=tcp:\/\/10\.0\.0\.9:2376/);
    });

    it('an engine in no swarm: says how to make it a manager', () => {
        const r = runEngineStep(work(), { dockerVersion: 0, uid: 0, os: 'debian', swarmState: 'inactive false' });
        assert.ok(!r.engineScriptRan, r.out);
        assert.match(r.out, /not in a swarm yet: run 'docker swarm init --advertise-addr 127\.0\.0\.1'/);
    });

    it('a swarm manager: nothing to do, nothing said', () => {
        const r = runEngineStep(work(), { dockerVersion: 0, uid: 0, os: 'debian', swarmState: 'active true' });
        assert.strictEqual(r.code, 0);
        assert.ok(!r.engineScriptRan);
        assert.strictEqual(r.out, '');
    });
});
