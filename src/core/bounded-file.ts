/**
 * The one way a compose file and every file it names are read from disk (the node adapter the loader, the lint, the
 * deploy and the editor inject): `.env`, `env_file:`, `configs:`/`secrets:` `file:`, the `haproxy.cfg` beside the
 * first file. A compose file is untrusted input in any workspace, and the editor reads these files as soon as one is
 * opened, so each read is bounded: only a regular file is read (a symlink to /dev/zero, a FIFO or a device is
 * refused without reading or waiting on it), and at most `maxBytes` of it, with a sentence naming the file otherwise.
 */
import * as fs from 'fs';

const MIB = 1024 * 1024;

/** The most read of one file: a compose file and what it names are configuration, far smaller. */
export const MAX_FILE_BYTES = 4 * MIB;

/** A file refused by the bound or for its kind; `code` as Node's errors have one (EISDIR as Node names a directory). */
export class FileRefusedError extends Error {
    readonly code: 'EFBIG' | 'ENOTREG' | 'EISDIR';
    readonly file: string;

    constructor(code: FileRefusedError['code'], file: string, message: string) {
        super(message);
        this.name = 'FileRefusedError';
        this.code = code;
        this.file = file;
    }
}

export function isFileRefused(error: unknown): error is FileRefusedError {
    return error instanceof FileRefusedError;
}

/**
 * The bytes of a regular file of at most `maxBytes`. Opened without blocking (a FIFO would otherwise wait for a
 * writer), then judged by what was opened, so that a symlink swapped meanwhile changes nothing. Errors of the file
 * system (ENOENT, EACCES…) are thrown as Node gives them.
 */
export function readBoundedFile(file: string, maxBytes: number = MAX_FILE_BYTES): Uint8Array {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
        const stat = fs.fstatSync(fd);
        if (stat.isDirectory()) throw new FileRefusedError('EISDIR', file, `read ${file}: is a directory`);
        if (!stat.isFile()) throw new FileRefusedError('ENOTREG', file, `${file} is ${fileKind(stat)}, not a regular file: only regular files are read`);
        if (stat.size > maxBytes) throw tooLarge(file, stat.size, maxBytes);
        // The size fstat gave, and one byte more to tell a file that grew since; a grown file is read on, up to the bound.
        const chunks: Buffer[] = [];
        let total = 0;
        for (let room = Math.min(stat.size, maxBytes) + 1; ; room = Math.min(64 * 1024, maxBytes + 1 - total)) {
            const buffer = Buffer.allocUnsafe(room);
            let length = 0;
            while (length < room) {
                const read = fs.readSync(fd, buffer, length, room - length, null);
                if (read === 0) break;
                length += read;
            }
            chunks.push(buffer.subarray(0, length));
            total += length;
            if (total > maxBytes) throw tooLarge(file, undefined, maxBytes);
            if (length < room) break;
        }
        return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
    } finally {
        fs.closeSync(fd);
    }
}

/**
 * The same bound for a file's text already in memory (an editor's unsaved document), so that the editor and the
 * command line accept the same files.
 */
export function checkFileSize(file: string, bytes: number, maxBytes: number = MAX_FILE_BYTES): void {
    if (bytes > maxBytes) throw tooLarge(file, bytes, maxBytes);
}

function tooLarge(file: string, size: number | undefined, maxBytes: number): FileRefusedError {
    const limit = maxBytes % MIB === 0 ? `${maxBytes / MIB} MiB` : `${maxBytes} bytes`;
    return new FileRefusedError('EFBIG', file, `${file} is larger than ${limit}${size !== undefined ? ` (${size} bytes)` : ''}: files are read up to ${limit}`);
}

function fileKind(stat: fs.Stats): string {
    if (stat.isFIFO()) return 'a named pipe (FIFO)';
    if (stat.isCharacterDevice()) return 'a character device';
    if (stat.isBlockDevice()) return 'a block device';
    if (stat.isSocket()) return 'a socket';
    return 'not a file';
}
