import * as fs from 'fs';
import { version } from '../../../package.json';
import { composeContentHash, deployedByHere } from '../../core/stack/history';
import { nodeFingerprintKey } from '../../core/stack/fingerprint-key-node';
import { applyDeploy, deployReadsAhead, prepareDeploy, touchedServices } from '../../core/stack/deploy';
import { lintCompose } from '../../core/stack/lint';
import { describePlan, planIsEmpty, RESOLVE_IMAGE_MODES, type ResolveImageMode } from '../../core/stack/plan';
import { removeUnusedVersions, rotationRequested } from '../../core/stack/rotation';
import { composeFiles, historyLimit, oneStack } from '../arguments';
import { engineFor, engineIfAny, readAhead, registryAuthOf } from '../engine';
import { printDiagnostics, waitAll } from '../output';
import { ReportedFailure, UsageError, type Verb } from '../verb';

export const deploy: Verb = {
    options: {
        'compose-file': { type: 'string', short: 'c', multiple: true },
        prune: { type: 'boolean' },
        'resolve-image': { type: 'string' },
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean' },
        'wait-timeout': { type: 'string' },
        'no-dotenv': { type: 'boolean' },
        'with-registry-auth': { type: 'boolean' },
        'rotate-configs': { type: 'boolean' },
        'history-limit': { type: 'string' },
    },
    async run(args, io) {
        const stack = oneStack(args, 'deploy');
        const files = composeFiles(args);
        const mode = (args.values['resolve-image'] as string | undefined) ?? 'always';
        // The engine answers the reads that do not depend on the compose file while the file is read and validated.
        const early = engineIfAny(args, io);
        if (early) await readAhead(early, (engine) => deployReadsAhead(engine, stack, { signal: io.signal }));
        const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
        printDiagnostics(io, loaded.diagnostics);
        if (loaded.load.dotEnvFile) io.stderr.write(`Read variables from ${loaded.load.dotEnvFile} (the environment wins; --no-dotenv turns this off)\n`);
        if (!loaded.specs) {
            const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
            throw new ReportedFailure(`swarm-stacks: ${errors} error${errors === 1 ? '' : 's'} in the compose file${files.length > 1 ? 's' : ''}; nothing was deployed`);
        }
        if (!RESOLVE_IMAGE_MODES.includes(mode as ResolveImageMode)) throw new UsageError(`invalid option ${mode} for flag --resolve-image`);
        const engine = early ?? engineFor(args, io);
        const options = {
            resolveImage: mode as ResolveImageMode,
            prune: Boolean(args.values.prune),
            signal: io.signal,
            onProgress: (line: string) => io.stdout.write(`${line}\n`),
            registryAuth: registryAuthOf(io),
            withRegistryAuth: Boolean(args.values['with-registry-auth']),
            rotateConfigs: Boolean(args.values['rotate-configs']) || rotationRequested(loaded.load.config),
            secretFingerprintKey: nodeFingerprintKey(io.env),
            history: { limit: historyLimit(args), version, deployedBy: deployedByHere(io.env), composeHash: composeContentHash(files.map((f) => fs.readFileSync(f))) },
        };
        const plan = await prepareDeploy(engine, loaded.specs, stack, options);
        if (plan.problems.length) {
            throw new Error(`${plan.problems.join('\n')}\nNothing was deployed.`);
        }
        if (args.values['dry-run']) {
            for (const line of describePlan(plan)) io.stdout.write(`${line}\n`);
            for (const warning of plan.warnings) io.stderr.write(warning);
            return 0;
        }
        if (planIsEmpty(plan)) {
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
