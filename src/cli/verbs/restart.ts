import { restartService } from '../../core/stack/verbs';
import { detachOptions, oneService } from '../arguments';
import { engineFor } from '../engine';
import { waitAll } from '../output';
import type { Verb } from '../verb';

export const restart: Verb = {
    options: detachOptions,
    async run(args, io) {
        const service = oneService(args, 'restart');
        const engine = engineFor(args, io);
        const result = await restartService(engine, service, { signal: io.signal });
        io.stdout.write(`${service}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io);
        return 0;
    },
};
