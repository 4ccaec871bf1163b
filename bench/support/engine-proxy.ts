/**
 * What the benches put between a tool and the engine: a unix socket that forwards every connection to the engine's
 * socket and records each HTTP request line (method, path, when it passed), so a bench can count the API requests a
 * tool sends, see when it sent them, and replay them raw to learn the engine's own time for the same work.
 */
import * as http from 'http';
import * as net from 'net';

/** The engine's socket, from DOCKER_HOST when that is a unix socket. */
export const ENGINE_SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

export interface RecordedRequest {
    method: string;
    /** With the query string: `/v1.41/tasks?filters=...`. */
    path: string;
    /** Date.now() when the request line passed the proxy. */
    at: number;
}

export interface EngineProxy {
    readonly socketPath: string;
    /** `unix://` URL of the proxy, for DOCKER_HOST or a client's host setting. */
    readonly url: string;
    /** Requests recorded since the last take() or reset(). */
    count(): number;
    /** The requests recorded since the last take() or reset(), which it forgets. */
    take(): RecordedRequest[];
    reset(): void;
    /** Stops listening and ends the connections still open (a tool's event stream). */
    close(): Promise<void>;
}

export async function recordingProxy(socketPath: string, engineSocket = ENGINE_SOCKET): Promise<EngineProxy> {
    let recorded: RecordedRequest[] = [];
    const open = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const upstream = net.connect(engineSocket);
        open.add(client);
        open.add(upstream);
        let buffer = '';
        client.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('latin1');
            const line = /(GET|POST|PUT|DELETE|HEAD) (\/[^ \r\n]*) HTTP\/1\.[01]\r\n/g;
            let end = 0;
            for (let match = line.exec(buffer); match; match = line.exec(buffer)) {
                recorded.push({ method: match[1], path: match[2], at: Date.now() });
                end = line.lastIndex;
            }
            // Keep a tail in case a request line is split across chunks.
            buffer = buffer.slice(Math.max(end, buffer.length - 2048));
        });
        client.pipe(upstream).pipe(client);
        const end = (): void => {
            client.destroy();
            upstream.destroy();
            open.delete(client);
            open.delete(upstream);
        };
        for (const socket of [client, upstream]) {
            socket.on('error', end);
            socket.on('close', end);
        }
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, resolve);
    });
    return {
        socketPath,
        url: `unix://${socketPath}`,
        count: () => recorded.length,
        take: () => {
            const taken = recorded;
            recorded = [];
            return taken;
        },
        reset: () => {
            recorded = [];
        },
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                for (const socket of open) socket.destroy();
            }),
    };
}

/**
 * The engine's own time for `requests` (`GET /v1.41/...` lines or recorded requests): sent raw, one after the other,
 * over one kept-alive connection to the engine's socket. Reads only: the caller leaves out anything that changes state.
 */
export async function replay(requests: ReadonlyArray<string | RecordedRequest>, timeoutMs: number, engineSocket = ENGINE_SOCKET): Promise<number> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, requestPath: string): Promise<void> =>
        new Promise((resolve, reject) => {
            const request = http.request({ socketPath: engineSocket, method, path: requestPath, agent, timeout: timeoutMs }, (response) => {
                response.resume();
                response.on('end', resolve);
                response.on('error', reject);
            });
            request.on('error', reject);
            request.on('timeout', () => request.destroy(new Error(`${method} ${requestPath} timed out`)));
            request.end();
        });
    try {
        const started = process.hrtime.bigint();
        for (const request of requests) {
            const [method, requestPath] = typeof request === 'string' ? request.split(' ') : [request.method, request.path];
            await send(method, requestPath);
        }
        return Number(process.hrtime.bigint() - started) / 1e6;
    } finally {
        agent.destroy();
    }
}
