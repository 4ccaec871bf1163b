/** `swarm-stacks history STACK`: the stack's recorded revisions, or what one of them changed (`--revision N`). */
import { describeRevisionChange } from '../../core/stack/rollback';
import { readHistory, type HistoryEntry } from '../../core/stack/history';
import { renderTable } from '../../core/stack/tables';
import { oneStack } from '../arguments';
import { engineFor } from '../engine';
import type { Verb } from '../verb';

const HISTORY_HEADER = ['REVISION', 'DEPLOYED', 'BY', 'VERSION', 'COMPOSE', 'CHANGE'];

function shortTime(iso: string | undefined): string {
    return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

function historyRow(entry: HistoryEntry): string[] {
    if (entry.kind === 'outside') return ['-', shortTime(entry.change.at), '', '', '', `deployed outside Swarm Stacks (${entry.change.services.join(', ')})`];
    if (entry.kind === 'refused') return [entry.revision === undefined ? '?' : String(entry.revision), '', '', '', '', `REFUSED: ${entry.reason}`];
    const p = entry.payload;
    return [String(entry.revision), shortTime(p.time), p.deployedBy, p.version, p.composeHash ? p.composeHash.replace('sha256:', '').slice(0, 12) : '', p.reason];
}

export const history: Verb = {
    options: { revision: { type: 'string', short: 'r' } },
    async run(args, io) {
        const stack = oneStack(args, 'history');
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
