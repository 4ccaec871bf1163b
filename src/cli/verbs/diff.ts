import { isCancellation } from '../../core/cancellation';
import { formatDiagnostic, sortDiagnostics } from '../../core/diagnostics';
import { prepareDeploy } from '../../core/stack/deploy';
import { lintCompose } from '../../core/stack/lint';
import { describePlan, planIsEmpty, RESOLVE_IMAGE_MODES, type ResolveImageMode } from '../../core/stack/plan';
import { oneStack } from '../arguments';
import { engineFor } from '../engine';
import { UsageError, type Verb } from '../verb';

/**
 * `diff`: exit 0 when a deploy would change nothing, 1 when it would, 2 (or more) when the diff itself failed, as
 * `kubectl diff` (its exit status 1 means "differences found", so a failure cannot use it).
 */
export const diff: Verb = {
    options: {
        'compose-file': { type: 'string', short: 'c', multiple: true },
        prune: { type: 'boolean' },
        'resolve-image': { type: 'string' },
        'no-dotenv': { type: 'boolean' },
    },
    async run(args, io) {
        const stack = oneStack(args, 'diff');
        const files = ((args.values['compose-file'] as string[] | undefined) ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
        if (!files.length) throw new UsageError('specify a Compose file (with --compose-file)');
        const mode = (args.values['resolve-image'] as string | undefined) ?? 'always';
        if (!RESOLVE_IMAGE_MODES.includes(mode as ResolveImageMode)) throw new UsageError(`invalid option ${mode} for flag --resolve-image`);
        try {
            const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
            for (const d of sortDiagnostics(loaded.diagnostics)) io.stderr.write(`${formatDiagnostic(d)}\n`);
            if (!loaded.specs) throw new Error('the compose file has errors');
            const plan = await prepareDeploy(engineFor(args, io), loaded.specs, stack, { resolveImage: mode as ResolveImageMode, prune: Boolean(args.values.prune), signal: io.signal });
            if (plan.problems.length) throw new Error(`${plan.problems.join('\n')}\nA deploy would fail.`);
            for (const warning of plan.warnings) io.stderr.write(warning);
            if (planIsEmpty(plan)) return 0;
            for (const line of describePlan(plan).filter((l) => !l.endsWith(': unchanged'))) io.stdout.write(`${line}\n`);
            return 1;
        } catch (error) {
            if (isCancellation(error) || error instanceof UsageError) throw error;
            io.stderr.write(`swarm-stacks diff: ${error instanceof Error ? error.message : String(error)}\n`);
            return 2;
        }
    },
};
