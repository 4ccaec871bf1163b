import { isCancellation } from '../../core/cancellation';
import { prepareDeploy } from '../../core/stack/deploy';
import { describePlan, planIsEmpty } from '../../core/stack/plan';
import { oneStack } from '../arguments';
import { engineFor } from '../engine';
import { PLAN_OPTIONS, planInputOf } from '../plan-input';
import { UsageError, type Verb } from '../verb';

/**
 * `diff`: exit 0 when a deploy would change nothing, 1 when it would, 2 (or more) when the diff itself failed, as
 * `kubectl diff` (its exit status 1 means "differences found", so a failure cannot use it).
 */
export const diff: Verb = {
    options: PLAN_OPTIONS,
    async run(args, io) {
        const stack = oneStack(args, 'diff');
        try {
            // The same reading, options and plan as deploy (cli/plan-input.ts planInputOf, core/stack/deploy.ts prepareDeploy).
            const { specs, options } = planInputOf(args, io, stack, 'diff');
            const plan = await prepareDeploy(engineFor(args, io), specs, stack, options);
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
