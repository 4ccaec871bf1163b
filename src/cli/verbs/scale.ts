import { isCancellation } from '../../core/cancellation';
import { parseScaleArgument, scaleService } from '../../core/stack/verbs';
import { detachOptions } from '../arguments';
import { engineFor } from '../engine';
import { waitAll } from '../output';
import { UsageError, type Verb } from '../verb';

export const scale: Verb = {
    options: detachOptions,
    async run(args, io) {
        if (!args.positionals.length) throw new UsageError('"scale" requires at least 1 argument: SERVICE=REPLICAS');
        let requests;
        try {
            requests = args.positionals.map(parseScaleArgument);
        } catch (error) {
            throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        const engine = engineFor(args, io);
        const errors: string[] = [];
        const ids: string[] = [];
        for (const request of requests) {
            try {
                const result = await scaleService(engine, request.service, request.replicas, { signal: io.signal });
                ids.push(result.service.ID);
                io.stdout.write(`${request.service} scaled to ${request.replicas}\n`);
            } catch (error) {
                if (isCancellation(error)) throw error;
                errors.push(`${request.service}: ${error instanceof Error ? error.message : String(error)}`);
            }
        }
        if (!args.values.detach && ids.length) await waitAll(engine, ids, args, io);
        if (errors.length) throw new Error(errors.join('\n'));
        return 0;
    },
};
