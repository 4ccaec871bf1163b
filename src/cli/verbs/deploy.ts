import { readBoundedFile } from '../../core/bounded-file';
import { version } from '../../../package.json';
import { composeContentHash, deployedByHere } from '../../core/stack/history';
import { applyDeploy, deployReadsAhead, prepareDeploy, touchedServices } from '../../core/stack/deploy';
import { describePlan, planIsEmpty } from '../../core/stack/plan';
import { removeUnusedVersions } from '../../core/stack/rotation';
import { composeFiles, historyLimit, oneStack } from '../arguments';
import { engineFor, engineIfAny, readAhead } from '../engine';
import { waitAll } from '../output';
import { PLAN_OPTIONS, planInputOf } from '../plan-input';
import type { Verb } from '../verb';

export const deploy: Verb = {
    options: {
        ...PLAN_OPTIONS,
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean' },
        'wait-timeout': { type: 'string' },
        'history-limit': { type: 'string' },
    },
    async run(args, io) {
        const stack = oneStack(args, 'deploy');
        composeFiles(args);
        // The engine answers the reads that do not depend on the compose file while the file is read and validated.
        const early = engineIfAny(args, io);
        if (early) await readAhead(early, (engine) => deployReadsAhead(engine, stack, { signal: io.signal }));
        const { files, specs, options: planOptions } = planInputOf(args, io, stack, 'deploy');
        const engine = early ?? engineFor(args, io);
        const options = {
            ...planOptions,
            onProgress: (line: string) => io.stdout.write(`${line}\n`),
            history: { limit: historyLimit(args), version, deployedBy: deployedByHere(io.env), composeHash: composeContentHash(files.map((f) => readBoundedFile(f))) },
        };
        const plan = await prepareDeploy(engine, specs, stack, options);
        if (plan.problems.length) {
            throw new Error(`${plan.problems.join('\n')}\nNothing was deployed.`);
        }
        if (args.values['dry-run']) {
            for (const line of describePlan(plan)) io.stdout.write(`${line}\n`);
            for (const warning of plan.warnings) io.stderr.write(warning);
            return 0;
        }
        if (planIsEmpty(plan)) {
            for (const warning of plan.warnings) io.stderr.write(warning);
            io.stdout.write(`Stack ${stack} is up to date: nothing to change.\n`);
            return 0;
        }
        const result = await applyDeploy(engine, plan, options);
        for (const warning of result.warnings) io.stderr.write(warning.endsWith('\n') ? warning : `${warning}\n`);
        // A rotation waits for the services in any case: the old versions go only once nothing runs them.
        const rotated = plan.rotation?.some((o) => o.rotated) ?? false;
        if (args.values.wait || rotated) await waitAll(engine, touchedServices(result), args, io);
        if (plan.rotation) {
            const cleanup = await removeUnusedVersions(engine, stack, plan.rotation, { signal: io.signal });
            for (const name of cleanup.removed) io.stdout.write(`Removing old version ${name}\n`);
            for (const kept of cleanup.kept) io.stderr.write(`Kept old version ${kept}\n`);
        }
        return 0;
    },
};
