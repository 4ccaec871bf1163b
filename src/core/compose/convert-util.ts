/**
 * Small helpers shared by the compose → Engine conversion (convert*.ts).
 * Behaviour follows docker/cli (`cli/compose/convert/`, `cli/compose/loader/loader.go`); no code copied.
 */
import * as path from 'path';
import type { ListOrDict } from './types';
import { userKeyRecord } from '../user-keys';

/** A conversion error: `message` is the CLI's text, `path` points into the compose config. */
export class ConversionError extends Error {
    readonly path: (string | number)[];
    constructor(message: string, path: (string | number)[] = []) {
        super(message);
        this.name = 'ConversionError';
        this.path = path;
    }
}

const utf8 = new TextEncoder();

/** Go string ordering (byte-wise over UTF-8), for `sort.Strings` / `cmp.Compare`. */
export function compareBytes(a: string, b: string): number {
    if (a === b) return 0;
    // Fast path: pure ASCII/BMP-below-surrogates strings order the same in UTF-16 and UTF-8.
    if (/^[\u0000-\ud7ff]*$/.test(a) && /^[\u0000-\ud7ff]*$/.test(b)) return a < b ? -1 : 1;
    const x = utf8.encode(a);
    const y = utf8.encode(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
}

/** Go `fmt.Sprint` of a YAML scalar (int, float64, bool, string). */
export function goSprint(v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
        if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
        if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
        // %v of float64: %g with the shortest representation, exponent form when exp < -4 || exp >= 21
        const exp = Math.floor(Math.log10(Math.abs(v)));
        if (exp < -4 || exp >= 21) {
            const [mant, e] = v.toExponential().split('e');
            const sign = e.startsWith('-') ? '-' : '+';
            const digits = e.replace(/^[+-]/, '');
            return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
        }
        return String(v);
    }
    if (v === null || v === undefined) return '<nil>';
    return String(v);
}

/**
 * `labels`-style list_or_dict → map of strings: map values made into strings (null → ""),
 * list `k=v` → v, `k` → "". A later list entry of the same key wins.
 */
export function toStringMap(v: ListOrDict | undefined | null): Record<string, string> {
    const out: Record<string, string> = userKeyRecord();
    if (v === undefined || v === null) return out;
    if (Array.isArray(v)) {
        for (const entry of v) {
            const s = goSprint(entry);
            const i = s.indexOf('=');
            if (i === -1) out[s] = '';
            else out[s.slice(0, i)] = s.slice(i + 1);
        }
        return out;
    }
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? '' : goSprint(val);
    return out;
}

/** Map with string-or-number values (driver_opts, logging options) → map of strings. */
export function toOptionMap(v: Record<string, unknown> | undefined | null): Record<string, string> | undefined {
    if (v === undefined || v === null) return undefined;
    const out: Record<string, string> = userKeyRecord();
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? '' : goSprint(val);
    return out;
}

/** Return a copy of `obj` with keys sorted byte-wise (for deterministic JSON). */
export function sortedRecord<T>(obj: Record<string, T>): Record<string, T> {
    const out: Record<string, T> = userKeyRecord();
    for (const k of Object.keys(obj).sort(compareBytes)) out[k] = obj[k];
    return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `string_or_list` → list. */
export function stringOrList(v: string | string[] | undefined | null): string[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v.map(goSprint) : [v];
}

// ---------------------------------------------------------------------------------------------
// shell-like splitting (google/shlex rules as used by the compose loader for command/entrypoint)

/**
 * Split like google/shlex: whitespace separates words; `'…'` quotes literally; `"…"` quotes with
 * backslash escaping the next character; a backslash outside quotes escapes the next character;
 * `#` at the start of a word starts a comment up to the end of the line.
 * Errors: `EOF found when expecting closing quote`, `EOF found after escape character`.
 */
export function shlexSplit(input: string): string[] {
    const words: string[] = [];
    const chars = Array.from(input);
    let i = 0;
    const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
    while (i < chars.length) {
        const c = chars[i];
        if (isSpace(c)) {
            i++;
            continue;
        }
        if (c === '#') {
            while (i < chars.length && chars[i] !== '\n') i++;
            continue;
        }
        let word = '';
        let done = false;
        while (!done && i < chars.length) {
            const ch = chars[i];
            if (isSpace(ch)) {
                done = true;
            } else if (ch === '\\') {
                i++;
                if (i >= chars.length) throw new Error('EOF found after escape character');
                word += chars[i++];
            } else if (ch === "'") {
                i++;
                while (i < chars.length && chars[i] !== "'") word += chars[i++];
                if (i >= chars.length) throw new Error('EOF found when expecting closing quote');
                i++;
            } else if (ch === '"') {
                i++;
                let closed = false;
                while (i < chars.length) {
                    const q = chars[i];
                    if (q === '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (q === '\\') {
                        i++;
                        if (i >= chars.length) break;
                        word += chars[i++];
                        continue;
                    }
                    word += q;
                    i++;
                }
                if (!closed) throw new Error('EOF found when expecting closing quote');
            } else {
                word += ch;
                i++;
            }
        }
        words.push(word);
    }
    return words;
}

// ---------------------------------------------------------------------------------------------
// capabilities (opts/capabilities.go rules)

function normalizeCap(c: string): string {
    const u = c.trim().toUpperCase();
    if (u === 'ALL' || u === 'RESET') return u;
    return u.startsWith('CAP_') ? u : 'CAP_' + u;
}

function uniqSorted(list: string[]): string[] {
    return Array.from(new Set(list)).sort(compareBytes);
}

/**
 * Effective cap_add / cap_drop: normalise (trim, upper-case, `CAP_` prefix except ALL/RESET),
 * `ALL` in add → [ALL], `ALL` in drop → [ALL], drop minus add, RESET dropped, de-duplicated, sorted.
 */
export function effectiveCapabilities(add: string[] | undefined, drop: string[] | undefined): { add: string[]; drop: string[] } {
    const a = (add ?? []).map(normalizeCap).filter((c) => c !== 'RESET' && c !== '');
    const d = (drop ?? []).map(normalizeCap).filter((c) => c !== 'RESET' && c !== '');
    let outAdd: string[];
    if (a.includes('ALL')) outAdd = ['ALL'];
    else outAdd = uniqSorted(a);
    const addSet = new Set(outAdd);
    const outDrop = uniqSorted((d.includes('ALL') ? ['ALL'] : d).filter((c) => !addSet.has(c)));
    return { add: outAdd, drop: outDrop };
}

// ---------------------------------------------------------------------------------------------
// paths

/** True for a POSIX absolute path or a Windows absolute path (`C:\…`, `\\server\…`). */
export function isAbsAnyOS(p: string): boolean {
    return p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** Go `filepath.Join(workingDir, p)` unless `p` is absolute. */
export function absPath(workingDir: string, p: string): string {
    if (isAbsAnyOS(p) || path.isAbsolute(p)) return p;
    return path.join(workingDir, p);
}

/** Base64 of bytes (the wire form of `[]byte`). */
export function toBase64(data: Uint8Array): string {
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
