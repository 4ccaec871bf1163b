/**
 * Reads the JSON messages of `POST /build` (the classic builder): `{stream}` text with `Step 2/5 : COPY …` headers,
 * `{status}` pull progress, `{aux: {ID}}` with the image ID, `{error, errorDetail}` when a step fails. Turns them
 * into steps, output lines, the failing step with its last lines, and the final image ID. Pure: no I/O.
 */

/** One message of `POST /build` (the Docker door's `BuildProgress` is this type). */
export type BuildMessage =
    | { stream: string }
    | { error: string; errorDetail?: { code?: number; message?: string } }
    | { aux: { ID?: string } & Record<string, unknown> }
    | { status: string; id?: string; progress?: string };

export interface BuildStep {
    /** 1-based. */
    index: number;
    total: number;
    /** The instruction as the builder prints it: `COPY package.json index.js ./`. */
    instruction: string;
    /** Output lines of the step (capped, the last ones kept). */
    output: string[];
}

export type BuildEvent =
    | { kind: 'step'; step: BuildStep }
    | { kind: 'output'; line: string; step?: BuildStep }
    | { kind: 'status'; line: string }
    | { kind: 'image'; id: string }
    | { kind: 'tagged'; tag: string }
    | { kind: 'error'; message: string; step?: BuildStep }
    /** Said by the build itself before the engine answers: credentials it could not read, syntax only BuildKit reads. */
    | { kind: 'notice'; line: string };

interface BuildFailure {
    message: string;
    step?: BuildStep;
    /** The last output lines before the failure (of the failing step when known). */
    lastLines: string[];
}

const STEP_RE = /^Step (\d+)\/(\d+) : (.*)$/;
const BUILT_RE = /^Successfully built ([0-9a-f]{6,64})$/;
const TAGGED_RE = /^Successfully tagged (\S+)$/;
const MAX_STEP_LINES = 200;
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** Strips ANSI escapes and carriage-return overwrites (`\r` progress bars keep their last state). */
export function cleanLine(line: string): string {
    const noAnsi = line.replace(ANSI_RE, '').replace(/[\r\n]+$/, '');
    const parts = noAnsi.split('\r').filter((p) => p !== '');
    return (parts[parts.length - 1] ?? '').replace(/\s+$/, '');
}

/**
 * Feed messages in order with `push`; it returns what they meant. `{stream}` text may split lines across messages:
 * a partial line waits for its end (or for `end()`).
 */
export class BuildProgressParser {
    readonly steps: BuildStep[] = [];
    /** Every output line (capped at `maxLines`, the last ones kept). */
    readonly lines: string[] = [];
    imageId?: string;
    readonly tags: string[] = [];
    failure?: BuildFailure;
    private pending = '';

    constructor(private readonly maxLines = 2000) {}

    get currentStep(): BuildStep | undefined {
        return this.steps[this.steps.length - 1];
    }

    push(message: BuildMessage): BuildEvent[] {
        const events: BuildEvent[] = [];
        if ('stream' in message && typeof message.stream === 'string') {
            this.pending += message.stream;
            let newline: number;
            while ((newline = this.pending.indexOf('\n')) >= 0) {
                const line = this.pending.slice(0, newline);
                this.pending = this.pending.slice(newline + 1);
                this.line(line, events);
            }
        } else if ('error' in message && typeof message.error === 'string') {
            this.flush(events);
            const text = (message.errorDetail?.message ?? message.error).trim();
            const step = this.currentStep;
            const lastLines = (step ? step.output : this.lines).slice(-20);
            this.failure = { message: text, lastLines, ...(step ? { step } : {}) };
            events.push({ kind: 'error', message: text, ...(step ? { step } : {}) });
        } else if ('aux' in message && message.aux && typeof message.aux.ID === 'string') {
            this.imageId = message.aux.ID;
            events.push({ kind: 'image', id: message.aux.ID });
        } else if ('status' in message && typeof message.status === 'string') {
            const line = [message.id, message.status, message.progress].filter((p) => p !== undefined && p !== '').join(' ');
            events.push({ kind: 'status', line: cleanLine(line) });
        }
        return events;
    }

    /** Flushes a last partial line; call when the stream ended. */
    end(): BuildEvent[] {
        const events: BuildEvent[] = [];
        this.flush(events);
        return events;
    }

    private flush(events: BuildEvent[]): void {
        if (this.pending !== '') {
            const line = this.pending;
            this.pending = '';
            this.line(line, events);
        }
    }

    private line(raw: string, events: BuildEvent[]): void {
        const line = cleanLine(raw);
        const step = STEP_RE.exec(line);
        if (step) {
            const s: BuildStep = { index: Number(step[1]), total: Number(step[2]), instruction: (step[3] ?? '').trim(), output: [] };
            this.steps.push(s);
            this.record(line);
            events.push({ kind: 'step', step: s });
            return;
        }
        if (line === '') return;
        const built = BUILT_RE.exec(line);
        if (built && this.imageId === undefined) {
            this.imageId = built[1];
            events.push({ kind: 'image', id: built[1] });
        }
        const tagged = TAGGED_RE.exec(line);
        if (tagged) {
            this.tags.push(tagged[1]);
            events.push({ kind: 'tagged', tag: tagged[1] });
        }
        const current = this.currentStep;
        if (current) {
            current.output.push(line);
            if (current.output.length > MAX_STEP_LINES) current.output.splice(0, current.output.length - MAX_STEP_LINES);
        }
        this.record(line);
        events.push({ kind: 'output', line, ...(current ? { step: current } : {}) });
    }

    private record(line: string): void {
        this.lines.push(line);
        if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    }
}

/** `Step 3/5 : RUN npm ci` */
export function describeStep(step: BuildStep): string {
    return `Step ${step.index}/${step.total} : ${step.instruction}`;
}

/** A failed build: the step, the daemon's message and the step's last output lines, in one message. */
export class BuildFailedError extends Error {
    constructor(readonly failure: BuildFailure) {
        super(formatFailure(failure));
        this.name = 'BuildFailedError';
    }
}

export function formatFailure(failure: BuildFailure, maxLines = 10): string {
    const head = failure.step
        ? `The build failed at ${describeStep(failure.step)}: ${failure.message}`
        : `The build failed: ${failure.message}`;
    // The step's own header and the daemon's "---> Running in" lines say nothing more.
    const lines = failure.lastLines.filter((l) => !STEP_RE.test(l) && !/^ ---> /.test(l)).slice(-maxLines);
    return lines.length > 0 ? `${head}\n${lines.join('\n')}` : head;
}
