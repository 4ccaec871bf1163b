/**
 * `swarm-stacks node ls|drain|pause|activate|promote|demote|label-add|label-rm`, on the same core as
 * the Nodes view (src/core/nodes). Drain, pause and activate print their impact first (on stderr);
 * `--dry-run` stops there.
 */
import { engineFor } from '../engine';
import type { CliIo } from '../io';
import { UsageError, type ParsedArgs, type Verb } from '../verb';
import { availabilityImpact, describeImpact, type Availability } from '../../core/nodes/impact';
import { addNodeLabels, demoteNode, parseNodeLabel, promoteNode, removeNodeLabels, setNodeAvailability, validateLabelKey, type NodeVerbResult } from '../../core/nodes/verbs';
import { readSnapshot } from '../../core/swarm-snapshot';
import { renderTable } from '../../core/stack/tables';

const SUBCOMMANDS = ['ls', 'drain', 'pause', 'activate', 'promote', 'demote', 'label-add', 'label-rm'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const NODE_HEADER = ['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ENGINE VERSION'];

function capitalize(s: string): string {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
}

async function list(args: ParsedArgs, io: CliIo): Promise<number> {
    const engine = engineFor(args, io);
    const [nodes, info] = await Promise.all([engine.listNodes(undefined, { signal: io.signal }), engine.info({ signal: io.signal })]);
    const rows = [...nodes]
        .sort((a, b) => (a.Description?.Hostname ?? '').localeCompare(b.Description?.Hostname ?? ''))
        .map((n) => [
            // The CLI marks the node it talks to with `*`.
            `${n.ID}${n.ID === info.swarm.nodeId ? ' *' : ''}`,
            n.Description?.Hostname ?? '',
            capitalize(n.Status.State),
            capitalize(n.Spec.Availability ?? ''),
            n.ManagerStatus ? (n.ManagerStatus.Leader ? 'Leader' : capitalize(n.ManagerStatus.Reachability ?? '')) : '',
            n.Description?.Engine?.EngineVersion ?? '',
        ]);
    io.stdout.write(args.values.quiet ? rows.map((r) => `${r[0].replace(' *', '')}\n`).join('') : renderTable(NODE_HEADER, rows));
    return 0;
}

async function changeAvailability(args: ParsedArgs, io: CliIo, ref: string, to: Availability): Promise<number> {
    const engine = engineFor(args, io);
    const impact = availabilityImpact(await readSnapshot(engine, io.signal), ref, to);
    const { summary, details } = describeImpact(impact);
    io.stderr.write(`${summary.replace(/\?/, ':')}\n${details.map((d) => `  ${d}\n`).join('')}`);
    if (args.values['dry-run'] || impact.unchanged) return 0;
    return done(io, await setNodeAvailability(engine, impact.node.id, to, { signal: io.signal }));
}

function usage(check: () => unknown): void {
    try {
        check();
    } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
    }
}

function done(io: CliIo, result: NodeVerbResult): number {
    io.stdout.write(`${result.message}\n`);
    return 0;
}

export const node: Verb = {
    options: { 'dry-run': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
    async run(args, io) {
        const [sub, ref, ...rest] = args.positionals;
        if (!SUBCOMMANDS.includes(sub as Subcommand)) {
            throw new UsageError(sub === undefined ? `a subcommand is required: ${SUBCOMMANDS.join(', ')}` : `unknown subcommand "${sub}": use ${SUBCOMMANDS.join(', ')}`);
        }
        if (sub === 'ls') {
            if (ref !== undefined) throw new UsageError('"node ls" accepts no arguments');
            return list(args, io);
        }
        if (ref === undefined) throw new UsageError(`"node ${sub}" requires the node (ID or hostname)`);
        const labelled = sub === 'label-add' || sub === 'label-rm';
        if (labelled && !rest.length) throw new UsageError(`"node ${sub}" requires at least one ${sub === 'label-add' ? 'key=value' : 'label key'} after the node`);
        if (!labelled && rest.length) throw new UsageError(`"node ${sub}" takes exactly one node`);
        const signal = { signal: io.signal };
        switch (sub as Exclude<Subcommand, 'ls'>) {
            case 'drain':
                return changeAvailability(args, io, ref, 'drain');
            case 'pause':
                return changeAvailability(args, io, ref, 'pause');
            case 'activate':
                return changeAvailability(args, io, ref, 'active');
            case 'promote':
                return done(io, await promoteNode(engineFor(args, io), ref, signal));
            case 'demote':
                return done(io, await demoteNode(engineFor(args, io), ref, signal));
            case 'label-add':
                // A malformed label is a usage mistake, found before any request.
                for (const label of rest) usage(() => parseNodeLabel(label));
                return done(io, await addNodeLabels(engineFor(args, io), ref, rest, signal));
            case 'label-rm':
                for (const key of rest) usage(() => validateLabelKey(key));
                return done(io, await removeNodeLabels(engineFor(args, io), ref, rest, signal));
        }
    },
};

