/**
 * Shared value parsers for compose values, matching the Go functions the docker CLI uses.
 *
 *  - parseDurationNs  ≙ Go `time.ParseDuration`            (durations: healthcheck, restart, update, ...)
 *  - parseBytes       ≙ go-units `RAMInBytes`              (deploy.resources.*.memory)
 *  - parseNanoCpus    ≙ docker/cli `opts.ParseCPUs`        (deploy.resources.*.cpus → NanoCPUs)
 *
 * Every function throws an `Error` whose message is the Go error text.
 * Plain TypeScript; no vscode or Docker client import (src/core rule).
 */

import { ownValue } from '../user-keys';

const NS_UNITS: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    'µs': 1_000n, // U+00B5 micro sign
    'μs': 1_000n, // U+03BC greek mu
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

const INT64_MAX = (1n << 63n) - 1n;

/** Go's strconv.Quote-ish quoting used by the time package errors (enough for printable input). */
function goQuote(s: string): string {
    return JSON.stringify(s);
}

/**
 * Exact Go `time.ParseDuration` as a bigint of nanoseconds.
 * Errors: `time: invalid duration "<s>"`, `time: missing unit in duration "<s>"`,
 * `time: unknown unit "<u>" in duration "<s>"`.
 */
export function parseDurationBigInt(input: string): bigint {
    const orig = input;
    let s = input;
    let neg = false;
    const invalid = (): Error => new Error(`time: invalid duration ${goQuote(orig)}`);
    if (s !== '') {
        const c = s[0];
        if (c === '-' || c === '+') {
            neg = c === '-';
            s = s.slice(1);
        }
    }
    if (s === '0') return 0n;
    if (s === '') throw invalid();
    let total = 0n;
    while (s !== '') {
        if (!(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) throw invalid();
        // leading integer
        let i = 0;
        while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
        const pre = i > 0;
        let v = pre ? BigInt(s.slice(0, i)) : 0n;
        if (v > INT64_MAX) throw invalid();
        s = s.slice(i);
        let f = 0n;
        let scale = 1n;
        let post = false;
        if (s !== '' && s[0] === '.') {
            s = s.slice(1);
            let j = 0;
            let overflow = false;
            while (j < s.length && s[j] >= '0' && s[j] <= '9') {
                if (!overflow) {
                    if (f > (INT64_MAX - 9n) / 10n) {
                        overflow = true; // Go drops further digits
                    } else {
                        f = f * 10n + BigInt(s.charCodeAt(j) - 48);
                        scale *= 10n;
                    }
                }
                j++;
            }
            post = j > 0;
            s = s.slice(j);
        }
        if (!pre && !post) throw invalid();
        // unit
        let k = 0;
        while (k < s.length && s[k] !== '.' && !(s[k] >= '0' && s[k] <= '9')) k++;
        if (k === 0) throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
        const u = s.slice(0, k);
        s = s.slice(k);
        const unit = ownValue(NS_UNITS, u);
        if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
        if (v > INT64_MAX / unit) throw invalid();
        v *= unit;
        if (f > 0n) {
            // Go: v += int64(float64(f) * (float64(unit) / scale)) — float arithmetic, truncated
            const add = BigInt(Math.trunc(Number(f) * (Number(unit) / Number(scale))));
            v += add;
            if (v > INT64_MAX) throw invalid();
        }
        total += v;
        if (total > INT64_MAX) throw invalid();
    }
    return neg ? -total : total;
}

/**
 * Go `time.ParseDuration` → nanoseconds as a number (exact up to 2^53 ns ≈ 104 days; larger values are
 * rounded to the nearest double — use parseDurationBigInt when exactness matters).
 */
export function parseDurationNs(s: string): number {
    return Number(parseDurationBigInt(s));
}

/** Go `time.Duration.String()` — e.g. 90s → "1m30s", 0 → "0s", 1.5ms → "1.5ms". */
export function formatDurationNs(ns: bigint | number): string {
    let d = typeof ns === 'bigint' ? ns : BigInt(Math.trunc(ns));
    if (d === 0n) return '0s';
    const neg = d < 0n;
    if (neg) d = -d;
    const frac = (v: bigint, prec: number): string => {
        // v / 10^prec with trailing zeros trimmed
        const p = 10n ** BigInt(prec);
        const ip = v / p;
        const fp = (v % p).toString().padStart(prec, '0').replace(/0+$/, '');
        return fp ? `${ip}.${fp}` : `${ip}`;
    };
    let out: string;
    if (d < 1_000_000_000n) {
        if (d < 1_000n) out = `${d}ns`;
        else if (d < 1_000_000n) out = `${frac(d, 3)}µs`;
        else out = `${frac(d, 6)}ms`;
    } else {
        const h = d / 3_600_000_000_000n;
        const m = (d / 60_000_000_000n) % 60n;
        const sec = d % 60_000_000_000n;
        out = '';
        if (h > 0n) out += `${h}h`;
        if (h > 0n || m > 0n) out += `${m}m`;
        out += `${frac(sec, 9)}s`;
    }
    return neg ? `-${out}` : out;
}

const BINARY_UNITS: Record<string, number> = {
    k: 1024,
    m: 1024 ** 2,
    g: 1024 ** 3,
    t: 1024 ** 4,
    p: 1024 ** 5,
};

/** Go strconv.ParseFloat subset used by go-units (decimal, exponent, inf/nan, hex floats not needed). */
function goParseFloat(num: string): number {
    if (/^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num) && !num.includes('_')) return Number(num);
    if (/^[+-]?(inf|infinity)$/i.test(num)) return num.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(num)) return NaN;
    throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
}

/**
 * go-units `RAMInBytes`: decimal number, optional space, optional unit k/m/g/t/p (case-insensitive,
 * powers of 1024), optional `b` / `ib` suffix. Truncated to an integer. Negative → error.
 * Errors: `invalid size: '<s>'`, `invalid suffix: '<sfx>'`, `strconv.ParseFloat: parsing "<n>": invalid syntax`.
 */
export function parseBytes(sizeStr: string): number {
    // last index of any of "0123456789. "
    let sep = -1;
    for (let i = sizeStr.length - 1; i >= 0; i--) {
        const c = sizeStr[i];
        if ((c >= '0' && c <= '9') || c === '.' || c === ' ') {
            sep = i;
            break;
        }
    }
    if (sep === -1) throw new Error(`invalid size: '${sizeStr}'`);
    let num: string;
    let sfx: string;
    if (sizeStr[sep] !== ' ') {
        num = sizeStr.slice(0, sep + 1);
        sfx = sizeStr.slice(sep + 1);
    } else {
        num = sizeStr.slice(0, sep);
        sfx = sizeStr.slice(sep + 1);
    }
    let size = goParseFloat(num);
    if (size < 0) throw new Error(`invalid size: '${sizeStr}'`);
    const badSuffix = (): Error => new Error(`invalid suffix: '${sfx}'`);
    if (sfx.length === 0) return truncInt64(size);
    if (sfx.length > 3) throw badSuffix();
    sfx = sfx.toLowerCase();
    if (sfx[0] === 'b') {
        if (sfx.length > 1) throw badSuffix();
        return truncInt64(size);
    }
    const mul = ownValue(BINARY_UNITS, sfx[0]);
    if (mul === undefined) throw badSuffix();
    size *= mul;
    if (sfx.length === 2 && sfx[1] !== 'b') throw badSuffix();
    if (sfx.length === 3 && sfx.slice(1) !== 'ib') throw badSuffix();
    return truncInt64(size);
}

// int64's bounds as the nearest doubles: -2^63 is exact, 2^63 - 1 rounds to 2^63.
const INT64_MIN_DOUBLE = -(2 ** 63);
const INT64_MAX_DOUBLE = 2 ** 63;

function truncInt64(n: number): number {
    if (Number.isNaN(n)) return INT64_MIN_DOUBLE; // Go int64(NaN) is implementation-defined; amd64 gives MinInt64
    if (n >= INT64_MAX_DOUBLE) return INT64_MAX_DOUBLE;
    return Math.trunc(n);
}

// ---------- exact rationals (Go big.Rat.SetString subset) ----------

function parseGoInt(s: string): bigint | undefined {
    // decimal or base-prefixed integer as accepted by big.Int SetString(s, 0) (no sign here)
    const m = /^(0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|0[bB][01](_?[01])*|0[oO][0-7](_?[0-7])*|0[0-7]*|[1-9](_?\d)*|0)$/.exec(s);
    if (!m) return undefined;
    const clean = s.replace(/_/g, '');
    if (/^0[0-7]+$/.test(clean)) return BigInt('0o' + clean.slice(1));
    return BigInt(clean.replace(/^0O/, '0o').replace(/^0X/, '0x').replace(/^0B/, '0b'));
}

/** Parse like Go's `new(big.Rat).SetString(v)`; returns [numerator, denominator] or undefined. */
export function parseRational(v: string): [bigint, bigint] | undefined {
    if (v === '') return undefined;
    const slash = v.indexOf('/');
    if (slash >= 0) {
        let a = v.slice(0, slash);
        const b = v.slice(slash + 1);
        let sign = 1n;
        if (a.startsWith('-') || a.startsWith('+')) {
            if (a[0] === '-') sign = -1n;
            a = a.slice(1);
        }
        const n = parseGoInt(a);
        const d = parseGoInt(b);
        if (n === undefined || d === undefined || d === 0n) return undefined;
        return [sign * n, d];
    }
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(v);
    if (!m) return undefined;
    const [, sg, ip, fp = '', ex] = m;
    if (ip === '' && fp === '') return undefined;
    let num = BigInt((ip || '0') + fp);
    let den = 10n ** BigInt(fp.length);
    if (ex !== undefined) {
        const e = Number(ex);
        if (Math.abs(e) > 10000) return undefined;
        if (e >= 0) num *= 10n ** BigInt(e);
        else den *= 10n ** BigInt(-e);
    }
    if (sg === '-') num = -num;
    return [num, den];
}

/**
 * docker/cli `opts.ParseCPUs`: exact rational × 1e9 must be an integer.
 * Errors: `failed to parse <v> as a rational number`, `value is too precise`.
 */
export function parseNanoCpus(value: string): number {
    const r = parseRational(value);
    if (!r) throw new Error(`failed to parse ${value} as a rational number`);
    const [n, d] = r;
    const scaled = n * 1_000_000_000n;
    if (scaled % d !== 0n) throw new Error('value is too precise');
    return Number(scaled / d);
}
