/**
 * Runs the command line's CommonJS bundle through V8's code cache. Compiling the bundle's functions is most of what a
 * command spends over Node's own start (bench/startup.ts); with the cache V8 reads the compiled code back instead.
 *
 * One cache per key (the verb: `ls` compiles other functions than `deploy`), written at the exit of a run of that verb
 * that exits 0, so that it holds every function the run compiled. The first runs of a verb may take other paths (a
 * first deploy creates, the next ones find nothing to change), so the first STORED_RUNS successful runs each store it
 * again, with what they read from the cache and what they compiled themselves; later runs only read it. The modules of the bundle's own folder that
 * it requires (the compose-schema validators, `./validators/v3_N.js`, 64–110 KB each) get a cache each, whatever the
 * verb. A cache is used only for the very file it was made from: V8 itself checks only the source's length (and its
 * own version and flags), so the cache's header names the file's size and modification time and the Node version,
 * and a rebuilt file makes a new cache. Files are replaced by rename, so that concurrent runs read a whole cache or
 * none. The cache is an optimisation only: when it cannot be read or written (a read-only install), the code runs
 * compiled as usual.
 *
 * The cache sits beside the bundle, where only who may change the bundle may change it: V8 runs what it reads.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { isAscii } from 'buffer';
import { createRequire, wrap } from 'module';

export interface CachedRun {
    /** The CommonJS bundle to run, as `require` would (module wrapper, its own `require`, `__dirname`). */
    bundle: string;
    /** Folder of the cache files. */
    cacheDir: string;
    /** What this run does, naming the bundle's cache; undefined: no cache for the bundle. */
    key: string | undefined;
    /** Asked at exit: whether this run may store its compiled code (the run succeeded). */
    mayStore(): boolean;
}

/** What happened to a cache. */
export type CacheOutcome = 'used' | 'none' | 'stale' | 'rejected' | 'off';

export interface CacheReport {
    bundle: CacheOutcome;
    /** By the request the bundle made (`./validators/v3_8.js`), filled as the bundle requires them. */
    modules: Map<string, CacheOutcome>;
}

const MAGIC = 'swarm-stacks-code-cache 1';
const STORED_RUNS = 3;
/** A verb or option name: keeps file names safe and typos from filling the folder. */
const KEY = /^-{0,2}[a-z][a-z-]{0,30}$/;
/** A module beside the bundle, `./validators/v3_8.js`: its cache is `validators-v3_8.js.v8` (no verb has `_` or `.`). */
const OWN_MODULE = /^\.\/([a-z]+\/)?[a-z0-9_]+\.js$/i;

/** Runs `bundle` and reports what it did with the caches; the bundle's own errors propagate. */
export function runCached(run: CachedRun): CacheReport {
    const dir = path.dirname(run.bundle);
    const plainRequire = createRequire(run.bundle);
    const report: CacheReport = { bundle: 'off', modules: new Map() };
    const ownModules = new Map<string, unknown>();
    const cacheFile = (name: string): string => path.join(run.cacheDir, `${name}.v8`);
    const bundleRequire = Object.assign((request: string): unknown => {
        if (!OWN_MODULE.test(request)) return plainRequire(request);
        if (!ownModules.has(request)) {
            const file = path.join(dir, request);
            const evaluated = evaluateCached(file, cacheFile(request.slice(2).replace('/', '-')), run.mayStore, createRequire(file));
            report.modules.set(request, evaluated.outcome);
            ownModules.set(request, evaluated.exports);
        }
        return ownModules.get(request);
    }, plainRequire);
    const key = run.key !== undefined && KEY.test(run.key) ? run.key.replace(/^-+/, '') : undefined;
    report.bundle = evaluateCached(run.bundle, key === undefined ? undefined : cacheFile(key), run.mayStore, bundleRequire).outcome;
    return report;
}

/** Evaluates one CommonJS file through the cache `cacheFile` (none when undefined). */
function evaluateCached(file: string, cacheFile: string | undefined, mayStore: () => boolean, require: NodeRequire | ((request: string) => unknown)): { outcome: CacheOutcome; exports: unknown } {
    const bytes = fs.readFileSync(file);
    // esbuild writes ASCII (non-ASCII characters escaped): read as one-byte text, which V8 takes without decoding.
    const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
    const stat = fs.statSync(file);
    // The header: which file the cache was made from, then how many runs stored it.
    const made = `${MAGIC} ${stat.size} ${stat.mtimeMs} ${process.version} `;
    let cachedData: Buffer | undefined;
    let storedRuns = 0;
    let outcome: CacheOutcome = cacheFile ? 'none' : 'off';
    if (cacheFile) {
        const stored = readOrUndefined(cacheFile);
        if (stored) {
            const headerEnd = stored.indexOf(0x0a);
            const header = headerEnd > 0 ? stored.toString('latin1', 0, headerEnd) : '';
            if (header.startsWith(made) && /^\d+$/.test(header.slice(made.length))) {
                cachedData = stored.subarray(headerEnd + 1);
                storedRuns = Number(header.slice(made.length));
            } else {
                outcome = 'stale';
            }
        }
    }
    const script = new vm.Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
    if (cachedData) outcome = script.cachedDataRejected ? 'rejected' : 'used';
    if (outcome !== 'used') storedRuns = 0;
    if (cacheFile && storedRuns < STORED_RUNS) {
        process.once('exit', () => {
            if (mayStore()) store(cacheFile, `${made}${storedRuns + 1}\n`, script);
        });
    }
    const module = { exports: {} };
    const evaluate = script.runInThisContext() as (exports: unknown, require: unknown, module: unknown, filename: string, dirname: string) => void;
    evaluate(module.exports, require, module, file, path.dirname(file));
    return { outcome, exports: module.exports };
}

function readOrUndefined(file: string): Buffer | undefined {
    try {
        return fs.readFileSync(file);
    } catch {
        return undefined;
    }
}

function store(cacheFile: string, header: string, script: vm.Script): void {
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(temporary, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]));
        fs.renameSync(temporary, cacheFile);
    } catch {
        // Not writable (an install owned by another user, a full disk): the next run compiles as this one did.
        try {
            fs.rmSync(temporary, { force: true });
        } catch {
            // Nothing was written.
        }
    }
}
