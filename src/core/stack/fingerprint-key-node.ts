/**
 * The real file access of the secret fingerprint key (./secret-fingerprint.ts): `secret-fingerprint.key` in the
 * user's Swarm Stacks folder, shared by the command line and the editor of one user. The folder is
 * `SWARM_STACKS_CONFIG_DIR` when set, else `%APPDATA%\swarm-stacks` on Windows, else
 * `$XDG_CONFIG_HOME/swarm-stacks` or `~/.config/swarm-stacks`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_KEY_FILE_BYTES, lazyFingerprintKey, loadFingerprintKey, type FingerprintKeyIo, type FingerprintKeySource } from './secret-fingerprint';

export const KEY_FILE_NAME = 'secret-fingerprint.key';

/** The user's Swarm Stacks folder of `env`. */
export function swarmStacksConfigDir(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform, homedir: () => string = os.homedir): string {
    if (env.SWARM_STACKS_CONFIG_DIR) return env.SWARM_STACKS_CONFIG_DIR;
    if (platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'swarm-stacks');
    return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'swarm-stacks');
}

export function nodeFingerprintKeyIo(env: Readonly<Record<string, string | undefined>>): FingerprintKeyIo {
    const dir = swarmStacksConfigDir(env);
    const file = path.join(dir, KEY_FILE_NAME);
    const posix = process.platform !== 'win32';
    return {
        location: file,
        read() {
            let stat: fs.Stats;
            try {
                stat = fs.lstatSync(file);
            } catch (error) {
                // No such file, or no such folder (a file where a folder of the path should be): no key yet.
                if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
                throw error;
            }
            // A regular file only: a link could point the key at something another user controls.
            if (!stat.isFile()) throw new Error(`the secret fingerprint key ${file} is not a regular file`);
            if (stat.size > MAX_KEY_FILE_BYTES) throw new Error(`${file} is not a secret fingerprint key (${stat.size} bytes)`);
            return { text: fs.readFileSync(file, 'utf8'), ...(posix ? { mode: stat.mode } : {}) };
        },
        createExclusive(text) {
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            // Written whole under another name, then linked into place: a concurrent run sees the whole key or none.
            const partial = path.join(dir, `.${KEY_FILE_NAME}.${process.pid}.${Date.now()}`);
            fs.writeFileSync(partial, text, { mode: 0o600, flag: 'wx' });
            try {
                fs.linkSync(partial, file);
                return true;
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
                throw error;
            } finally {
                fs.rmSync(partial, { force: true });
            }
        },
        randomBytes: (size) => (require('crypto') as typeof import('crypto')).randomBytes(size),
    };
}

/** The key of this user, read (or created) on first use. */
export function nodeFingerprintKey(env: Readonly<Record<string, string | undefined>>): FingerprintKeySource {
    return lazyFingerprintKey(() => loadFingerprintKey(nodeFingerprintKeyIo(env)));
}
