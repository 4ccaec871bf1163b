/**
 * The build context of `docker build DIR`: the files of a folder, filtered by its `.dockerignore` with Docker's
 * semantics (dockerignore.ts, after moby/patternmatcher), packed as a tar stream (tar-fs). As the Docker CLI does
 * (docker/cli `cli/command/image/build/dockerignore.go`, moby/go-archive `TarWithOptions`): the Dockerfile and
 * `.dockerignore` are sent even when a rule excludes them, a directory is skipped whole when it is excluded and no
 * `!` exception starts with its path, and a Dockerfile outside the folder is added under a hidden name.
 * Node `fs` only: no vscode, no Docker client.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tarFs from 'tar-fs';
import type { Pack } from 'tar-stream';
import { hostPathFlavour, IgnorePatternError, PatternMatcher, readDockerignore, type MatchInfo, type PathFlavour } from './dockerignore';

interface ContextOptions {
    /** The Dockerfile: relative to the context folder or absolute (default `Dockerfile` in the folder). */
    dockerfile?: string;
    /** Upper bound of entries walked (files and folders), default 200000: a context bigger than that is a mistake. */
    maxEntries?: number;
    /** Whose `.dockerignore` rules apply (escapes on POSIX systems); the host's by default. */
    flavour?: PathFlavour;
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
    const flavour = options.flavour ?? hostPathFlavour();
    let lines: { pattern: string; line?: number }[] = [];
    try {
        lines = fs.existsSync(ignoreFile) ? readDockerignore(fs.readFileSync(ignoreFile, 'utf8'), flavour) : [];
    } catch (e) {
        if (e instanceof IgnorePatternError) throw new BuildContextError(`${ignoreFile}: ${e.message}; docker refuses the file.`);
        throw e;
    }
    const patterns = lines.map((l) => l.pattern);
    const compile = (): PatternMatcher => {
        try {
            return PatternMatcher.create(lines.map((l) => l.pattern), flavour);
        } catch (e) {
            if (!(e instanceof IgnorePatternError)) throw e;
            const line = lines[e.index]?.line;
            const where = line === undefined ? `${ignoreFile} (the rule kept for the Dockerfile)` : `${ignoreFile} line ${line}`;
            throw new BuildContextError(`${where}: ${e.message}.`);
        }
    };
    let matcher = compile();
    // As the Docker CLI (TrimBuildFilesFromExcludes): the daemon needs both files whatever the rules say.
    const keep = ['.dockerignore', ...(located.rel !== undefined ? [located.rel] : [])].filter((f) => matcher.matchesOrParentMatches(f));
    if (keep.length > 0) {
        lines = [...lines, ...keep.map((f) => ({ pattern: `!${f}` }))];
        matcher = compile();
    }
    const exceptions = matcher.exceptions();
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;

    const entries: string[] = [];
    let fileCount = 0;
    let bytes = 0;
    let excluded = 0;
    let walked = 0;
    const walk = (relDir: string, folderInfo: MatchInfo | undefined): void => {
        const names = fs.readdirSync(path.join(dir, relDir)).sort();
        for (const name of names) {
            if (++walked > maxEntries) {
                throw new BuildContextError(`The build context ${dir} has more than ${maxEntries} entries; add a .dockerignore.`);
            }
            const rel = relDir === '' ? name : `${relDir}/${name}`;
            const st = fs.lstatSync(path.join(dir, rel));
            if (st.isSocket() || st.isFIFO() || st.isBlockDevice() || st.isCharacterDevice()) continue;
            const { excluded: ignored, info } = matcher.matchesUsingParentResults(rel, folderInfo);
            if (st.isDirectory()) {
                if (!ignored) {
                    entries.push(rel);
                    walk(rel, info);
                } else if (exceptions.some((e) => `${e}/`.startsWith(`${rel}/`))) {
                    // Excluded, but an exception starts with `<folder>/`: walk it without sending the folder itself.
                    excluded++;
                    walk(rel, info);
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
    walk('', undefined);
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
