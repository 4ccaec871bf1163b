/**
 * `swarm-stacks rollback SERVICE` (the service's previous spec, as `docker service rollback`) and
 * `swarm-stacks rollback --to N STACK` (the whole stack, to a recorded revision).
 */
import { version } from '../../../package.json';
import { applyDeploy, touchedServices } from '../../core/stack/deploy';
import { deployedByHere } from '../../core/stack/history';
import { planIsEmpty } from '../../core/stack/plan';
import { describeRollbackPlan, prepareRollback } from '../../core/stack/rollback';
import { rollbackService } from '../../core/stack/verbs';
import { detachOptions, historyLimit, oneService, oneStack } from '../arguments';
import { engineFor } from '../engine';
import type { CliIo } from '../io';
import { waitAll } from '../output';
import { UsageError, type ParsedArgs, type Verb } from '../verb';

export const rollback: Verb = {
    options: { ...detachOptions, to: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'history-limit': { type: 'string' } },
    async run(args, io) {
        // `rollback --to N STACK` rolls the whole stack back to a recorded revision.
        if (args.values.to !== undefined) return rollbackStack(args, io);
        if (args.values['dry-run'] || args.values['history-limit'] !== undefined) throw new UsageError('--dry-run and --history-limit go with --to N STACK');
        const service = oneService(args, 'rollback');
        const engine = engineFor(args, io);
        const result = await rollbackService(engine, service, { signal: io.signal });
        io.stdout.write(`${service}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io, true);
        return 0;
    },
};

/** `rollback --to N STACK`: the plan first, then the revision's specs to every service (pruning the others). */
async function rollbackStack(args: ParsedArgs, io: CliIo): Promise<number> {
    const stack = oneStack(args, 'rollback --to');
    const raw = String(args.values.to);
    if (!/^[1-9]\d*$/.test(raw)) throw new UsageError('--to takes a revision number (see swarm-stacks history STACK)');
    const engine = engineFor(args, io);
    const { plan, revision } = await prepareRollback(engine, stack, Number(raw), { signal: io.signal });
    if (plan.problems.length) throw new Error(`${plan.problems.join('\n')}\nNothing was changed.`);
    for (const line of describeRollbackPlan(plan)) io.stdout.write(`${line}\n`);
    if (args.values['dry-run']) return 0;
    if (planIsEmpty(plan)) {
        io.stdout.write(`Stack ${stack} already runs revision ${raw}: nothing to change.\n`);
        return 0;
    }
    const result = await applyDeploy(engine, plan, {
        resolveImage: 'never',
        prune: true,
        keepSpecImages: true,
        signal: io.signal,
        onProgress: (line) => io.stdout.write(`${line}\n`),
        history: { limit: historyLimit(args), version, deployedBy: deployedByHere(io.env), composeHash: revision.composeHash, reason: `rollback to revision ${raw}` },
    });
    for (const warning of result.warnings) io.stderr.write(warning.endsWith('\n') ? warning : `${warning}\n`);
    if (!args.values.detach) await waitAll(engine, touchedServices(result), args, io);
    io.stdout.write(`Stack ${stack} rolled back to revision ${raw}.\n`);
    return 0;
}
