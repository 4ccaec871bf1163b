/**
 * Fingerprints of secret content, for config and secret rotation (rotation.ts). A rotated secret needs a mark that
 * tells a later deploy whether its content changed, because the engine never gives a secret's data back. An unkeyed
 * hash would be that mark for anyone who may list secrets too: a short or guessable secret (a PIN, a word) is found
 * by hashing guesses. So the mark is an HMAC-SHA256 under a key that stays on this machine, in the user's Swarm
 * Stacks folder (./fingerprint-key-node.ts), created on first use and never sent anywhere: without the key, the
 * label and the name suffix say nothing about the content.
 *
 * A machine without the same key (a teammate's, CI, this one after the key file was removed) cannot tell whether a
 * secret deployed from elsewhere changed. It then deploys the secret again as a new version, as a changed one: the
 * services get the content of the file they were deployed from, at the cost of one rolling restart, and the old
 * version is removed once nothing uses it. Copying the key file to those machines lets them recognise each other's
 * secrets. Configs are not secret (the engine shows their data): they keep plain content hashes.
 *
 * The I/O (reading and creating the key file) is injected: ./fingerprint-key-node.ts has the real one.
 */

/** The label of a rotated secret: `hmac-sha256:<key id>:<fingerprint>`. */
export const SECRET_FINGERPRINT_LABEL = 'com.swarm-stacks.secret-fingerprint';

const LABEL_SCHEME = 'hmac-sha256';
const KEY_BYTES = 32;
/** A key file is one line of hex; anything much larger is not a key file. */
export const MAX_KEY_FILE_BYTES = 4096;

export interface FingerprintKey {
    /** Names the key without revealing it, so that a fingerprint made with another key is told apart from a change. */
    id: string;
    bytes: Uint8Array;
}

/** The key, read or created only when a secret has to be fingerprinted. */
export type FingerprintKeySource = () => FingerprintKey;

function crypto(): typeof import('crypto') {
    // Required here: lint reads rotation's names, and loading crypto costs it time for nothing.
    return require('crypto') as typeof import('crypto');
}

/** The key of `bytes`; its id is an HMAC of a fixed text, from which the key cannot be found. */
export function fingerprintKey(bytes: Uint8Array): FingerprintKey {
    const id = crypto().createHmac('sha256', bytes).update('swarm-stacks secret fingerprint key id').digest('hex').slice(0, 16);
    return { id, bytes };
}

/** The keyed fingerprint (64 hex) of a secret's content (`Data` is base64) and its template driver. */
export function secretFingerprint(key: FingerprintKey, dataBase64: string | undefined, templating?: string): string {
    const hmac = crypto().createHmac('sha256', key.bytes).update(Buffer.from(dataBase64 ?? '', 'base64'));
    // Templated content renders differently: the driver is part of what the secret is.
    if (templating) hmac.update(`\0template:${templating}`);
    return hmac.digest('hex');
}

/** The label value for a fingerprint made with `key`. */
export function fingerprintLabel(key: FingerprintKey, fingerprint: string): string {
    return `${LABEL_SCHEME}:${key.id}:${fingerprint}`;
}

/**
 * What a deployed secret's labels say about `fingerprint`: `same` or `changed` when it carries a fingerprint made
 * with this key, `unknown` when it carries none or one made with another key (or an older, unkeyed label).
 */
export function compareFingerprint(key: FingerprintKey, labels: Record<string, string> | undefined, fingerprint: string): 'same' | 'changed' | 'unknown' {
    const value = labels?.[SECRET_FINGERPRINT_LABEL];
    const match = value === undefined ? null : /^([a-z0-9-]+):([0-9a-f]{16}):([0-9a-f]{64})$/.exec(value);
    if (!match || match[1] !== LABEL_SCHEME || match[2] !== key.id) return 'unknown';
    return match[3] === fingerprint ? 'same' : 'changed';
}

/** The key file's access, injected. */
export interface FingerprintKeyIo {
    /** Where the key lives, for messages. */
    location: string;
    /** The file's text and POSIX mode, or undefined when there is no key file. Throws when it is no regular file. */
    read(): { text: string; mode?: number } | undefined;
    /** Writes the text as the key file readable by its owner only, unless one exists; false when one existed. */
    createExclusive(text: string): boolean;
    randomBytes(size: number): Uint8Array;
}

/** Reads the key, creating it on first use; a file that is not a key, or that others may read, is refused with a sentence. */
export function loadFingerprintKey(io: FingerprintKeyIo): FingerprintKey {
    let read = readKeyFile(io);
    if (!read) {
        const text = `${Buffer.from(io.randomBytes(KEY_BYTES)).toString('hex')}\n`;
        let created: boolean;
        try {
            created = io.createExclusive(text);
        } catch (error) {
            const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
            throw new Error(`the secret fingerprint key ${io.location} could not be created (${reason}): set SWARM_STACKS_CONFIG_DIR to a folder this user may write`);
        }
        // Another run may have created it meanwhile: then that one is the key.
        if (created) return fingerprintKey(Buffer.from(text.trim(), 'hex'));
        read = readKeyFile(io);
        if (!read) throw new Error(`the secret fingerprint key ${io.location} could not be created`);
    }
    // As ssh with a private key: a key others may read is no longer this user's alone.
    if (read.mode !== undefined && (read.mode & 0o077) !== 0) {
        throw new Error(
            `the secret fingerprint key ${io.location} may be read or changed by other users (mode ${(read.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${io.location}`,
        );
    }
    const hex = read.text.trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
        throw new Error(`${io.location} is not a secret fingerprint key (64 hex digits): remove it to have a new key made, or copy the key file of another machine there`);
    }
    return fingerprintKey(Buffer.from(hex, 'hex'));
}

/** io.read, its system errors (a folder this user may not read) in one sentence naming the file. */
function readKeyFile(io: FingerprintKeyIo): ReturnType<FingerprintKeyIo['read']> {
    try {
        return io.read();
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === undefined) throw error;
        throw new Error(`the secret fingerprint key ${io.location} could not be read (${code})`);
    }
}

/** A source that loads the key once, on first use. */
export function lazyFingerprintKey(load: () => FingerprintKey): FingerprintKeySource {
    let key: FingerprintKey | undefined;
    return () => (key ??= load());
}
