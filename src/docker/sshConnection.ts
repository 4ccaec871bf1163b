/**
 * ssh endpoints, reached exactly as the Docker CLI reaches them: the system OpenSSH client runs
 * `docker system dial-stdio` on the remote host and the Engine API is spoken over its stdin/stdout
 * (docker/cli cli/connhelper/connhelper.go, cli/connhelper/commandconn/commandconn.go). Because it is
 * the user's own `ssh`, everything ssh honours applies: ~/.ssh/config (Host aliases, IdentityFile,
 * ProxyJump), known_hosts checking, agents. Nothing here parses keys or verifies hosts itself.
 *
 * One ssh process is one connection. `SshAgent` is an http.Agent whose sockets are ssh processes; with
 * keep-alive a process serves request after request, and a long stream (events, logs, build) holds its
 * own. Idle processes do not keep Node alive and exit when stdin closes.
 */
import type { ChildProcessWithoutNullStreams } from 'child_process';
import * as http from 'http';
import { Duplex } from 'stream';
import { SshProcessError, lastLines } from './sshErrors';
import { quoteRemoteCommand, sshHostProblem, sshUserProblem } from './sshUrl';

export { SshProcessError, lastLines };

/** The parts of an `ssh://[user@]host[:port][/socket/path]` URL that ssh needs. */
interface SshTarget {
    host: string;
    /** Only when the URL names one; otherwise ssh's own default (and ~/.ssh/config) applies. */
    port?: number;
    username?: string;
    /** Remote engine socket: `ssh://host/run/docker.sock` runs `docker --host=unix:///run/docker.sock …`. */
    socketPath?: string;
}

/**
 * The argument list after `ssh`, as docker/cli builds it (cli/connhelper/ssh/ssh.go `Spec.Command`,
 * cli/connhelper/connhelper.go): `-l user`, `-p port`, its flags (`-o ConnectTimeout=30` unless the caller set a
 * ConnectTimeout, and `-T`), `--`, the host, and the remote command as one string whose words are quoted for the
 * remote shell, so a socket path reaches `docker --host` whole and nothing in it runs there.
 * @throws Error when the user or host is not a plain name (parseHost refuses such URLs first)
 */
export function sshArguments(target: SshTarget, extraFlags: readonly string[] = []): string[] {
    const problem = (target.username !== undefined ? sshUserProblem(target.username) : undefined) ?? sshHostProblem(target.host);
    if (problem !== undefined) throw new Error(`ssh cannot be started for this endpoint: ${problem}.`);
    const flags = [...extraFlags];
    if (!flags.join(' ').includes('ConnectTimeout')) {
        flags.push('-o', 'ConnectTimeout=30');
    }
    if (!flags.includes('-T')) {
        // No pseudo-terminal, so ssh does not run a login shell (connhelper.go disablePseudoTerminalAllocation).
        flags.push('-T');
    }
    const args: string[] = [];
    if (target.username) args.push('-l', target.username);
    if (target.port !== undefined) args.push('-p', String(target.port));
    args.push(...flags, '--', target.host);
    const remote =
        target.socketPath && target.socketPath.replace(/\//g, '') !== ''
            ? ['docker', `--host=unix://${target.socketPath}`, 'system', 'dial-stdio']
            : ['docker', 'system', 'dial-stdio'];
    args.push(quoteRemoteCommand(remote));
    return args;
}

const STDERR_LIMIT = 4096;
/** How long to wait for ssh's exit status after its stdout ended, to tell a clean end from a failure. */
const EXIT_GRACE_MS = 2000;

/**
 * One ssh process as a socket for Node's http client: writes go to ssh's stdin, reads come from its
 * stdout. When ssh ends with a failure, the socket fails with an `SshProcessError` carrying stderr, so
 * "Host key verification failed." or "Connection refused" reaches the user as ssh wrote it.
 */
class SshProcessSocket extends Duplex {
    private readonly child: ChildProcessWithoutNullStreams;
    private stderrText = '';
    private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    private stdoutEnded = false;
    private spawnError: NodeJS.ErrnoException | undefined;
    private finished = false;
    private exitTimer: NodeJS.Timeout | undefined;
    /** http.Agent bookkeeping reads these like on a net.Socket. */
    readonly remoteAddress: string | undefined = undefined;
    readonly remotePort: number | undefined = undefined;
    timeout = 0;

    constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
        super({ allowHalfOpen: false });
        // detached: a session of its own and no controlling terminal, as docker/cli's commandconn does
        // (createSession): ssh can never stop to ask a question on a terminal the user does not see.
        // Required here: bundled into the same file as the other engine code, this module's imports would load
        // child_process for every endpoint; it is needed only once an ssh process starts.
        const { spawn } = require('child_process') as typeof import('child_process');
        this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env, detached: true, windowsHide: true });
        this.child.stdout.on('data', (chunk: Buffer) => {
            if (!this.push(chunk)) this.child.stdout.pause();
        });
        this.child.stdout.on('end', () => {
            this.stdoutEnded = true;
            this.finishIfDone();
        });
        this.child.stderr.on('data', (chunk: Buffer) => {
            this.stderrText += chunk.toString('utf8');
            if (this.stderrText.length > STDERR_LIMIT) this.stderrText = this.stderrText.slice(-STDERR_LIMIT);
        });
        this.child.stdin.on('error', () => {
            // EPIPE when ssh has exited: the exit handler reports why.
        });
        this.child.on('error', (error: NodeJS.ErrnoException) => {
            this.spawnError = error;
            this.fail();
        });
        this.child.on('exit', (code, signal) => {
            this.exited = { code, signal };
            this.finishIfDone();
        });
    }

    get pid(): number | undefined {
        return this.child.pid;
    }

    get stderr(): string {
        return this.stderrText;
    }

    override _read(): void {
        this.child.stdout.resume();
    }

    override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
        if (this.exited || this.spawnError) {
            callback(this.failure());
            return;
        }
        this.child.stdin.write(chunk, encoding, () => callback());
    }

    override _final(callback: (error?: Error | null) => void): void {
        this.child.stdin.end(callback);
    }

    override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
        this.child.stdin.destroy();
        this.child.stdout.destroy();
        if (this.exited === undefined && this.child.exitCode === null) {
            // Closing stdin ends a healthy dial-stdio; a hung ssh gets a signal.
            this.child.kill('SIGTERM');
        }
        callback(error);
    }

    // The net.Socket methods Node's http client and Agent call. A pipe has nothing to tune.
    setKeepAlive(): this {
        return this;
    }
    setNoDelay(): this {
        return this;
    }
    setTimeout(ms: number, listener?: () => void): this {
        this.timeout = ms;
        if (listener) this.once('timeout', listener);
        return this;
    }
    ref(): this {
        this.child.ref();
        refStream(this.child.stdout, true);
        refStream(this.child.stdin, true);
        refStream(this.child.stderr, true);
        return this;
    }
    unref(): this {
        this.child.unref();
        refStream(this.child.stdout, false);
        refStream(this.child.stdin, false);
        refStream(this.child.stderr, false);
        return this;
    }

    private finishIfDone(): void {
        if (!this.stdoutEnded || this.finished) return;
        if (this.exited === undefined) {
            // stdout ended; only the exit status tells a clean end from a failure. Wait for it, bounded.
            if (!this.exitTimer) {
                this.exitTimer = setTimeout(() => {
                    this.exitTimer = undefined;
                    if (this.finished) return;
                    this.finished = true;
                    this.fail();
                }, EXIT_GRACE_MS);
                this.exitTimer.unref();
            }
            return;
        }
        if (this.exitTimer) clearTimeout(this.exitTimer);
        this.finished = true;
        if (this.exited.code === 0) {
            this.push(null);
        } else {
            this.fail();
        }
    }

    private fail(): void {
        if (!this.destroyed) this.destroy(this.failure());
    }

    private failure(): SshProcessError {
        const stderr = this.stderrText.trim();
        if (this.spawnError) {
            return new SshProcessError(`cannot run ssh: ${this.spawnError.message}`, {
                exitCode: null,
                signal: null,
                stderr,
                spawnCode: this.spawnError.code,
            });
        }
        const code = this.exited?.code ?? this.child.exitCode;
        const signal = this.exited?.signal ?? this.child.signalCode;
        const how = code !== null ? `exited with status ${code}` : `was stopped by ${signal ?? 'a signal'}`;
        return new SshProcessError(`ssh ${how}${stderr ? `: ${lastLines(stderr)}` : ''}`, { exitCode: code, signal, stderr });
    }
}

function refStream(stream: NodeJS.ReadableStream | NodeJS.WritableStream, ref: boolean): void {
    const handle = stream as unknown as { ref?: () => void; unref?: () => void };
    if (ref) handle.ref?.();
    else handle.unref?.();
}


interface SshAgentOptions {
    target: SshTarget;
    /** Extra ssh flags (before the target), e.g. from a setting. */
    flags?: readonly string[];
    /** The program to run; `ssh` from the PATH by default, as the Docker CLI does. */
    command?: string;
    env?: NodeJS.ProcessEnv;
    /** How many ssh processes may be open at once (each carries one request or one stream at a time); 1 by default. */
    maxSockets?: number;
}

/**
 * An http.Agent whose connections are ssh processes. Keep-alive reuses an idle process for the next
 * request; the Agent unrefs idle sockets (`SshProcessSocket.unref` unrefs the process and its pipes), so
 * they never hold the CLI open, and `destroy()` ends them all.
 */
export class SshAgent extends http.Agent {
    private readonly command: string;
    private readonly args: string[];
    private readonly env: NodeJS.ProcessEnv;
    /** ssh processes started so far (for benchmarks and tests). */
    processesStarted = 0;

    constructor(options: SshAgentOptions) {
        super({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: options.maxSockets ?? 1, maxFreeSockets: 1 });
        this.command = options.command ?? 'ssh';
        this.args = sshArguments(options.target, options.flags);
        this.env = options.env ?? process.env;
    }

    get commandLine(): string[] {
        return [this.command, ...this.args];
    }

    override createConnection(): Duplex {
        this.processesStarted++;
        return new SshProcessSocket(this.command, this.args, this.env);
    }
}
