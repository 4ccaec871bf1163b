import { NAMESPACE_LABEL } from '../../core/stack/names';
import { renderTable, stackRows, STACK_HEADER } from '../../core/stack/tables';
import { engineFor } from '../engine';
import { UsageError, type Verb } from '../verb';

export const ls: Verb = {
    options: {},
    async run(args, io) {
        if (args.positionals.length) throw new UsageError('"ls" accepts no arguments');
        const services = await engineFor(args, io).listServices({ label: [NAMESPACE_LABEL] }, {}, { signal: io.signal });
        io.stdout.write(renderTable(STACK_HEADER, stackRows(services)));
        return 0;
    },
};
