import { stackLabelFilter } from '../../core/stack/names';
import { pendingTaskNotes, PS_HEADER, renderTable, taskRows } from '../../core/stack/tables';
import { oneStack } from '../arguments';
import { engineFor } from '../engine';
import type { Verb } from '../verb';

export const ps: Verb = {
    options: { quiet: { type: 'boolean', short: 'q' } },
    async run(args, io) {
        const stack = oneStack(args, 'ps');
        const engine = engineFor(args, io);
        const [tasks, list, nodes] = await Promise.all([
            engine.listTasks(stackLabelFilter(stack), { signal: io.signal }),
            engine.listServices(stackLabelFilter(stack), {}, { signal: io.signal }),
            engine.listNodes(undefined, { signal: io.signal }),
        ]);
        if (!tasks.length) throw new Error(`nothing found in stack: ${stack}`);
        const rows = taskRows(tasks, list, nodes);
        io.stdout.write(args.values.quiet ? rows.map((r) => `${r[0]}\n`).join('') : renderTable(PS_HEADER, rows));
        // The table keeps the CLI's columns; why each pending task waits follows in full on stderr.
        if (!args.values.quiet) for (const note of pendingTaskNotes(tasks, list, nodes)) io.stderr.write(`${note}\n`);
        return 0;
    },
};
