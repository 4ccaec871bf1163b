import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../core/diagnostics';
import { describeOutcome, waitForService, type ConvergenceProgress } from '../core/stack/converge';
import type { StackEngine } from '../core/stack/engine';
import { waitTimeoutMs } from './arguments';
import type { CliIo } from './io';
import type { ParsedArgs } from './verb';

export function printDiagnostics(io: CliIo, diagnostics: Diagnostic[]): void {
    for (const d of sortDiagnostics(diagnostics)) io.stderr.write(`${formatDiagnostic(d)}\n`);
}

/** Progress on stderr, only for a person watching a terminal. */
export function progressPrinter(io: CliIo): (p: ConvergenceProgress) => void {
    if (!io.stderr.isTTY) return () => undefined;
    return (p) =>
        io.stderr.write(`\r\x1b[K${p.serviceName}: ${p.running}/${p.desired} running${p.updateState ? ` · ${p.updateState}` : ''}${p.retrying?.length ? ` · the engine retries: ${p.retrying[0]}` : ''}`);
}

/** Waits for each service to converge (or roll back), printing each outcome; throws with every failure. */
export async function waitAll(engine: StackEngine, serviceIds: string[], args: ParsedArgs, io: CliIo, expectRollback = false): Promise<void> {
    const onProgress = progressPrinter(io);
    const failures: string[] = [];
    for (const id of serviceIds) {
        const outcome = await waitForService(engine, id, { timeoutMs: waitTimeoutMs(args), signal: io.signal, onProgress, expectRollback });
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
        if (outcome.kind === 'converged') {
            io.stderr.write(`${describeOutcome(outcome)}\n`);
        } else {
            failures.push(describeOutcome(outcome));
        }
    }
    if (failures.length) throw new Error(failures.join('\n'));
}
