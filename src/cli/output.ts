import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../core/diagnostics';
import { describeOutcome, waitForService, type ConvergenceProgress } from '../core/stack/converge';
import type { StackEngine } from '../core/stack/engine';
import { waitTimeoutMs } from './arguments';
import type { CliIo } from './io';
import type { ParsedArgs } from './verb';

export function printDiagnostics(io: CliIo, diagnostics: Diagnostic[]): void {
    for (const d of sortDiagnostics(diagnostics)) io.stderr.write(`${formatDiagnostic(d)}\n`);
}

/**
 * Progress on stderr: the running line for a person watching a terminal; elsewhere (a CI log) only the failures the
 * engine retries, one line per service and error when it first appears, so that a long wait says what it waits out.
 */
export function progressPrinter(io: CliIo): (p: ConvergenceProgress) => void {
    if (!io.stderr.isTTY) {
        const said = new Set<string>();
        return (p) => {
            // The error without its "(N tasks)" count, which grows with every retry.
            const error = p.retrying?.[0]?.replace(/ \(\d+ tasks\)$/, '');
            if (error === undefined || said.has(`${p.serviceId} ${error}`)) return;
            said.add(`${p.serviceId} ${error}`);
            io.stderr.write(`${p.serviceName}: ${p.running}/${p.desired} running; the engine retries: ${error}\n`);
        };
    }
    return (p) =>
        io.stderr.write(
            `\r\x1b[K${p.serviceName}: ${p.running}/${p.desired} running${p.updateState ? ` · ${p.updateState}` : ''}${p.retrying?.length ? ` · the engine retries: ${p.retrying[0]}` : ''}` +
                `${p.pullRejected?.length ? ` · ${p.pullRejected.join('; ')}` : ''}`,
        );
}

/** Waits for each service to converge (or roll back), printing each outcome; throws with every failure. */
export async function waitAll(engine: StackEngine, serviceIds: string[], args: ParsedArgs, io: CliIo, expectRollback = false): Promise<void> {
    const onProgress = progressPrinter(io);
    const failures: string[] = [];
    for (const id of serviceIds) {
        const outcome = await waitForService(engine, id, { timeoutMs: waitTimeoutMs(args), signal: io.signal, onProgress, expectRollback });
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
        // Running only on the nodes that hold the image is not what the file declares: a failure of the wait.
        if (outcome.kind === 'converged' && !outcome.progress.pullRejected?.length) {
            io.stderr.write(`${describeOutcome(outcome)}\n`);
        } else {
            failures.push(describeOutcome(outcome));
        }
    }
    if (failures.length) throw new Error(failures.join('\n'));
}
