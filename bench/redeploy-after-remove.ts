/**
 * "Remove a stack, deploy another with --wait at once" on the test bed's Engine 28.5 (sid), N times in a row
 * (default 10), alternating `swarm-stacks rm` and `docker stack rm`: the new network's first tasks are rejected
 * ("invalid pool request: Pool overlaps…") until the removed network's pool is released, and `deploy --wait` must
 * wait that out and exit 0. Prints per cycle the exit code, the deploy's time and the rejections seen, then a tally.
 *
 *   npx tsc -p . && npm run build && node out/bench/redeploy-after-remove.js [cycles=10]     # needs engines.sh up
 *
 * Figures, not a test: nothing is asserted (test/engine/redeploy-after-remove.test.ts does 3 cycles). Removes the
 * stacks it created.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Cleanup } from '../test/engine/support/cleanup';
import { swarmStacks } from '../test/engine/support/commands';
import { engineEnv, otherEngine, otherEngineClient } from '../test/engine/support/engines';
import { uniqueName } from '../test/engine/support/names';
import { redeployComposeFile, removeThenDeploy } from '../test/engine/support/redeploy';

async function main(): Promise<void> {
    const cycles = Number(process.argv[2]) || 10;
    const sid = otherEngine('sid');
    const env = engineEnv(sid);
    const client = otherEngineClient(sid);
    const cleanup = new Cleanup(client);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-redeploy-bench-'));
    const file = path.join(dir, 'stack.yml');
    fs.writeFileSync(file, redeployComposeFile());
    let exitZero = 0;
    let withRejections = 0;
    try {
        console.log(`Engine ${sid.version} (API ${sid.apiVersion}), ${cycles} cycles`);
        let previous = cleanup.stack(uniqueName('bench'));
        const first = await swarmStacks(['deploy', '--resolve-image', 'never', '--wait', '-c', file, previous], { env, timeoutMs: 150_000 });
        if (first.code !== 0) throw new Error(`first deploy exited ${first.code}: ${first.stderr}`);
        for (let cycle = 1; cycle <= cycles; cycle++) {
            const next = cleanup.stack(uniqueName('bench'));
            const removeWith = cycle % 2 ? 'swarm-stacks' : 'docker';
            const result = await removeThenDeploy(client, env, file, previous, next, removeWith);
            const code = result.deployed?.code ?? `rm exited ${result.removed.code}`;
            if (code === 0) exitZero++;
            if (result.rejections.length) withRejections++;
            const distinct = [...new Set(result.rejections)].join('; ');
            console.log(
                `cycle ${cycle} (rm by ${removeWith}): deploy --wait exit ${code} in ${((result.deployed?.ms ?? 0) / 1000).toFixed(1)} s, ` +
                    `${result.runningAfter ?? 0}/5 running, ${result.rejections.length} rejected task(s)${distinct ? `: ${distinct}` : ''}`,
            );
            if (code !== 0) console.log(result.deployed?.stderr ?? result.removed.stderr);
            previous = next;
        }
        console.log(`exit 0: ${exitZero} of ${cycles}; cycles with rejected tasks: ${withRejections} of ${cycles}`);
    } finally {
        await cleanup.run(120_000);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
