import * as fs from 'fs';
import * as os from 'os';
import { DockerClient } from './client';
import { resolveDockerEndpoint } from './endpoint';

interface ConnectOptions {
    /** An explicit endpoint (setting or --host); empty = choose as the Docker CLI does. */
    host?: string;
    env?: Readonly<Record<string, string | undefined>>;
    timeoutMs?: number;
}

/** A client for the endpoint the Docker CLI would use in the same environment. */
export function connectDocker(options: ConnectOptions = {}): DockerClient {
    const endpoint = resolveDockerEndpoint({
        host: options.host,
        env: options.env ?? process.env,
        readFile: (file) => fs.readFileSync(file, 'utf8'),
        homedir: os.homedir,
    });
    // The same environment reaches ssh: its PATH chooses the `ssh` that runs, SSH_AUTH_SOCK the agent.
    const env = options.env ?? process.env;
    return new DockerClient(endpoint, { timeoutMs: options.timeoutMs, env: { ...env } });
}
