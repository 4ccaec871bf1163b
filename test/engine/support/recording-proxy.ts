/**
 * An HTTP proxy on 127.0.0.1 in front of the engine's unix socket that records each request line (`HEAD /_ping`,
 * `GET /v1.41/info`): what a client, ours or the Docker CLI, sends, over `DOCKER_HOST=tcp://127.0.0.1:PORT`.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface RecordingProxy {
    /** `tcp://127.0.0.1:PORT`, for DOCKER_HOST. */
    readonly host: string;
    /** `METHOD path?query`, in the order they arrived. */
    readonly requests: string[];
    close(): Promise<void>;
}

export async function recordingProxy(socketPath: string): Promise<RecordingProxy> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        const upstream = http.request({ socketPath, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        res.on('close', () => upstream.destroy());
        req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        host: `tcp://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
