/**
 * Streamed Engine answers split into lines: newline-delimited JSON (events, build and push progress) and log
 * streams (multiplexed or not). Every byte is looked at once: a line is searched for its end only in the chunk that
 * just arrived, and its pieces are joined once, when it ends. A line without an end is bounded: a log line keeps its
 * head and its tail around a mark saying how much was cut (a progress bar drawn over with `\r` ends on its last
 * drawing), and a JSON message past its bound ends the stream with an error naming the request.
 */
import type { IncomingMessage } from 'http';

import { DockerError } from './errors';

/** A response stream as the client opened it (see DockerClient.openStream). */
export interface OpenStream {
    res: IncomingMessage;
    close: () => void;
    mapError: (error: unknown) => Error;
    /** True once the stream was closed on purpose (abort, consumer stopped). */
    isStopped: () => boolean;
    origin: StreamOrigin;
}

/** Who is asked: `Docker at <endpoint>`, and the request as `GET /events`, for messages. */
export interface StreamOrigin {
    endpoint: string;
    operation: string;
    /** `GET /events` */
    request: string;
}

const MIB = 1024 * 1024;

/**
 * The longest JSON message of a progress or event stream. The engine's own messages are small (a build step's output
 * comes in pieces, a push reports per layer); anything longer is not the engine's doing.
 */
export const MAX_JSON_MESSAGE_BYTES = 16 * MIB;

/** The most of one log line kept: its first and last half, so that its prefix and its last drawing both show. */
export const MAX_LOG_LINE_BYTES = 1 * MIB;

const LF = 0x0a;

/**
 * Splits bytes into lines at `\n`. A line longer than `maxBytes` is `cut`: its first and last `maxBytes / 2` bytes
 * are kept (the bytes between are counted, not kept); what the caller does with a cut line is its choice.
 */
export class LineSplitter {
    private head: Buffer[] = [];
    private headBytes = 0;
    /** The newest bytes of a line past its head (from `tailStart` on), at most `half` of them once trimmed. */
    private tail: Buffer[] = [];
    private tailStart = 0;
    private tailBytes = 0;
    private dropped = 0;
    private readonly half: number;

    constructor(readonly maxBytes: number) {
        this.half = Math.max(1, Math.floor(maxBytes / 2));
    }

    /** Bytes of the unfinished line seen so far (kept or not). */
    get pendingBytes(): number {
        return this.headBytes + this.tailBytes + this.dropped;
    }

    /** The lines this chunk ends, in order. */
    push(chunk: Buffer): SplitLine[] {
        const lines: SplitLine[] = [];
        let start = 0;
        for (;;) {
            const end = chunk.indexOf(LF, start);
            if (end < 0) break;
            this.keep(chunk.subarray(start, end));
            lines.push(this.take());
            start = end + 1;
        }
        if (start < chunk.length) this.keep(chunk.subarray(start));
        return lines;
    }

    /** The last line, when the stream ended without a newline after it. */
    end(): SplitLine | undefined {
        return this.pendingBytes > 0 ? this.take() : undefined;
    }

    private keep(piece: Buffer): void {
        if (piece.length === 0) return;
        if (this.dropped === 0 && this.headBytes + piece.length <= this.maxBytes) {
            this.head.push(piece);
            this.headBytes += piece.length;
            return;
        }
        // Past the bound: the head stops at its half, the rest goes through the tail, which keeps only its newest half.
        if (this.headBytes > this.half) {
            const joined = Buffer.concat(this.head, this.headBytes);
            this.head = [joined.subarray(0, this.half)];
            this.tail.push(joined.subarray(this.half));
            this.tailBytes += this.headBytes - this.half;
            this.headBytes = this.half;
        } else if (this.headBytes < this.half) {
            const room = this.half - this.headBytes;
            this.head.push(piece.subarray(0, room));
            this.headBytes += Math.min(room, piece.length);
            piece = piece.subarray(room);
        }
        if (piece.length > 0) {
            this.tail.push(piece);
            this.tailBytes += piece.length;
        }
        this.trimTail();
    }

    private trimTail(): void {
        while (this.tailBytes > this.half) {
            const first = this.tail[this.tailStart];
            const over = this.tailBytes - this.half;
            if (first.length <= over) {
                this.tailStart++;
                this.tailBytes -= first.length;
                this.dropped += first.length;
            } else {
                this.tail[this.tailStart] = first.subarray(over);
                this.tailBytes -= over;
                this.dropped += over;
            }
        }
        // Pieces already dropped are let go in batches, so that a line of many small pieces stays linear.
        if (this.tailStart > 1024 && this.tailStart * 2 > this.tail.length) {
            this.tail = this.tail.slice(this.tailStart);
            this.tailStart = 0;
        }
    }

    private take(): SplitLine {
        const line: SplitLine =
            this.dropped > 0
                ? {
                      head: Buffer.concat(this.head, this.headBytes),
                      tail: Buffer.concat(this.tail.slice(this.tailStart), this.tailBytes),
                      cutBytes: this.dropped,
                  }
                : { head: this.head.length === 1 ? this.head[0] : Buffer.concat(this.head, this.headBytes) };
        this.head = [];
        this.headBytes = 0;
        this.tail = [];
        this.tailStart = 0;
        this.tailBytes = 0;
        this.dropped = 0;
        return line;
    }
}

/** One line: whole in `head`, or, when it was longer than the bound, its head and tail and how many bytes between were cut. */
export interface SplitLine {
    head: Buffer;
    tail?: Buffer;
    cutBytes?: number;
}

/** A log line as text: a cut line says where and how much was cut. A `\r` before the newline is dropped, as the terminal would. */
export function logLineText(line: SplitLine): string {
    const head = utf8(line.head, 'head');
    if (line.cutBytes === undefined) return head.endsWith('\r') ? head.slice(0, -1) : head;
    const tail = utf8(line.tail ?? Buffer.alloc(0), 'tail');
    const text = `${head} … [${line.cutBytes} bytes of this line not shown: lines are shown up to ${formatBytes(MAX_LOG_LINE_BYTES)}] … ${tail}`;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Text of bytes cut at an arbitrary place: a character split by the cut is left out rather than shown broken. */
function utf8(bytes: Buffer, side: 'head' | 'tail'): string {
    let start = 0;
    let end = bytes.length;
    if (side === 'tail') {
        while (start < end && start < 3 && (bytes[start] & 0xc0) === 0x80) start++;
    } else if (end > 0) {
        // Back to the start of the last character; keep it only if all its bytes are here.
        let lead = end - 1;
        while (lead > 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
        const needed = bytes[lead] >= 0xf0 ? 4 : bytes[lead] >= 0xe0 ? 3 : bytes[lead] >= 0xc0 ? 2 : 1;
        if (end - lead < needed) end = lead;
    }
    return bytes.toString('utf8', start, end);
}

export function formatBytes(bytes: number): string {
    if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
    if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
    return `${bytes} bytes`;
}

/** The stream broke off in the middle (restart, crash, network cut). */
export function connectionLost(): Error {
    return Object.assign(new Error('The connection to Docker was closed in the middle of an answer.'), { code: 'ECONNRESET' });
}

/**
 * Newline-delimited JSON messages, each checked by `check` (a description of what is wrong, or undefined); ends cleanly
 * on abort or when the consumer stops. A message longer than MAX_JSON_MESSAGE_BYTES ends the stream with an error.
 */
export async function* jsonLines<T>(
    stream: OpenStream,
    check: (value: unknown) => string | undefined,
    maxMessageBytes = MAX_JSON_MESSAGE_BYTES,
): AsyncIterableIterator<T> {
    const origin = stream.origin;
    const splitter = new LineSplitter(maxMessageBytes);
    const parse = (line: SplitLine): T | undefined => {
        if (line.cutBytes !== undefined) throw tooLongMessage(origin, maxMessageBytes);
        const text = line.head.toString('utf8').trim();
        return text ? parseMessage<T>(text, origin, check) : undefined;
    };
    try {
        try {
            for await (const chunk of stream.res) {
                for (const line of splitter.push(chunk as Buffer)) {
                    const message = parse(line);
                    if (message !== undefined) yield message;
                }
                if (splitter.pendingBytes > maxMessageBytes) throw tooLongMessage(origin, maxMessageBytes);
            }
        } catch (error) {
            if (error instanceof DockerError) throw error;
            if (stream.isStopped()) return;
            throw stream.mapError(error);
        }
        if (stream.isStopped()) return;
        if (!stream.res.complete) throw stream.mapError(connectionLost());
        const last = splitter.end();
        const message = last ? parse(last) : undefined;
        if (message !== undefined) yield message;
    } finally {
        stream.close();
    }
}

function parseMessage<T>(text: string, origin: StreamOrigin, check: (value: unknown) => string | undefined): T {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        throw new DockerError('daemon', `Docker at ${origin.endpoint} sent a message that is not JSON in answer to ${origin.request}: ${text.slice(0, 200)}`, {
            endpoint: origin.endpoint,
            operation: origin.operation,
            cause: error,
        });
    }
    const wrong = check(value);
    if (wrong !== undefined) {
        throw new DockerError('daemon', `Docker at ${origin.endpoint} sent ${wrong} in answer to ${origin.request}. Is ${origin.endpoint} a Docker engine (and not a proxy or another server)?`, {
            endpoint: origin.endpoint,
            operation: origin.operation,
        });
    }
    return value as T;
}

function tooLongMessage(origin: StreamOrigin, maxBytes: number): DockerError {
    return new DockerError(
        'daemon',
        `Docker at ${origin.endpoint} sent a message longer than ${formatBytes(maxBytes)} in answer to ${origin.request}; the stream was ended there.`,
        { endpoint: origin.endpoint, operation: origin.operation },
    );
}

/**
 * Lines of a log stream. Service and task logs are multiplexed (8-byte headers: stream type 0/1/2, three zero bytes,
 * big-endian length; moby `pkg/stdcopy/stdcopy.go`) unless the service has a TTY; the first header tells. A frame's
 * payload goes to its stream's lines as it arrives, so a long frame is never gathered whole.
 */
export async function* logLines(stream: OpenStream, maxLineBytes = MAX_LOG_LINE_BYTES): AsyncIterableIterator<string> {
    const splitters = [new LineSplitter(maxLineBytes), new LineSplitter(maxLineBytes), new LineSplitter(maxLineBytes)];
    /** The first bytes, until there are enough to tell whether the stream is multiplexed. */
    let start: Buffer | undefined = Buffer.alloc(0);
    let multiplexed = false;
    const header = Buffer.alloc(8);
    let headerBytes = 0;
    /** Payload bytes of the current frame still to come, and the stream they belong to. */
    let frameLeft = 0;
    let frameStream = 1;

    function* take(chunk: Buffer): Generator<string> {
        if (!multiplexed) {
            for (const line of splitters[1].push(chunk)) yield logLineText(line);
            return;
        }
        let at = 0;
        while (at < chunk.length) {
            if (frameLeft === 0) {
                const n = Math.min(8 - headerBytes, chunk.length - at);
                chunk.copy(header, headerBytes, at, at + n);
                headerBytes += n;
                at += n;
                if (headerBytes < 8) return;
                headerBytes = 0;
                frameStream = header[0] === 2 ? 2 : 1;
                frameLeft = header.readUInt32BE(4);
                continue;
            }
            const n = Math.min(frameLeft, chunk.length - at);
            for (const line of splitters[frameStream].push(chunk.subarray(at, at + n))) yield logLineText(line);
            frameLeft -= n;
            at += n;
        }
    }

    try {
        try {
            for await (const raw of stream.res) {
                let chunk = raw as Buffer;
                if (start !== undefined) {
                    start = Buffer.concat([start, chunk]);
                    if (start.length < 8) continue;
                    multiplexed = start[0] <= 2 && start[1] === 0 && start[2] === 0 && start[3] === 0;
                    chunk = start;
                    start = undefined;
                }
                yield* take(chunk);
            }
        } catch (error) {
            if (stream.isStopped()) return;
            throw stream.mapError(error);
        }
        if (stream.isStopped()) return;
        if (!stream.res.complete) throw stream.mapError(connectionLost());
        if (start !== undefined && start.length > 0) yield* take(start);
        for (const splitter of splitters) {
            const last = splitter.end();
            if (last) yield logLineText(last);
        }
    } finally {
        stream.close();
    }
}
