// The ssh transport's failure, apart from the transport itself (./sshConnection), so that classifying an error
// (./errors) does not load the ssh code for an endpoint that is not ssh.

/** Why an ssh process ended before the Engine answered, with ssh's own words. */
export class SshProcessError extends Error {
    readonly code = 'ESSHPROCESS';
    /** ssh's exit status (255 = ssh itself failed; anything else comes from the remote command). */
    readonly exitCode: number | null;
    readonly signal: NodeJS.Signals | null;
    /** The last lines ssh (or the remote command) wrote to stderr. */
    readonly stderr: string;
    /** Set when `ssh` itself could not be started (ENOENT: not installed / not on the PATH). */
    readonly spawnCode?: string;

    constructor(message: string, details: { exitCode: number | null; signal: NodeJS.Signals | null; stderr: string; spawnCode?: string }) {
        super(message);
        this.name = 'SshProcessError';
        this.exitCode = details.exitCode;
        this.signal = details.signal;
        this.stderr = details.stderr;
        if (details.spawnCode !== undefined) this.spawnCode = details.spawnCode;
    }
}

/** ssh's stderr, without the noise lines of a successful login (banners, warnings about known_hosts additions). */
export function lastLines(stderr: string, max = 3): string {
    const lines = stderr
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^Warning: Permanently added /.test(l));
    return lines.slice(-max).join(' ');
}
