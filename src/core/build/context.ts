/**
 * The build context of `docker build DIR`: the files of a folder, filtered by its `.dockerignore` with Docker's
 * semantics (@balena/dockerignore, a port of moby's matcher), packed as a tar stream (tar-fs). As the Docker CLI
 * does: the Dockerfile and `.dockerignore` are always sent, a directory is skipped whole when it is excluded and no
 * `!` exception could re-include something below it, and a Dockerfile outside the folder is added under a hidden
 * name. Node `fs` only: no vscode, no Docker client.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from '@balena/dockerignore';
import * as tarFs from 'tar-fs';
import type { Pack } from 'tar-stream';

interface ContextOptions {
    /** The Dockerfile: relative to the context folder or absolute (default `Dockerfile` in the folder). */
    dockerfile?: string;
    /** Upper bound of entries walked (files and folders), default 200000: a context bigger than that is a mistake. */
    maxEntries?: number;
}

export interface BuildContext {
    /** Absolute path of the context folder. */
    dir: string;
    /** Entries sent, relative POSIX paths in walk order (folders before their contents). */
    entries: string[];
    /** How many of `entries` are regular files, and their total size in bytes. */
    fileCount: number;
    bytes: number;
    /** The `dockerfile` parameter of `POST /build`: the Dockerfile's path inside the tar. */
    dockerfile: string;
    /** The `.dockerignore` rules read (empty without the file). */
    patterns: string[];
    /** Entries left out by the rules (folders skipped whole count once). */
    excluded: number;
}

export class BuildContextError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'BuildContextError';
    }
}

const DEFAULT_MAX_ENTRIES = 200_000;

/** A `.dockerignore` as moby's ReadAll reads it: trimmed lines, `#` comments and blanks dropped, paths cleaned. */
export function parseDockerignore(text: string): string[] {
    const patterns: string[] = [];
    for (const raw of text.split(/\r?\n/)) {
        let line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        let negate = false;
        if (line.startsWith('!')) {
            negate = true;
            line = line.slice(1).trim();
            if (line === '') continue;
        }
        let cleaned = path.posix.normalize(line.replace(/\\/g, '/'));
        cleaned = cleaned.replace(/^\/+/, '').replace(/\/+$/, '');
        if (cleaned === '' || cleaned === '.') cleaned = '.';
        patterns.push(negate ? `!${cleaned}` : cleaned);
    }
    return patterns;
}

function toPosix(rel: string): string {
    return rel.split(path.sep).join('/');
}

/** The Dockerfile's absolute path and, when it lies inside the folder, its POSIX path relative to it. */
function locateDockerfile(dir: string, dockerfile: string | undefined): { abs: string; rel?: string } {
    const abs = path.resolve(dir, dockerfile ?? 'Dockerfile');
    const rel = path.relative(dir, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { abs };
    return { abs, rel: toPosix(rel) };
}

/**
 * Lists the entries of the context: what `docker build` would send. Pure walk, no tar yet.
 * @throws BuildContextError when the folder or the Dockerfile is missing, or the folder has too many entries
 */
export function listContext(dirInput: string, options: ContextOptions = {}): BuildContext {
    const dir = path.resolve(dirInput);
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) throw new BuildContextError(`The build context ${dir} is not a folder.`);
    const located = locateDockerfile(dir, options.dockerfile);
    if (!fs.statSync(located.abs, { throwIfNoEntry: false })?.isFile()) {
        throw new BuildContextError(`There is no Dockerfile at ${located.abs}.`);
    }
    const ignoreFile = path.join(dir, '.dockerignore');
    const patterns = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8')) : [];
    // As the Docker CLI: the daemon needs both files whatever the rules say.
    const rules = [...patterns];
    if (patterns.length > 0) {
        rules.push('!.dockerignore');
        if (located.rel !== undefined) rules.push(`!${located.rel}`);
    }
    const matcher = ignore().add(rules);
    const exceptions = rules.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;

    const entries: string[] = [];
    let fileCount = 0;
    let bytes = 0;
    let excluded = 0;
    let walked = 0;
    const walk = (relDir: string): void => {
        const names = fs.readdirSync(path.join(dir, relDir)).sort();
        for (const name of names) {
            if (++walked > maxEntries) {
                throw new BuildContextError(`The build context ${dir} has more than ${maxEntries} entries; add a .dockerignore.`);
            }
            const rel = relDir === '' ? name : `${relDir}/${name}`;
            const st = fs.lstatSync(path.join(dir, rel));
            if (st.isSocket() || st.isFIFO() || st.isBlockDevice() || st.isCharacterDevice()) continue;
            const ignored = patterns.length > 0 && matcher.ignores(rel);
            if (st.isDirectory()) {
                if (!ignored) {
                    entries.push(rel);
                    walk(rel);
                } else if (exceptions.some((e) => `${e}/`.startsWith(`${rel}/`))) {
                    // Excluded, but an exception names something below it: walk without the folder itself
                    // (moby's rule: the exception pattern starts with `<folder>/`).
                    excluded++;
                    walk(rel);
                } else {
                    excluded++;
                }
                continue;
            }
            if (ignored) {
                excluded++;
                continue;
            }
            entries.push(rel);
            if (st.isFile()) {
                fileCount++;
                bytes += st.size;
            }
        }
    };
    walk('');
    let dockerfile = located.rel ?? '';
    if (located.rel === undefined) {
        // Outside the folder: sent under a hidden name, as the Docker CLI does.
        dockerfile = `.dockerfile.${crypto.randomBytes(10).toString('hex')}`;
        fileCount++;
        bytes += fs.statSync(located.abs).size;
    }
    return { dir, entries, fileCount, bytes, dockerfile, patterns, excluded };
}

/**
 * The tar stream of a listed context (pipe it into `POST /build`). Files are read as the stream is consumed.
 * Owner ids are zeroed (as the Docker CLI does); a Dockerfile outside the folder is appended under `context.dockerfile`.
 */
function packContext(context: BuildContext, options: Pick<ContextOptions, 'dockerfile'> = {}): Pack {
    const external = locateDockerfile(context.dir, options.dockerfile);
    const appendExternal = external.rel === undefined && context.dockerfile.startsWith('.dockerfile.');
    return tarFs.pack(context.dir, {
        entries: context.entries,
        // Entries are listed one by one: never expand a folder's children here.
        ignore: () => true,
        finalize: !appendExternal,
        map: (header) => ({ ...header, uid: 0, gid: 0 }),
        finish: appendExternal
            ? (pack: Pack) => {
                  const content = fs.readFileSync(external.abs);
                  pack.entry({ name: context.dockerfile, size: content.length, mode: 0o644, mtime: new Date() }, content, (err) => {
                      if (err) pack.destroy(err);
                      else pack.finalize();
                  });
              }
            : undefined,
    });
}

/** listContext + packContext. */
export function createBuildContext(dir: string, options: ContextOptions = {}): { context: BuildContext; tar: Pack } {
    const context = listContext(dir, options);
    return { context, tar: packContext(context, options) };
}

/** `12.3 kB`-style size, for progress messages. */
export function formatBytes(bytes: number): string {
    if (bytes < 1000) return `${bytes} B`;
    const units = ['kB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}
