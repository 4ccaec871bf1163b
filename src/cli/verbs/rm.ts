import { CancelledError } from '../../core/cancellation';
import { removeStack } from '../../core/stack/remove';
import { stackNameArgument, waitTimeoutMs } from '../arguments';
import { engineFor } from '../engine';
import { UsageError, type Verb } from '../verb';

export const rm: Verb = {
    options: { wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' } },
    async run(args, io) {
        if (args.positionals.length < 1) throw new UsageError('"rm" requires at least 1 argument: the stack name');
        const stacks = args.positionals.map(stackNameArgument);
        const engine = engineFor(args, io);
        const errors: string[] = [];
        for (const stack of stacks) {
            const result = await removeStack(engine, stack, {
                wait: Boolean(args.values.wait),
                waitTimeoutMs: waitTimeoutMs(args),
                signal: io.signal,
                onProgress: (line) => io.stdout.write(`${line}\n`),
            });
            if (result.nothingFound) io.stderr.write(`Nothing found in stack: ${stack}\n`);
            for (const failure of result.failures) io.stderr.write(`${failure}\n`);
            if (result.failures.length) errors.push(`failed to remove some resources from stack: ${stack}`);
            if (result.waited === 'cancelled') {
                io.stderr.write(`Stopped waiting: everything of stack ${stack} was removed; the engine goes on stopping its tasks\n`);
                throw new CancelledError();
            }
        }
        if (errors.length) throw new Error(errors.join('\n'));
        return 0;
    },
};
