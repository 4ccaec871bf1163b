/** Small network helpers shared by the engine and VS Code tests (traffic to 127.0.0.1 only). */
import * as http from 'http';
import * as net from 'net';

/**
 * A TCP port nothing listens on now. `host` is where to try it: 0.0.0.0 for a port a swarm service will publish on
 * every interface, 127.0.0.1 otherwise.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, host, () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** One GET: the value of one response header when the status is 200 (empty when absent), else undefined. */
export function headerOf(url: string, header: string): Promise<string | undefined> {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200 ? String(res.headers[header] ?? '') : undefined));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(undefined));
    });
}
