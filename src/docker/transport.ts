/**
 * How bytes reach the Engine for an endpoint: Node's http over a unix socket or named pipe, plain TCP,
 * TLS with the endpoint's certificates, or the system ssh client (./sshConnection.ts). Connections are
 * kept alive and reused; idle ones never keep the process running.
 *
 * This is the only place that knows the connection options of each kind of endpoint; the client above
 * it speaks HTTP and nothing else.
 *
 * Requests are built with `new http.ClientRequest` rather than `http.request`/`https.request`: VS Code's
 * extension host replaces those two functions to route traffic through its proxy support, which swaps a
 * caller's agent for its own (http.proxySupport "override"). That would drop the ssh connection and the
 * TLS client certificate, and send engine traffic to a web proxy.
 */
import * as http from 'http';

import type { DockerEndpoint } from './endpoint';
import type { SshAgent } from './sshConnection';

interface EngineRequest {
    method: string;
    /** Path with the query string. */
    path: string;
    headers: Record<string, string>;
    /**
     * The exchange may hold its connection for long (an event or log stream, a build, a push, a registry
     * lookup): it gets a connection of its own rather than waiting for, or holding up, the shared one.
     */
    long?: boolean;
}

export interface EngineTransport {
    request(options: EngineRequest): http.ClientRequest;
    /** Ends every kept-alive connection (for ssh: the idle ssh processes). */
    close(): void;
    /** Connections opened so far by this transport's agent (for ssh: ssh processes started). */
    readonly connectionsOpened: number;
}

interface TransportOptions {
    /** Environment of the ssh process (PATH decides which `ssh` runs); `process.env` by default. */
    env?: NodeJS.ProcessEnv;
}

/**
 * Host header for connections that have no host name of their own. docker/cli uses the same dummy
 * host for ssh connections (cli/connhelper/connhelper.go).
 */
const DUMMY_HOST = 'docker.example.com';

/**
 * For connections without TLS. Node's http agent otherwise derives a TLS server name for every request
 * (`calculateServerName` in lib/_http_agent.js) and tests the host with `net.isIP`, whose IPv6 pattern is compiled
 * on its first use, on the command line's start-up path (bench/startup.ts). Plain http and unix sockets never use
 * the name.
 */
const NO_SERVER_NAME = { servername: '' } as const;

export function createTransport(endpoint: DockerEndpoint, options: TransportOptions = {}): EngineTransport {
    switch (endpoint.protocol) {
        case 'unix':
        case 'npipe':
            return agentTransport(counting(new http.Agent({ keepAlive: true })), {
                socketPath: endpoint.socketPath,
                host: 'localhost',
                ...NO_SERVER_NAME,
            });
        case 'ssh': {
            // A new ssh connection costs a login, so short requests share one kept-alive
            // process and queue on it, as the Docker CLI's requests do; long exchanges get their own.
            const target = {
                host: endpoint.host ?? '',
                ...(endpoint.port !== undefined ? { port: endpoint.port } : {}),
                ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
                ...(endpoint.socketPath !== undefined ? { socketPath: endpoint.socketPath } : {}),
            };
            const env = options.env ?? process.env;
            // Required here: the ssh code (and the crypto it pulls in) loads only when an ssh endpoint is used.
            const { SshAgent: Agent } = require('./sshConnection') as { SshAgent: typeof SshAgent };
            const shared = new Agent({ target, env, maxSockets: 1 });
            const own = new Agent({ target, env, maxSockets: Infinity });
            return {
                request: (req) => new http.ClientRequest({ ...withoutLong(req), host: DUMMY_HOST, port: 80, ...NO_SERVER_NAME, agent: req.long ? own : shared }),
                close: () => {
                    shared.destroy();
                    own.destroy();
                },
                get connectionsOpened() {
                    return shared.processesStarted + own.processesStarted;
                },
            };
        }
        case 'tcp':
        case 'http':
        case 'https': {
            const tls = endpoint.tls;
            if (!tls) {
                return agentTransport(counting(new http.Agent({ keepAlive: true })), {
                    host: endpoint.host,
                    port: endpoint.port,
                    ...NO_SERVER_NAME,
                });
            }
            // As the CLI: with DOCKER_TLS_VERIFY the daemon's certificate must chain to ca.pem (when given,
            // it replaces the system roots) and name the host; with DOCKER_TLS alone it is not checked.
            // The client certificate is presented either way (docker/cli cli/flags/options.go, go-connections tlsconfig).
            // Required here: TLS (and its crypto) loads only for a TLS endpoint.
            const https = require('https') as typeof import('https');
            const agent = counting(
                new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify }),
            );
            return agentTransport(agent, { host: endpoint.host, port: endpoint.port, protocol: 'https:' });
        }
    }
}

/** Counts the connections an agent opens, so figures can say how many were needed. */
interface Counting {
    readonly agent: http.Agent;
    opened: number;
}

function counting(agent: http.Agent): Counting {
    const result: Counting = { agent, opened: 0 };
    const withCreate = agent as unknown as { createConnection: (...args: unknown[]) => unknown };
    const create = withCreate.createConnection.bind(agent);
    withCreate.createConnection = (...args: unknown[]) => {
        result.opened++;
        return create(...args);
    };
    return result;
}

function agentTransport(
    counted: Counting,
    target: { socketPath?: string; host?: string; port?: number; protocol?: 'https:'; servername?: '' },
): EngineTransport {
    return {
        request: (req) => new http.ClientRequest({ ...withoutLong(req), ...target, agent: counted.agent }),
        close: () => counted.agent.destroy(),
        get connectionsOpened() {
            return counted.opened;
        },
    };
}

function withoutLong(req: EngineRequest): Omit<EngineRequest, 'long'> {
    const { long: _long, ...rest } = req;
    return rest;
}
