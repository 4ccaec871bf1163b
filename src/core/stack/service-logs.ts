/**
 * Service logs as `docker service logs` prints them (docker/cli `cli/command/service/logs.go`): each line the engine
 * sends with `details=true` starts with its context (`com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,
 * com.docker.swarm.task.id=…`, after the timestamp when asked for), which becomes the prefix
 * `<service>.<slot>.<task id, 12 characters>@<node><padding>    | `. Stack logs merge several services and colour
 * each one's prefix, as `docker compose logs` does. Pure: the editor resolves names and writes to its terminal.
 */

interface LogLineContext {
    nodeId: string;
    serviceId: string;
    taskId: string;
}

interface ParsedLogLine {
    /** RFC 3339 time, when the logs were asked with timestamps. */
    timestamp?: string;
    /** Task context; undefined when the line carried no (complete) details. */
    context?: LogLineContext;
    /** Other details (labels and env the service's log options add), as the engine sent them. */
    details: Record<string, string>;
    message: string;
}

const NODE_KEY = 'com.docker.swarm.node.id';
const SERVICE_KEY = 'com.docker.swarm.service.id';
const TASK_KEY = 'com.docker.swarm.task.id';

/**
 * Splits one line of a `details=true` log stream: `[timestamp ]details message`. A line whose details do not parse is
 * kept whole as the message (never dropped, unlike the CLI, which stops with an error).
 */
export function parseLogLine(line: string, timestamps: boolean): ParsedLogLine {
    let rest = line;
    let timestamp: string | undefined;
    if (timestamps) {
        const space = rest.indexOf(' ');
        if (space > 0) {
            timestamp = rest.slice(0, space);
            rest = rest.slice(space + 1);
        }
    }
    const space = rest.indexOf(' ');
    const detailsText = space === -1 ? rest : rest.slice(0, space);
    const details = parseLogDetails(detailsText);
    if (!details) return { ...(timestamp !== undefined ? { timestamp } : {}), details: {}, message: rest };
    const message = space === -1 ? '' : rest.slice(space + 1);
    const { [NODE_KEY]: nodeId, [SERVICE_KEY]: serviceId, [TASK_KEY]: taskId, ...others } = details;
    const context = nodeId !== undefined && serviceId !== undefined && taskId !== undefined ? { nodeId, serviceId, taskId } : undefined;
    return { ...(timestamp !== undefined ? { timestamp } : {}), ...(context ? { context } : {}), details: others, message };
}

/** `k=v,k=v` with URL-escaped keys and values (docker/cli `service/logs/parse_logs.go`); undefined when not that. */
export function parseLogDetails(text: string): Record<string, string> | undefined {
    if (text === '') return undefined;
    const out: Record<string, string> = {};
    for (const pair of text.split(',')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) return undefined;
        try {
            out[decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '))] = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
        } catch {
            return undefined;
        }
    }
    return out;
}

/** What the prefix needs of a task: the engine knows it (task inspect, node and service names). */
export interface TaskNames {
    serviceName: string;
    /** Slot of a replicated task; a global task has none (the CLI prints 0). */
    slot?: number;
    nodeName: string;
}

/**
 * `prod_web.1.3f2a9c1d0b7e@node-1` with the CLI's padding: as many spaces after the node as the slot has fewer digits
 * than the service's replica count (`replicaDigits`), so that the `|` columns line up.
 */
export function taskPrefix(names: TaskNames, taskId: string, replicaDigits = 1): string {
    const slot = names.slot ?? 0;
    const padding = Math.max(0, replicaDigits - String(slot).length);
    return `${names.serviceName}.${slot}.${taskId.slice(0, 12)}@${names.nodeName}${' '.repeat(padding)}`;
}

/** One output line: `[timestamp ]prefix    | message`, as the CLI writes it. */
export function formatLogLine(parsed: ParsedLogLine, prefix: string | undefined): string {
    const head = parsed.timestamp !== undefined ? `${parsed.timestamp} ` : '';
    return prefix === undefined ? `${head}${parsed.message}` : `${head}${prefix}    | ${parsed.message}`;
}

// The colours `docker compose logs` cycles through for its service prefixes (cyan, yellow, green, magenta, blue,
// then the bright ones); red is left for errors.
const PREFIX_COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** The prefix in the n-th service's colour (ANSI SGR), for merged stack logs. */
export function colourPrefix(prefix: string, index: number): string {
    return `\x1b[${PREFIX_COLOURS[index % PREFIX_COLOURS.length]}m${prefix}\x1b[0m`;
}

/** Text for a terminal: every line break as CRLF (a pseudoterminal does not translate LF) and the line ended. */
export function terminalLine(text: string): string {
    return `${text.replace(/\r?\n/g, '\r\n')}\r\n`;
}

/**
 * `--since` as the CLI takes it: a duration back from now (`42m`, `1h30m`, `10s`), an RFC 3339 time, or Unix seconds.
 * Returns Unix seconds (fractional) for the API; throws with the reason otherwise.
 */
export function parseSince(since: string, now = Date.now()): number {
    const text = since.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const duration = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
    if (duration && text !== '') {
        const [, h, m, s] = duration;
        const seconds = Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
        return (now - seconds * 1000) / 1000;
    }
    const time = Date.parse(text);
    if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time)) return time / 1000;
    throw new Error(`invalid value for since: ${JSON.stringify(since)} (a duration such as 42m or 1h30m, an RFC 3339 time, or Unix seconds)`);
}

/** `--tail`: a number of lines from the end, or `all`. */
export function parseTail(tail: string | number): number | 'all' {
    if (typeof tail === 'number' && Number.isInteger(tail) && tail >= 0) return tail;
    const text = String(tail).trim();
    if (text === 'all' || text === '') return 'all';
    if (/^\d+$/.test(text)) return Number(text);
    throw new Error(`invalid value for tail: ${JSON.stringify(tail)} (a number of lines or all)`);
}
