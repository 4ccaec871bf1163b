/**
 * Compose loading as `docker stack deploy -c … -c …` does it (docker/cli `cli/command/stack/loader.go`, `cli/compose/loader/loader.go`, `cli/compose/schema/schema.go`),
 * with every problem reported as a located Diagnostic instead of "first error wins".
 *
 * Pipeline per file: size/binary checks → YAML (go-yaml v3 value semantics, yaml-source.ts) → top-level mapping
 * → version (first file decides; later files must match) → forbidden keys (before interpolation) →
 * interpolation + casts (interpolate.ts) → schema of the version (validate.ts) → loader stage (external
 * conflicts, env_file + environment → `resolvedEnvironment`, bind sources, secret/config files) .
 * Then: merge (merge.ts) → unsupported/deprecated warnings → image check → checks beyond the CLI.
 *
 * Decisions (documented where the CLI leaves a choice):
 *  - We report all problems, the CLI stops at the first. `config` is undefined whenever there is an error.
 *  - Environment (docker/cli `cli/compose/loader/loader.go`) is resolved here into `ServiceConfig.resolvedEnvironment` (env_file files in order,
 *    then `environment`, and for null-or-empty values the *process* env wins). `.env` values never take part
 *    in that precedence — only in interpolation — as with the CLI's process env vs compose's .env.
 *  - `.env` (beyond the CLI, default on): read from the first file's directory for interpolation only;
 *    the process env wins over it; `dotEnv: false` gives strict CLI parity. `LoadResult.dotEnvFile` names it.
 *  - Bind sources (long form `type: bind` and short-form `./x:/y`, `~/x:/y`) are made absolute against the first
 *    file's directory, `~` from HOME of the env (CLI rule). Secret/config `file:` paths are made absolute too.
 *    Everything else stays as written (types.ts: "nothing here is normalised").
 *  - `cliParity: true` switches off the checks the CLI does not make at load time (undefined references,
 *    values parsed only at deploy, docker.sock, depends_on, …); the CLI-equivalent checks remain.
 */
import * as os from 'os';
import * as nodePath from 'path';
import { sortDiagnostics, type Diagnostic, type Range, type Severity } from '../diagnostics';
import type { ComposeConfig } from './types';
import { DEFAULT_LIMITS, parseYamlSource, pathKey, SourceFile, type Limits, type ParsedYaml, type PathSeg, type SourceLoc } from './yaml-source';
import { interpolateConfig, lookupOwn } from './interpolate';
import { userKeyRecord } from '../user-keys';
import { hasSchema, validateSchema } from './validate';
export { preloadSchema } from './validate';
import { parseEnvFileText, parseDotEnvText } from './env-file';
import { listOrDictToMap, mergeConfigs, type MergeNote } from './merge';
import { expandPortSpec, goClean, isWindowsAbs, parseVolumeSpec, resolveBindSource } from './short-syntax';
import { parseBytes, parseNanoCpus } from './values';
import { LATEST_VERSION } from './schema/versions';
import { checkImageReference } from '../image-reference';
import { checkFileSize, isFileRefused, readBoundedFile } from '../bounded-file';

/** Reads a file whole; `maxBytes` is the bound for a compose file (other files keep the reader's own bound). */
type ReadFileFn = (path: string, maxBytes?: number) => Uint8Array | string;

export interface LoadOptions {
    /** Process environment for interpolation and env precedence. Default: `process.env`. */
    env?: Record<string, string | undefined>;
    /** Read `.env` beside the first file for interpolation (beyond the CLI). Default true. */
    dotEnv?: boolean;
    /** Synchronous file reader (compose files given as paths, env_file, .env). Default: the bounded reader (../bounded-file.ts). */
    readFile?: ReadFileFn;
    /** Base for relative compose file paths. Default: process.cwd(). */
    cwd?: string;
    /** Only the checks `docker stack deploy` makes while loading (no extra validation). Default false. */
    cliParity?: boolean;
    /**
     * The files are only part of a multi-file set (e.g. an override file validated alone in the editor):
     * skip the checks that need the whole set — missing `image` and undefined network/volume/secret/config
     * references. Default false.
     */
    partial?: boolean;
    /** Size limit per compose file in bytes. Default 4 MiB. */
    maxFileBytes?: number;
    limits?: Partial<Limits>;
}

export interface LoadInputFile {
    path: string;
    text: string;
    /** This text already parsed (parseYamlSource with the default limits), e.g. by the editor for its lenses. */
    parsed?: ParsedYaml;
}

interface Located {
    file: string;
    range: Range;
}

export interface LoadResult {
    config: ComposeConfig | undefined;
    diagnostics: Diagnostic[];
    workingDir: string;
    version: string;
    files: string[];
    dotEnvFile?: string;
    /** Each file's parse, by path (files refused before parsing are absent). */
    parsed: Map<string, ParsedYaml>;
    /** Source range of a key/value of the merged config (as written; falls back to the nearest located parent). */
    locate(path: (string | number)[]): Located | undefined;
}

const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

const FORBIDDEN: Record<string, string> = {
    extends: 'Support for `extends` is not implemented yet.',
    volume_driver: 'Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.',
    volumes_from: 'To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.',
    cpu_quota: 'Set resource limits using deploy.resources',
    cpu_shares: 'Set resource limits using deploy.resources',
    cpuset: 'Set resource limits using deploy.resources',
    mem_limit: 'Set resource limits using deploy.resources',
    memswap_limit: 'Set resource limits using deploy.resources',
};

const UNSUPPORTED = [
    'build',
    'cgroupns_mode',
    'cgroup_parent',
    'devices',
    'domainname',
    'external_links',
    'ipc',
    'links',
    'mac_address',
    'network_mode',
    'pid',
    'privileged',
    'restart',
    'security_opt',
    'shm_size',
    'userns_mode',
];

const DEPRECATED: Record<string, string> = {
    container_name: 'Setting the container name is not supported.',
    expose: 'Exposing ports is unnecessary - services on the same network can access each other\'s containers on any port.',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Normalised version: missing, "" or "3" → 3.13 (schema.go). Non-strings count as "" (the schema then complains). */
function normalizeVersion(v: unknown): string {
    const s = typeof v === 'string' ? v : '';
    return s === '' || s === '3' ? LATEST_VERSION : s;
}

function versionGte(a: string, b: string): boolean {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const x = pa[i] || 0;
        const y = pb[i] || 0;
        if (x !== y) return x > y;
    }
    return true;
}

interface FileState {
    path: string;
    src: SourceFile;
    raw?: Obj;
    value?: Obj;
}

class Ctx {
    diags: Diagnostic[] = [];
    constructor(readonly opts: LoadOptions) {}
    add(src: SourceFile, path: readonly PathSeg[], severity: Severity, code: string, message: string, onKey = true): void {
        this.push(src.diag(path, severity, code, message, onKey));
    }
    /**
     * Add a diagnostic; an error at a position that already has an error is dropped (the first stage that
     * fails explains it, as in the CLI, which stops at the first error: e.g. a failed cast is not repeated
     * as a schema type error, a forbidden key not as an additional property).
     */
    push(d: Diagnostic): void {
        if (d.severity === 'error' && this.diags.some((x) => x.severity === 'error' && x.file === d.file && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character)) return;
        this.diags.push(d);
    }
}

function decode(bytes: Uint8Array | string): { text: string; error?: { offset: number; message: string; code: string } } {
    if (typeof bytes === 'string') {
        // Text an editor decoded: bytes that were not UTF-8 are U+FFFD there, so the same file gives the
        // same diagnostic as when it is read from disk (which is checked for UTF-8 before NUL bytes too).
        const replaced = bytes.indexOf('\uFFFD');
        if (replaced >= 0) return { text: bytes, error: { offset: replaced, message: 'file is not valid UTF-8; it looks like a binary file, not YAML', code: 'binary-file' } };
        const nul = bytes.indexOf('\u0000');
        if (nul >= 0) return { text: bytes, error: { offset: nul, message: 'file contains NUL bytes; it looks like a binary file, not YAML', code: 'binary-file' } };
        return { text: bytes };
    }
    const nul = bytes.indexOf(0);
    let text: string;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
        text = new TextDecoder('utf-8').decode(bytes);
        const bad = text.indexOf('\uFFFD');
        return { text, error: { offset: Math.max(0, bad), message: 'file is not valid UTF-8; it looks like a binary file, not YAML', code: 'binary-file' } };
    }
    if (nul >= 0) {
        const off = new TextDecoder('utf-8').decode(bytes.subarray(0, nul)).length;
        return { text, error: { offset: off, message: 'file contains NUL bytes; it looks like a binary file, not YAML', code: 'binary-file' } };
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text };
}

function toText(b: Uint8Array | string): string {
    return typeof b === 'string' ? b : new TextDecoder('utf-8').decode(b);
}

/**
 * Load one or more compose files like `docker stack deploy -c a.yml -c b.yml`. Never throws.
 */
export function loadCompose(files: string[] | LoadInputFile[], options: LoadOptions = {}): LoadResult {
    try {
        return loadComposeInner(files, options);
    } catch (e) {
        const f = files.length > 0 ? (typeof files[0] === 'string' ? files[0] : files[0].path) : '';
        return {
            config: undefined,
            diagnostics: [{ file: f, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'internal', message: `internal error while loading: ${(e as Error).message}` }],
            workingDir: '',
            version: '',
            files: [],
            parsed: new Map(),
            locate: () => undefined,
        };
    }
}

/** Diagnostics for one file as edited (single file, never throws). */
export function validateComposeText(path: string, text: string, options: LoadOptions = {}): Diagnostic[] {
    return loadCompose([{ path, text }], options).diagnostics;
}

function loadComposeInner(files: string[] | LoadInputFile[], options: LoadOptions): LoadResult {
    const ctx = new Ctx(options);
    const env = options.env ?? (process.env as Record<string, string | undefined>);
    const readFile: ReadFileFn = options.readFile ?? readBoundedFile;
    const cwd = options.cwd ?? process.cwd();
    const limits: Limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
    const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const extra = !options.cliParity;

    const inputs = (files as (string | LoadInputFile)[]).map((f) =>
        typeof f === 'string' ? { path: nodePath.resolve(cwd, f), text: undefined as string | undefined, parsed: undefined as ParsedYaml | undefined } : { path: f.path, text: f.text as string | undefined, parsed: f.parsed },
    );
    const absFirst = inputs.length > 0 ? nodePath.resolve(cwd, inputs[0].path) : cwd;
    const workingDir = inputs.length > 0 ? nodePath.dirname(absFirst) : cwd;
    const result: LoadResult = { config: undefined, diagnostics: ctx.diags, workingDir, version: LATEST_VERSION, files: inputs.map((i) => i.path), parsed: new Map(), locate: () => undefined };
    if (inputs.length === 0) {
        ctx.diags.push({ file: '', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'no-files', message: 'specify a Compose file (with --compose-file)' });
        return result;
    }

    // ---- .env (beyond the CLI) ----
    let dotEnvVars: Record<string, string> = userKeyRecord();
    if (options.dotEnv !== false) {
        const p = nodePath.join(workingDir, '.env');
        let content: string | undefined;
        try {
            content = toText(readFile(p));
        } catch (e) {
            content = undefined;
            // No .env is the usual case; one that is there but cannot be read must not pass unnoticed.
            if ((e as NodeJS.ErrnoException)?.code !== 'ENOENT') ctx.diags.push(fileDiag(p, 'error', 'dotenv-read', readFailure(p, e)));
        }
        if (content !== undefined) {
            result.dotEnvFile = p;
            const parsed = parseDotEnvText(content);
            dotEnvVars = parsed.vars;
            for (const e of parsed.errors) {
                ctx.diags.push({ file: p, range: { start: { line: e.line, character: 0 }, end: { line: e.line, character: 0 } }, severity: 'warning', code: 'dotenv-syntax', message: e.message });
            }
        }
    }
    // Own keys only: process.env answers `toString` or `constructor` with Object.prototype's members.
    const lookupProcess = lookupOwn(env);
    const lookupDotEnv = lookupOwn(dotEnvVars);
    const mapping = (name: string): string | undefined => lookupProcess(name) ?? lookupDotEnv(name);

    // ---- per file ----
    const states: FileState[] = [];
    let firstVersion: string | undefined;
    for (const input of inputs) {
        let text: string;
        let bytesLen: number;
        let decodeErr: { offset: number; message: string; code: string } | undefined;
        if (input.text !== undefined) {
            bytesLen = Buffer.byteLength(input.text, 'utf8');
            if (tooLarge(ctx, input.path, bytesLen, maxBytes)) continue;
            const d = decode(input.text);
            text = d.text;
            decodeErr = d.error;
        } else {
            let b: Uint8Array | string;
            try {
                b = readFile(input.path, maxBytes);
            } catch (e) {
                const tooLarge = (e as NodeJS.ErrnoException)?.code === 'EFBIG';
                ctx.diags.push(fileDiag(input.path, 'error', tooLarge ? 'file-too-large' : 'file-read', readFailure(input.path, e)));
                continue;
            }
            bytesLen = typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
            if (tooLarge(ctx, input.path, bytesLen, maxBytes)) continue;
            const d = decode(b);
            text = d.text;
            decodeErr = d.error;
        }
        if (decodeErr) {
            // no parse yet (so no LineCounter): compute the position by hand
            const before = text.slice(0, decodeErr.offset);
            const line = (before.match(/\n/g) ?? []).length;
            const character = decodeErr.offset - (before.lastIndexOf('\n') + 1);
            ctx.diags.push({ file: input.path, range: { start: { line, character }, end: { line, character: character + 1 } }, severity: 'error', code: decodeErr.code, message: decodeErr.message });
            continue;
        }
        const given = input.parsed;
        const parsed = given && given.source.text === text && given.source.file === input.path && options.limits === undefined ? given : parseYamlSource(input.path, text, limits);
        result.parsed.set(input.path, parsed);
        ctx.diags.push(...parsed.diagnostics);
        if (!parsed.ok) continue;
        const src = parsed.source;
        if (!isObj(parsed.value)) {
            ctx.add(src, [], 'error', 'top-level-mapping', 'top-level object must be a mapping', false);
            continue;
        }
        const raw = parsed.value;
        const st: FileState = { path: input.path, src, raw };
        states.push(st);

        // version
        const version = normalizeVersion(raw.version);
        if (firstVersion === undefined) {
            firstVersion = version;
            result.version = version;
        } else if (version !== firstVersion) {
            ctx.add(src, raw.version !== undefined ? ['version'] : [], 'error', 'version-mismatch', `version mismatched between two composefiles : ${firstVersion} and ${version}`, false);
            continue;
        }
        if (!hasSchema(version)) {
            ctx.add(src, ['version'], 'error', 'version-unsupported', `unsupported Compose file version: ${version}`, false);
            continue;
        }

        // forbidden keys, before interpolation
        // (the CLI stops here; we go on so that the editor shows every problem — the result has errors anyway)
        if (isObj(raw.services)) {
            for (const [svc, s] of Object.entries(raw.services)) {
                if (!isObj(s)) continue;
                for (const k of Object.keys(s)) {
                    if (FORBIDDEN[k] !== undefined) {
                        ctx.add(src, ['services', svc, k], 'error', 'forbidden-option', `compose file contains unsupported options: ${k}: ${FORBIDDEN[k]}`);
                    }
                }
            }
        }

        // interpolation
        const interp = interpolateConfig(raw, mapping);
        for (const is of interp.issues) ctx.add(src, is.path, is.severity, is.code, is.message, false);
        const value = interp.value as Obj;
        st.value = value;

        // schema
        const errsBefore = ctx.diags.length;
        for (const is of validateSchema(value, version)) ctx.add(src, is.path, 'error', `schema-${is.keyword}`, is.message, is.onKey);
        const schemaOk = !ctx.diags.slice(errsBefore).some((d) => d.severity === 'error');

        // loader stage
        loaderStage(ctx, st, version, workingDir, readFile, lookupProcess, schemaOk);
    }

    // ---- merge ----
    const good = states.filter((s) => s.value !== undefined);
    const notes: MergeNote[] = [];
    const merged = good.length > 0 ? mergeConfigs(good.map((s) => s.value as Obj), notes) : undefined;

    // where a merged value is written: the last file that writes it (later files override)
    const lookUp = (key: string): { src: SourceFile; loc: SourceLoc } | undefined => {
        for (let i = states.length - 1; i >= 0; i--) {
            const loc = states[i].src.locs.get(key);
            if (loc) return { src: states[i].src, loc };
        }
        return undefined;
    };
    const locate = (path: (string | number)[], preferKey = true): Located | undefined => {
        for (let n = path.length; n >= 0; n--) {
            const hit = lookUp(pathKey(path.slice(0, n)));
            if (hit) {
                const span = (preferKey || n < path.length) && hit.loc.key ? hit.loc.key : hit.loc.value;
                return { file: hit.src.file, range: hit.src.range(span) };
            }
        }
        return states.length > 0 ? { file: states[0].src.file, range: states[0].src.range([0, 0]) } : undefined;
    };
    result.locate = (p) => locate(p);
    const addM = (path: (string | number)[], severity: Severity, code: string, message: string, onKey = true): void => {
        const l = locate(path, onKey) ?? { file: inputs[0].path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
        ctx.push({ file: l.file, range: l.range, severity, message, code });
    };
    for (const n of notes) addM(['services', n.service, n.key], 'warning', 'merge-ports-collapsed', n.message);

    // ---- unsupported / deprecated (raw per-file keys) ----
    for (const s of states) {
        if (!isObj(s.raw?.services)) continue;
        for (const [svc, sv] of Object.entries(s.raw.services)) {
            if (!isObj(sv)) continue;
            for (const k of Object.keys(sv)) {
                if (UNSUPPORTED.includes(k)) {
                    // `build` beside `image` is the recipe of that image: Build Image builds it, the stack runs the image.
                    // docker stack deploy still says it ignores it, so only CLI parity reports it.
                    if (k === 'build' && extra && typeof sv.image === 'string') continue;
                    const tail = k === 'restart' ? ' (note: docker stack deploy still uses `restart` when deploy.restart_policy is not set)' : '';
                    ctx.add(s.src, ['services', svc, k], 'warning', 'unsupported-option', `Ignoring unsupported options: ${k}${tail}`);
                } else if (DEPRECATED[k] !== undefined) {
                    ctx.add(s.src, ['services', svc, k], 'warning', 'deprecated-option', `Ignoring deprecated options: ${k}: ${DEPRECATED[k]}`);
                }
            }
        }
    }

    // ---- image check (CLI) and extra checks ----
    if (merged && isObj(merged.services)) {
        for (const [svc, sv] of Object.entries(merged.services)) {
            if (!isObj(sv)) continue;
            const img = sv.image;
            if (img === undefined && options.partial) continue;
            if (img === undefined || img === null || img === '') {
                addM(['services', svc, img === undefined ? '' : 'image'].filter((x) => x !== ''), 'error', 'image-missing', `invalid image reference for service ${svc}: no image specified`, img === undefined);
            } else if (typeof img === 'string') {
                const err = checkImageReference(img);
                if (err) addM(['services', svc, 'image'], 'error', 'image-invalid', `invalid image reference for service ${svc}: ${err}`, false);
            }
        }
        if (extra) extraChecks(merged, addM, !options.partial);
    }

    const hasErr = ctx.diags.some((d) => d.severity === 'error');
    if (!hasErr && merged) result.config = merged as unknown as ComposeConfig;
    result.diagnostics = sortDiagnostics(dedupe(ctx.diags));
    return result;
}

function dedupe(d: Diagnostic[]): Diagnostic[] {
    const seen = new Set<string>();
    return d.filter((x) => {
        const k = `${x.file}\u0000${x.range.start.line}:${x.range.start.character}\u0000${x.code}\u0000${x.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
    });
}

/** A compose file over the bound, given as text or read, is refused with the bounded reader's sentence. */
function tooLarge(ctx: Ctx, file: string, bytes: number, maxBytes: number): boolean {
    try {
        checkFileSize(file, bytes, maxBytes);
        return false;
    } catch (e) {
        ctx.diags.push(fileDiag(file, 'error', 'file-too-large', (e as Error).message));
        return true;
    }
}

/** `open <file>: <reason>` as the CLI says it, or the bounded reader's own sentence, which names the file. */
function readFailure(file: string, e: unknown): string {
    return isFileRefused(e) ? e.message : `open ${file}: ${errText(e)}`;
}

function errText(e: unknown): string {
    const er = e as NodeJS.ErrnoException;
    if (er && er.code === 'ENOENT') return 'no such file or directory';
    if (er && er.code === 'EACCES') return 'permission denied';
    if (er && er.code === 'EISDIR') return 'is a directory';
    return er?.message ?? String(e);
}

function fileDiag(file: string, severity: Severity, code: string, message: string): Diagnostic {
    return { file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity, code, message };
}

// ------------------------------------------------------------------------------------------------
// loader stage (per file, like loader.Load): externals, environment, paths

function loaderStage(
    ctx: Ctx,
    st: FileState,
    version: string,
    workingDir: string,
    readFile: ReadFileFn,
    lookupProcess: (k: string) => string | undefined,
    schemaOk: boolean,
): void {
    const v = st.value as Obj;
    const src = st.src;
    // externals
    const kinds: [string, string, string][] = [
        ['networks', 'network', '3.5'],
        ['volumes', 'volume', '3.4'],
        ['secrets', 'secret', '3.5'],
        ['configs', 'config', '3.5'],
    ];
    for (const [section, type, deprecatedSince] of kinds) {
        const sec = v[section];
        if (!isObj(sec)) continue;
        for (const [name, def] of Object.entries(sec)) {
            if (!isObj(def)) continue;
            const ext = def.external;
            const isExt = ext === true || isObj(ext);
            if (!isExt) continue;
            if (type === 'volume') {
                for (const k of ['driver', 'driver_opts', 'labels']) {
                    const val = def[k];
                    const present = k === 'driver' ? typeof val === 'string' && val !== '' : val !== undefined && val !== null && (Array.isArray(val) ? val.length > 0 : isObj(val) ? Object.keys(val).length > 0 : true);
                    if (present) {
                        ctx.add(src, [section, name, k], 'error', 'external-conflict', `conflicting parameters "external" and "${k}" specified for volume "${name}"`);
                        break;
                    }
                }
            }
            if (isObj(ext) && typeof ext.name === 'string' && ext.name !== '') {
                if (typeof def.name === 'string' && def.name !== '') {
                    ctx.add(src, [section, name, 'name'], 'error', 'external-name-conflict', `${type} ${name}: ${type}.external.name and ${type}.name conflict; only use ${type}.name`);
                } else if (versionGte(version, deprecatedSince)) {
                    ctx.add(src, [section, name, 'external', 'name'], 'warning', 'external-name-deprecated', `${type} ${name}: ${type}.external.name is deprecated in favor of ${type}.name`);
                }
            }
        }
    }
    // secret/config files → absolute
    for (const section of ['secrets', 'configs']) {
        const sec = v[section];
        if (!isObj(sec)) continue;
        for (const def of Object.values(sec)) {
            if (isObj(def) && typeof def.file === 'string' && def.file !== '') def.file = absPath(workingDir, def.file);
        }
    }
    if (!isObj(v.services)) return;
    for (const [svc, s] of Object.entries(v.services)) {
        if (!isObj(s)) continue;
        // environment (docker/cli `cli/compose/loader/loader.go`)
        if (schemaOk) {
            const resolved: Record<string, string | null> = userKeyRecord();
            const update = (vars: Record<string, string | null>): void => {
                for (const [k, val] of Object.entries(vars)) {
                    const pv = lookupProcess(k);
                    if ((val === null || val === '') && pv !== undefined) resolved[k] = pv;
                    else resolved[k] = val;
                }
            };
            let envOk = true;
            if (s.env_file !== undefined && s.env_file !== null) {
                const list = Array.isArray(s.env_file) ? s.env_file : [s.env_file];
                const fileVars: Record<string, string | null> = userKeyRecord();
                list.forEach((f, i) => {
                    if (typeof f !== 'string') return;
                    const p = absPath(workingDir, f);
                    const where: PathSeg[] = Array.isArray(s.env_file) ? ['services', svc, 'env_file', i] : ['services', svc, 'env_file'];
                    let content: string;
                    try {
                        content = toText(readFile(p));
                    } catch (e) {
                        envOk = false;
                        ctx.add(src, where, 'error', 'env-file-read', readFailure(p, e), false);
                        return;
                    }
                    try {
                        for (const e of parseEnvFileText(content, p, lookupProcess)) fileVars[e.key] = e.value;
                    } catch (e) {
                        envOk = false;
                        ctx.add(src, where, 'error', 'env-file-invalid', (e as Error).message, false);
                    }
                });
                update(fileVars);
            }
            if (s.environment !== undefined && s.environment !== null) {
                const m = listOrDictToMap(s.environment, null);
                const vars: Record<string, string | null> = userKeyRecord();
                for (const [k, val] of Object.entries(m)) vars[k] = val === null || val === undefined ? null : typeof val === 'string' ? val : goFormat(val);
                update(vars);
            }
            if (envOk) s.resolvedEnvironment = resolved;
        }
        // volumes: bind sources
        if (Array.isArray(s.volumes)) {
            const home = lookupProcess('HOME') ?? lookupProcess('USERPROFILE') ?? os.homedir();
            s.volumes = s.volumes.map((vol, i) => {
                const where: PathSeg[] = ['services', svc, 'volumes', i];
                if (typeof vol === 'string') {
                    let parsed;
                    try {
                        parsed = parseVolumeSpec(vol);
                    } catch (e) {
                        ctx.add(src, where, 'error', 'volume-spec', (e as Error).message, false);
                        return vol;
                    }
                    if (parsed.type === 'bind' && parsed.source !== undefined && (parsed.source.startsWith('.') || parsed.source.startsWith('~'))) {
                        const r = resolveBindSource(parsed.source, workingDir, home);
                        if (r !== undefined) return r + vol.slice(parsed.source.length);
                    }
                    return vol;
                }
                if (isObj(vol) && vol.type === 'bind') {
                    if (typeof vol.source !== 'string' || vol.source === '') {
                        ctx.add(src, where, 'error', 'bind-source-empty', 'invalid mount config for type "bind": field Source must not be empty', false);
                        return vol;
                    }
                    const r = resolveBindSource(vol.source, workingDir, home);
                    return r !== undefined ? { ...vol, source: r } : vol;
                }
                return vol;
            });
        }
    }
}

function absPath(workingDir: string, p: string): string {
    if (p.startsWith('/') || isWindowsAbs(p)) return p;
    return goClean(workingDir + '/' + p);
}

/** Go fmt of a YAML number/bool for environment values. */
function goFormat(v: unknown): string {
    if (typeof v === 'number') {
        if (Number.isInteger(v)) return String(v);
        // %v of float64 uses 'g' with shortest repr; large exponents switch to e-notation
        const s = String(v);
        return s.replace(/e\+?/, 'e+').replace('e+-', 'e-');
    }
    return String(v);
}

// ------------------------------------------------------------------------------------------------
// checks beyond the CLI's loader (many are deploy-time errors in the CLI)

type AddFn = (path: (string | number)[], severity: Severity, code: string, message: string, onKey?: boolean) => void;

function parseRestart(s: string): string | undefined {
    if (s === '' || s === 'no') return undefined;
    const parts = s.split(':');
    if (parts.length > 2) return `invalid restart policy format: maximum retry count must be an integer`;
    const [name, count] = parts;
    if (parts.length === 2) {
        if (name === '') return 'invalid restart policy format: no policy provided before colon';
        if (!/^[+-]?\d+$/.test(count)) return 'invalid restart policy format: maximum retry count must be an integer';
        if (Number(count) < 0) return 'invalid restart policy: maximum retry count cannot be negative';
    }
    if (!['always', 'unless-stopped', 'on-failure', 'no'].includes(name)) {
        return `invalid restart policy: unknown policy '${name}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')`;
    }
    return undefined;
}

function extraChecks(cfg: Obj, addRaw: AddFn, references: boolean): void {
    const add: AddFn = (path, severity, code, message, onKey) => {
        if (!references && code.startsWith('undefined-')) return;
        addRaw(path, severity, code, message, onKey);
    };
    const top = (k: string): Obj => (isObj(cfg[k]) ? (cfg[k] as Obj) : {});
    const networks = top('networks');
    const volumes = top('volumes');
    const secrets = top('secrets');
    const configs = top('configs');
    const services = cfg.services as Obj;
    for (const [svc, s] of Object.entries(services)) {
        if (!isObj(s)) continue;
        const P = (...rest: (string | number)[]): (string | number)[] => ['services', svc, ...rest];
        // networks
        const nets = Array.isArray(s.networks) ? s.networks.map(String) : isObj(s.networks) ? Object.keys(s.networks) : [];
        nets.forEach((n, i) => {
            if (n !== 'default' && !(n in networks)) add(Array.isArray(s.networks) ? P('networks', i) : P('networks', n), 'error', 'undefined-network', `undefined network "${n}"`, !Array.isArray(s.networks));
        });
        if (isObj(s.networks)) {
            for (const [n, nc] of Object.entries(s.networks)) {
                if (isObj(nc)) {
                    for (const k of ['ipv4_address', 'ipv6_address']) if (nc[k] !== undefined) add(P('networks', n, k), 'warning', 'ignored-option', `${k} is ignored by docker stack deploy`);
                }
            }
        }
        // secrets / configs
        for (const [key, table, what] of [
            ['secrets', secrets, 'secret'],
            ['configs', configs, 'config'],
        ] as const) {
            const list = s[key];
            if (!Array.isArray(list)) continue;
            list.forEach((r, i) => {
                const source = typeof r === 'string' ? r : isObj(r) && typeof r.source === 'string' ? r.source : undefined;
                if (source !== undefined && !(source in table)) add(typeof r === 'string' ? P(key, i) : P(key, i, 'source'), 'error', `undefined-${what}`, `undefined ${what} "${source}"`, false);
            });
        }
        // volumes
        if (Array.isArray(s.volumes)) {
            s.volumes.forEach((vol, i) => {
                let spec: { type?: unknown; source?: unknown } | undefined;
                if (typeof vol === 'string') {
                    try {
                        spec = parseVolumeSpec(vol);
                    } catch {
                        spec = undefined;
                    }
                } else if (isObj(vol) && typeof vol.type === 'string') spec = vol;
                if (!spec) return;
                const type = spec.type === undefined || spec.type === '' ? 'volume' : spec.type;
                if (type === 'volume' && typeof spec.source === 'string' && spec.source !== '' && !(spec.source in volumes)) {
                    add(typeof vol === 'string' ? P('volumes', i) : P('volumes', i, 'source'), 'error', 'undefined-volume', `undefined volume "${spec.source}"`, false);
                }
                if (typeof spec.source === 'string' && /^\/(var\/)?run\/docker\.sock\/?$/.test(spec.source)) {
                    add(P('volumes', i), 'warning', 'docker-sock', 'mounting /var/run/docker.sock gives the service root on the host', false);
                }
            });
        }
        // ports
        if (Array.isArray(s.ports)) {
            s.ports.forEach((p, i) => {
                if (typeof p === 'string') {
                    try {
                        const r = expandPortSpec(p);
                        if (r.ignoredIp) add(P('ports', i), 'warning', 'port-ip-ignored', `ignoring IP-address (${r.ignoredIp}) service will listen on '0.0.0.0'`, false);
                    } catch (e) {
                        add(P('ports', i), 'error', 'port-spec', (e as Error).message, false);
                    }
                } else if (isObj(p)) {
                    for (const k of ['target', 'published']) {
                        const n = p[k];
                        if (typeof n === 'number' && (n < 0 || n > 65535)) add(P('ports', i, k), 'error', 'port-range', `${k} port ${n} is out of range 0-65535`, false);
                    }
                }
            });
        }
        // depends_on, tmpfs
        if (s.depends_on !== undefined) add(P('depends_on'), 'warning', 'depends-on-ignored', 'depends_on is ignored by docker stack deploy: swarm starts services independently');
        if (s.tmpfs !== undefined) add(P('tmpfs'), 'warning', 'ignored-option', 'service-level tmpfs is ignored by docker stack deploy; use a volume of type tmpfs');
        // The schema (3.13) allows it, but docker/cli's compose loader never reads it into the service (cli/compose/types
        // types.go: OomScoreAdj has no `mapstructure:"oom_score_adj"` name, v28.0 to v29.7.2), so no CLI sends it.
        if (s.oom_score_adj !== undefined) add(P('oom_score_adj'), 'warning', 'ignored-option', 'oom_score_adj is ignored by docker stack deploy: the service is created without it');
        // deploy
        const d = isObj(s.deploy) ? s.deploy : undefined;
        if (d) {
            const mode = d.mode;
            if (typeof mode === 'string' && !['', 'replicated', 'global', 'replicated-job', 'global-job'].includes(mode)) add(P('deploy', 'mode'), 'error', 'deploy-mode', `unknown mode: ${mode}`, false);
            if ((mode === 'global' || mode === 'global-job') && d.replicas !== undefined && d.replicas !== null) {
                add(P('deploy', 'replicas'), 'error', 'deploy-replicas', 'replicas can only be used with replicated or replicated-job mode');
            }
            const res = isObj(d.resources) ? d.resources : undefined;
            for (const part of ['limits', 'reservations']) {
                const r = res && isObj(res[part]) ? (res[part] as Obj) : undefined;
                if (!r) continue;
                if (typeof r.memory === 'string') {
                    try {
                        parseBytes(r.memory);
                    } catch (e) {
                        add(P('deploy', 'resources', part, 'memory'), 'error', 'invalid-size', (e as Error).message, false);
                    }
                }
                if (typeof r.cpus === 'string') {
                    try {
                        parseNanoCpus(r.cpus);
                    } catch (e) {
                        add(P('deploy', 'resources', part, 'cpus'), 'error', 'invalid-cpus', (e as Error).message, false);
                    }
                }
            }
        }
        // restart (legacy) — used by the CLI when deploy.restart_policy is absent
        if (typeof s.restart === 'string') {
            const err = parseRestart(s.restart);
            if (err) add(P('restart'), 'error', 'restart-policy', err, false);
        }
        // healthcheck
        const hc = isObj(s.healthcheck) ? s.healthcheck : undefined;
        if (hc && hc.disable === true) {
            const t = hc.test;
            const nonEmpty = typeof t === 'string' ? t !== '' : Array.isArray(t) && t.length > 0;
            if (nonEmpty) add(P('healthcheck', 'disable'), 'error', 'healthcheck-conflict', "test and disable can't be set at the same time");
        }
        // credential_spec
        const cs = isObj(s.credential_spec) ? s.credential_spec : undefined;
        if (cs) {
            const set = ['config', 'file', 'registry'].filter((k) => typeof cs[k] === 'string' && cs[k] !== '');
            if (set.length === 2) add(P('credential_spec'), 'error', 'credential-spec', `invalid credential spec: cannot specify both ${set.map((k) => `"${k[0].toUpperCase()}${k.slice(1)}"`).join(' and ')}`);
            if (set.length === 3) add(P('credential_spec'), 'error', 'credential-spec', 'invalid credential spec: cannot specify both "Config", "File", and "Registry"');
            if (typeof cs.config === 'string' && cs.config !== '' && !(cs.config in configs)) add(P('credential_spec', 'config'), 'error', 'undefined-config', `undefined config "${cs.config}"`, false);
        }
    }
}
