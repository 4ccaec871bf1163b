import { stackLabelFilter } from '../../core/stack/names';
import { renderTable, serviceRows, SERVICES_HEADER } from '../../core/stack/tables';
import { oneStack } from '../arguments';
import { engineFor } from '../engine';
import type { Verb } from '../verb';

export const services: Verb = {
    options: { quiet: { type: 'boolean', short: 'q' } },
    async run(args, io) {
        const stack = oneStack(args, 'services');
        const list = await engineFor(args, io).listServices(stackLabelFilter(stack), { status: !args.values.quiet }, { signal: io.signal });
        if (!list.length) {
            io.stderr.write(`Nothing found in stack: ${stack}\n`);
            return 0;
        }
        const rows = serviceRows(list);
        io.stdout.write(args.values.quiet ? rows.map((r) => `${r[0]}\n`).join('') : renderTable(SERVICES_HEADER, rows));
        return 0;
    },
};
