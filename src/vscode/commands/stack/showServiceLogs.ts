import * as vscode from 'vscode';
import { isCancellation } from '../../../core/cancellation';
import { colourPrefix, formatLogLine, parseLogLine, parseSince, parseTail, taskPrefix, terminalLine, type TaskNames } from '../../../core/stack/service-logs';
import type { ServiceSummary, StackSummary, TaskSummary } from '../../../core/swarm-snapshot';
import type { ExtensionServices } from '../../services';
import { resolveService, resolveStack } from './targets';

/** Options of Show Service / Task / Stack Logs; unset ones come from the `swarmStacks.logs.*` settings. */
export interface LogViewOptions {
    follow?: boolean;
    /** Lines from the end of each service's log, or `all`. */
    tail?: number | string;
    /** A duration back from now (`10m`), an RFC 3339 time or Unix seconds. */
    since?: string;
    timestamps?: boolean;
}

/** What the log commands return: the terminal, and for automation what was written and a way to stop. */
export interface LogSession {
    terminal: vscode.Terminal;
    /** The lines written so far (the last few thousand), ANSI colours included. */
    transcript(): string[];
    /** The text sent to the terminal so far (its end), line breaks as written: CRLF. */
    output(): string;
    /** Stops following (as Ctrl+C in the terminal does); the terminal stays open with what it shows. */
    stop(): void;
    /** Settles when every stream has ended or was stopped. */
    ended: Promise<void>;
}

interface LogSource {
    kind: 'service' | 'task';
    id: string;
    /** Service name, for the prefix and the stream's errors. */
    serviceName: string;
    /** Digits of the service's replica count: the prefix padding (more in stack logs, to align the services). */
    replicaDigits: number;
    /** Index of the service's colour in merged stack logs; undefined: no colour (as `docker service logs`). */
    colour?: number;
}

const TRANSCRIPT_LINES = 5000;
const OUTPUT_CHARS = 200_000;

/** Show Service Logs (or one task's, from a task item): `docker service logs`-style lines in a terminal. */
export async function showServiceLogs(services: ExtensionServices, argument?: unknown, options?: LogViewOptions): Promise<LogSession> {
    const task = (argument as { task?: TaskSummary } | undefined)?.task;
    if (task) {
        const service = findServiceOf(services, task.serviceId);
        const source: LogSource = { kind: 'task', id: task.id, serviceName: service?.name ?? task.name.replace(/\.[^.]*$/, ''), replicaDigits: String(task.slot ?? 0).length };
        return openLogTerminal(services, vscode.l10n.t('Logs: {0}', task.name), [source], options);
    }
    const picked = await resolveService(services, argument, vscode.l10n.t('Service whose logs to show'));
    const source: LogSource = { kind: 'service', id: picked.summary?.id ?? picked.name, serviceName: picked.name, replicaDigits: replicaDigits(picked.summary) };
    return openLogTerminal(services, vscode.l10n.t('Logs: {0}', picked.name), [source], options);
}

/** Show Stack Logs: every service of the stack merged in one terminal, each with its own prefix colour. */
export async function showStackLogs(services: ExtensionServices, argument?: unknown, options?: LogViewOptions): Promise<LogSession> {
    const name = await resolveStack(services, argument, vscode.l10n.t('Stack whose logs to show'));
    const given = (argument as { stack?: StackSummary } | undefined)?.stack;
    const known = (): StackSummary | undefined => services.model.snapshot?.stacks.find((s) => s.name === name);
    // From the palette or automation the model may not be live (no view or compose editor visible): read it once.
    if (!known() && !given) await services.model.refresh();
    const stack = known() ?? given;
    if (!stack || stack.services.length === 0) throw new Error(vscode.l10n.t('Stack {0} has no services.', name));
    // Merged lines keep their `|` in one column: each service's prefix is padded to the longest name and slot.
    const width = Math.max(...stack.services.map((s) => s.name.length + replicaDigits(s)));
    const sources = stack.services.map((s, index): LogSource => ({ kind: 'service', id: s.id, serviceName: s.name, replicaDigits: width - s.name.length, colour: index }));
    return openLogTerminal(services, vscode.l10n.t('Logs: stack {0}', name), sources, options);
}

function replicaDigits(service: ServiceSummary | undefined): number {
    return service && service.mode === 'replicated' ? String(service.desired).length : 1;
}

function findServiceOf(services: ExtensionServices, serviceId: string): ServiceSummary | undefined {
    const snapshot = services.model.snapshot;
    return snapshot ? [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].find((s) => s.id === serviceId) : undefined;
}

function effectiveOptions(options: LogViewOptions | undefined): { follow: boolean; tail: number | 'all'; since?: number; timestamps: boolean } {
    const config = vscode.workspace.getConfiguration('swarmStacks.logs');
    const since = options?.since ?? config.get<string>('since', '');
    return {
        follow: options?.follow ?? config.get<boolean>('follow', true),
        tail: parseTail(options?.tail ?? config.get<number | string>('tail', 200)),
        ...(since.trim() !== '' ? { since: parseSince(since) } : {}),
        timestamps: options?.timestamps ?? config.get<boolean>('timestamps', false),
    };
}

/**
 * One pseudoterminal for one or more log streams. Every line is prefixed with its task and node; a task the model's
 * snapshot no longer holds (an old one, within the tail) is looked up once. Ctrl+C or closing the terminal stops.
 */
function openLogTerminal(services: ExtensionServices, title: string, sources: LogSource[], options: LogViewOptions | undefined): LogSession {
    const params = effectiveOptions(options);
    const client = services.session.client;
    const controller = new AbortController();
    const writeEmitter = new vscode.EventEmitter<string>();
    const transcript: string[] = [];
    let output = '';
    const taskNames = new Map<string, Promise<TaskNames>>();
    const nodeNames = new Map<string, Promise<string>>();
    let stopped = false;
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

    const write = (line: string): void => {
        transcript.push(line);
        if (transcript.length > TRANSCRIPT_LINES) transcript.splice(0, transcript.length - TRANSCRIPT_LINES);
        const data = terminalLine(line);
        output = (output + data).slice(-OUTPUT_CHARS);
        writeEmitter.fire(data);
    };
    const stop = (): void => {
        if (stopped) return;
        stopped = true;
        controller.abort();
        write(vscode.l10n.t('[stopped]'));
    };

    const namesOf = (taskId: string, source: LogSource, nodeId: string): Promise<TaskNames> => {
        let known = taskNames.get(taskId);
        if (!known) {
            let nodeName = nodeNames.get(nodeId);
            if (!nodeName) {
                nodeName = resolveNodeName(services, nodeId);
                nodeNames.set(nodeId, nodeName);
            }
            known = nodeName.then((name) => resolveTaskNames(services, taskId, source.serviceName, name));
            taskNames.set(taskId, known);
        }
        return known;
    };

    const follow = async (source: LogSource): Promise<void> => {
        const logParams = { follow: params.follow, tail: params.tail, timestamps: params.timestamps, details: true, ...(params.since !== undefined ? { since: params.since } : {}) };
        try {
            const stream = source.kind === 'task' ? await client.taskLogs(source.id, logParams, controller.signal) : await client.serviceLogs(source.id, logParams, controller.signal);
            for await (const line of stream) {
                const parsed = parseLogLine(String(line), params.timestamps);
                let prefix: string | undefined;
                if (parsed.context) {
                    const names = await namesOf(parsed.context.taskId, source, parsed.context.nodeId);
                    prefix = taskPrefix(names, parsed.context.taskId, source.replicaDigits);
                    if (source.colour !== undefined) prefix = colourPrefix(prefix, source.colour);
                }
                if (!stopped) write(formatLogLine(parsed, prefix));
            }
        } catch (error) {
            if (controller.signal.aborted || isCancellation(error)) return;
            const message = error instanceof Error ? error.message : String(error);
            services.log.error(`Logs of ${source.serviceName}: ${message}`);
            write(`${source.serviceName}: ${message}`);
        }
    };

    const pty: vscode.Pseudoterminal = {
        onDidWrite: writeEmitter.event,
        open: () => {
            const what = [params.follow ? vscode.l10n.t('following') : '', params.tail === 'all' ? vscode.l10n.t('all lines') : vscode.l10n.t('last {0} lines', params.tail)].filter(Boolean).join(', ');
            write(`\x1b[2m${vscode.l10n.t('{0} ({1}); Ctrl+C stops', title, what)}\x1b[0m`);
            void Promise.all(sources.map(follow)).then(() => {
                if (!stopped) write(vscode.l10n.t('[log stream ended]'));
                resolveEnded();
            });
        },
        handleInput: (data) => {
            if (data.includes('\x03')) stop();
        },
        close: () => {
            stopped = true;
            controller.abort();
            writeEmitter.dispose();
        },
    };
    const terminal = vscode.window.createTerminal({ name: title, pty, iconPath: new vscode.ThemeIcon('output') });
    terminal.show();
    return { terminal, transcript: () => [...transcript], output: () => output, stop, ended };
}

/** A node's hostname, as the CLI's ID resolver prints it: from the model's snapshot, else asked of the engine once. */
async function resolveNodeName(services: ExtensionServices, nodeId: string): Promise<string> {
    const known = services.model.snapshot?.nodes.find((n) => n.id === nodeId)?.hostname;
    if (known) return known;
    try {
        const node = await services.session.client.inspectNode(nodeId);
        return node.Description?.Hostname || nodeId;
    } catch {
        return nodeId;
    }
}

/** Slot of a task: from the model's snapshot, else asked of the engine once (an old task). */
async function resolveTaskNames(services: ExtensionServices, taskId: string, serviceName: string, nodeName: string): Promise<TaskNames> {
    const snapshot = services.model.snapshot;
    const known = snapshot && [...snapshot.stacks.flatMap((s) => s.services), ...snapshot.unstacked].flatMap((s) => s.tasks).find((t) => t.id === taskId);
    if (known) return { serviceName, nodeName, ...(known.slot !== undefined ? { slot: known.slot } : {}) };
    try {
        const [task] = await services.session.client.listTasks({ id: [taskId] });
        return { serviceName, nodeName, ...(task?.Slot !== undefined ? { slot: task.Slot } : {}) };
    } catch {
        return { serviceName, nodeName };
    }
}
