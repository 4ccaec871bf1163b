/**
 * `swarm-stacks history STACK`, `swarm-stacks rollback --to N STACK` (the whole stack, to a recorded revision;
 * main.ts's `rollback SERVICE` hands `--to` over here) and `swarm-stacks diff -c FILE STACK` (what a deploy would change,
 * exit status as `kubectl diff`). Registered with addVerb when this module loads.
 */
import { version } from '../../package.json';
import { addVerb, engineFor, historyLimit, planInputOf, PLAN_OPTIONS, UsageError, waitAll, type CliIo, type ParsedArgs, type Verb } from './main';
import { isCancellation } from '../core/cancellation';
import { applyDeploy, prepareDeploy, touchedServices } from '../core/stack/deploy';
import { deployedByHere, readHistory, type HistoryEntry } from '../core/stack/history';
import { describePlan, planIsEmpty } from '../core/stack/plan';
import { describeRevisionChange, describeRollbackPlan, prepareRollback } from '../core/stack/rollback';
import { renderTable } from '../core/stack/tables';
import { stackNameProblem, validateStackName } from '../core/stack/names';

const HISTORY_HEADER = ['REVISION', 'DEPLOYED', 'BY', 'VERSION', 'COMPOSE', 'CHANGE'];

function stackArgument(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the stack name`);
    const problem = stackNameProblem(args.positionals[0]);
    if (problem !== undefined) throw new UsageError(problem);
    return validateStackName(args.positionals[0]);
}

function shortTime(iso: string | undefined): string {
    return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

function historyRow(entry: HistoryEntry): string[] {
    if (entry.kind === 'outside') return ['-', shortTime(entry.change.at), '', '', '', `deployed outside Swarm Stacks (${entry.change.services.join(', ')})`];
    if (entry.kind === 'refused') return [entry.revision === undefined ? '?' : String(entry.revision), '', '', '', '', `REFUSED: ${entry.reason}`];
    const p = entry.payload;
    return [String(entry.revision), shortTime(p.time), p.deployedBy, p.version, p.composeHash ? p.composeHash.replace('sha256:', '').slice(0, 12) : '', p.reason];
}

const history: Verb = {
    options: { revision: { type: 'string', short: 'r' } },
    async run(args, io) {
        const stack = stackArgument(args, 'history');
        const entries = await readHistory(engineFor(args, io), stack, { signal: io.signal });
        const raw = args.values.revision as string | undefined;
        if (raw !== undefined) {
            const n = Number(raw);
            const revisions = entries.filter((e): e is Extract<HistoryEntry, { kind: 'revision' }> => e.kind === 'revision');
            const index = revisions.findIndex((e) => e.revision === n);
            if (index === -1) {
                const refused = entries.find((e) => e.kind === 'refused' && e.revision === n);
                throw new Error(refused?.kind === 'refused' ? refused.reason : `stack ${stack} has no revision ${raw}`);
            }
            for (const line of describeRevisionChange(revisions[index - 1]?.payload, revisions[index].payload)) io.stdout.write(`${line}\n`);
            return 0;
        }
        if (!entries.length) {
            io.stderr.write(`No history for stack ${stack}: it has not been deployed by Swarm Stacks\n`);
            return 0;
        }
        io.stdout.write(renderTable(HISTORY_HEADER, entries.map(historyRow)));
        return 0;
    },
};

/** `rollback --to N STACK`: the plan first, then the revision's specs to every service (pruning the others). */
export async function rollbackStack(args: ParsedArgs, io: CliIo): Promise<number> {
    const stack = stackArgument(args, 'rollback --to');
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

/**
 * `diff`: exit 0 when a deploy would change nothing, 1 when it would, 2 (or more) when the diff itself failed, as
 * `kubectl diff` (its exit status 1 means "differences found", so a failure cannot use it).
 */
const diff: Verb = {
    options: PLAN_OPTIONS,
    async run(args, io) {
        const stack = stackArgument(args, 'diff');
        try {
            // The same reading, options and plan as deploy (main.ts planInputOf, core/stack/deploy.ts prepareDeploy).
            const { specs, options } = planInputOf(args, io, stack);
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

addVerb('history', history);
addVerb('diff', diff);
