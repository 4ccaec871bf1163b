/**
 * The real file system and process access of the credentials lookup (./credentials.ts): config.json under
 * `DOCKER_CONFIG` or `~/.docker`, and `docker-credential-<name>` run from the PATH with a bounded wait
 * (docker-credential-helpers `client/command.go` runs it with exec.Command, server address on stdin).
 */
import * as fs from 'fs';
import * as os from 'os';
import { dockerConfigDir } from '../../node/docker-config';
import { allCredentials, encodeRegistryConfigHeader, hasStoredCredentials, registryAuthSource, type CredentialsIo, type HelperRun, type RegistryAuthSource } from './credentials';

export function nodeCredentialsIo(env: Readonly<Record<string, string | undefined>> = process.env): CredentialsIo {
    const io: CredentialsIo = {
        configDir: dockerConfigDir({ env, homedir: os.homedir }),
        readFile(file) {
            try {
                return fs.readFileSync(file, 'utf8');
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
                throw error;
            }
        },
        runHelper: (program, args, input, timeoutMs) => runHelper(program, args, input, timeoutMs, env),
    };
    if (env.DOCKER_AUTH_CONFIG) io.envAuthConfig = env.DOCKER_AUTH_CONFIG;
    return io;
}

/** The credentials of the environment's Docker CLI configuration. */
export function nodeRegistryAuthSource(env: Readonly<Record<string, string | undefined>> = process.env): RegistryAuthSource {
    return registryAuthSource(nodeCredentialsIo(env));
}

/** Whether the environment's Docker CLI configuration names credentials for `registry` (no helper runs). */
export function nodeHasStoredCredentials(registry: string, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
    return hasStoredCredentials(registry, nodeCredentialsIo(env));
}

/** The `X-Registry-Config` of a build from the environment's Docker CLI configuration, and what could not be read. */
export async function nodeBuildRegistryConfig(env: Readonly<Record<string, string | undefined>> = process.env): Promise<{ header: string; problems: string[] }> {
    const { auths, problems } = await allCredentials(nodeCredentialsIo(env));
    return { header: encodeRegistryConfigHeader(auths), problems };
}

function runHelper(program: string, args: string[], input: string, timeoutMs: number, env: Readonly<Record<string, string | undefined>>): Promise<HelperRun> {
    return new Promise<HelperRun>((resolve) => {
        let settled = false;
        const finish = (run: HelperRun): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(run);
        };
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        // Required here: only a credential helper needs child_process; the CLI bundles this module with its engine code.
        const { spawn } = require('child_process') as typeof import('child_process');
        const child = spawn(program, args, { env: { ...env }, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            finish({ stdout: Buffer.concat(stdout).toString('utf8'), failure: 'timeout' });
        }, timeoutMs);
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', (error: NodeJS.ErrnoException) => {
            finish({ stdout: '', failure: error.code === 'ENOENT' ? 'notFound' : 'other', detail: error.message });
        });
        child.on('close', (code) => {
            const run: HelperRun = { stdout: Buffer.concat(stdout).toString('utf8') };
            if (code === null) {
                run.failure = 'other';
                run.detail = 'stopped by a signal';
            } else {
                run.exitCode = code;
            }
            const errText = Buffer.concat(stderr).toString('utf8').trim();
            if (errText && run.detail === undefined) run.detail = errText;
            finish(run);
        });
        // A helper that exits without reading stdin gives EPIPE here: its exit code tells what happened.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
    });
}
