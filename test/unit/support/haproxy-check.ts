// `haproxy -c` on a generated config, for the scaffold and HAProxy-generation tests.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's haproxy, a part of the test bed (scripts/testbed/images.sh installs it for the HAProxy image). */
const HAPROXY = '/usr/sbin/haproxy';

/** Runs `haproxy -c` on the text; returns its stdout and stderr (where warnings go), fails the test on a non-zero exit. */
export function haproxyCheck(text: string): string {
    assert.ok(fs.existsSync(HAPROXY), `${HAPROXY} is missing: it is part of the test bed (bash scripts/testbed/setup.sh, or apt-get install haproxy)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-haproxy-'));
    const cfg = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(cfg, text);
    try {
        const r = spawnSync(HAPROXY, ['-c', '-f', cfg], { encoding: 'utf8', timeout: 10000 });
        const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
        assert.equal(r.status, 0, `haproxy -c failed:\n${out}\n--- config ---\n${text}`);
        return out;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
