/**
 * Variable substitution as docker/cli `cli/compose/template` + `cli/compose/interpolation` do it.
 *
 * Quirks (docker/cli `cli/compose/template/template.go`) — what we keep and why:
 *  - KEPT: the unbraced form takes an operator tail: `$NAME-app` is `${NAME-app}` (the `-app` suffix is lost
 *    when NAME is set). Keeping it means the same file deploys the same on both tools.
 *  - KEPT: the default text runs to the next `}` (`${X:-a}b}` → `a` + `b}`).
 *  - KEPT: no warning for unset variables in the CLI-parity path. (The loader adds an *info* diagnostic for
 *    unset variables, which is beyond the CLI; see load.ts.)
 *  - AVOIDED (reported, not forgotten): the CLI forgets an error in one `$…` when a later variable in the same
 *    string is substituted without error (`"${A:?x} $B"` with A unset passes). We still compute the CLI's
 *    result value, but `substitute` also returns `forgottenError`, which the loader reports as a WARNING
 *    (code `interpolation-error-forgotten`) so the user learns about it while the CLI behaviour is preserved.
 *  - Check order of operator functions follows the CLI: `:-`, `-`, `:?`, `?` — so `${A-x:-y}` looks up `A-x`.
 */

import { ownValue } from '../user-keys';

type Mapping = (name: string) => string | undefined;

/**
 * The variables of `env` (e.g. `process.env`, which inherits from Object.prototype) as a Mapping that finds only
 * its own: `${toString}` or `${__proto__}` is unset unless the user set it, as in docker.
 */
export function lookupOwn(env: Readonly<Record<string, string | undefined>>): Mapping {
    return (name) => ownValue(env, name);
}

/** Go regexp (case-insensitive):  \$(?:(\$)|([_a-z][_a-z0-9]*(?:(:?[-?])[^}]*)?)|\{([_a-z][_a-z0-9]*(?:(:?[-?])[^}]*)?)\}|()) */
const PATTERN = /\$(?:(\$)|([_a-z][_a-z0-9]*(?::?[-?][^}]*)?)|\{([_a-z][_a-z0-9]*(?::?[-?][^}]*)?)\}|())/gi;

class InvalidTemplateError extends Error {
    constructor(readonly template: string) {
        super(`Invalid template: ${JSON.stringify(template)}`);
    }
}

interface SubstituteResult {
    value: string;
    /** The CLI's error (the last one set, cleared by a later successful substitution), as the CLI reports it. */
    error?: InvalidTemplateError;
    /** An error that occurred but was cleared by a later substitution (CLI quirk: the CLI does not report it). */
    forgottenError?: InvalidTemplateError;
    /** Variables referenced that were unset (for info diagnostics). */
    unset: string[];
}

function partition(s: string, sep: string): [string, string] {
    const i = s.indexOf(sep);
    return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

type SubstFn = (sub: string, m: Mapping, unset: string[]) => { value: string; applied: boolean; error?: InvalidTemplateError };

const softDefault: SubstFn = (sub, m) => {
    if (!sub.includes(':-')) return { value: '', applied: false };
    const [name, def] = partition(sub, ':-');
    const v = m(name);
    return { value: v === undefined || v === '' ? def : v, applied: true };
};
const hardDefault: SubstFn = (sub, m) => {
    if (!sub.includes('-')) return { value: '', applied: false };
    const [name, def] = partition(sub, '-');
    const v = m(name);
    return { value: v === undefined ? def : v, applied: true };
};
const requiredNonEmpty: SubstFn = (sub, m) => {
    if (!sub.includes(':?')) return { value: '', applied: false };
    const [name, msg] = partition(sub, ':?');
    const v = m(name);
    if (v === undefined || v === '') return { value: '', applied: true, error: new InvalidTemplateError(`required variable ${name} is missing a value: ${msg}`) };
    return { value: v, applied: true };
};
const required: SubstFn = (sub, m) => {
    if (!sub.includes('?')) return { value: '', applied: false };
    const [name, msg] = partition(sub, '?');
    const v = m(name);
    if (v === undefined) return { value: '', applied: true, error: new InvalidTemplateError(`required variable ${name} is missing a value: ${msg}`) };
    return { value: v, applied: true };
};
const FUNCS = [softDefault, hardDefault, requiredNonEmpty, required];

/** Substitute variables in one string exactly like template.Substitute (see quirks above). Never throws. */
export function substitute(template: string, mapping: Mapping): SubstituteResult {
    let err: InvalidTemplateError | undefined;
    let forgotten: InvalidTemplateError | undefined;
    const unset: string[] = [];
    const setErr = (e: InvalidTemplateError | undefined): void => {
        if (err && !e) forgotten = forgotten ?? err;
        err = e;
    };
    if (!template.includes('$')) return { value: template, unset };
    const value = template.replace(PATTERN, (_m, escaped: string | undefined, named: string | undefined, braced: string | undefined) => {
        if (escaped) return escaped;
        const sub = named || braced || '';
        if (sub === '') {
            setErr(new InvalidTemplateError(template));
            return '';
        }
        for (const f of FUNCS) {
            const r = f(sub, mapping, unset);
            setErr(r.error);
            if (r.error) return '';
            if (!r.applied) continue;
            return r.value;
        }
        const v = mapping(sub);
        if (v === undefined) unset.push(sub);
        return v ?? '';
    });
    const res: SubstituteResult = { value, unset };
    if (err) res.error = err;
    if (forgotten && !err) res.forgottenError = forgotten;
    return res;
}

// ---------------------------------------------------------------------------------------------
// casts (cli/compose/loader/interpolate.go)

type CastKind = 'int' | 'float' | 'bool';

const S = 'services';
const CAST_PATTERNS: [string[], CastKind][] = [
    [[S, '*', 'configs', '[]', 'mode'], 'int'],
    [[S, '*', 'secrets', '[]', 'mode'], 'int'],
    [[S, '*', 'healthcheck', 'retries'], 'int'],
    [[S, '*', 'healthcheck', 'disable'], 'bool'],
    [[S, '*', 'deploy', 'replicas'], 'int'],
    [[S, '*', 'deploy', 'update_config', 'parallelism'], 'int'],
    [[S, '*', 'deploy', 'update_config', 'max_failure_ratio'], 'float'],
    [[S, '*', 'deploy', 'rollback_config', 'parallelism'], 'int'],
    [[S, '*', 'deploy', 'rollback_config', 'max_failure_ratio'], 'float'],
    [[S, '*', 'deploy', 'restart_policy', 'max_attempts'], 'int'],
    [[S, '*', 'deploy', 'placement', 'max_replicas_per_node'], 'int'],
    [[S, '*', 'ports', '[]', 'target'], 'int'],
    [[S, '*', 'ports', '[]', 'published'], 'int'],
    [[S, '*', 'ulimits', '*'], 'int'],
    [[S, '*', 'ulimits', '*', 'hard'], 'int'],
    [[S, '*', 'ulimits', '*', 'soft'], 'int'],
    [[S, '*', 'privileged'], 'bool'],
    [[S, '*', 'read_only'], 'bool'],
    [[S, '*', 'stdin_open'], 'bool'],
    [[S, '*', 'tty'], 'bool'],
    [[S, '*', 'volumes', '[]', 'read_only'], 'bool'],
    [[S, '*', 'volumes', '[]', 'volume', 'nocopy'], 'bool'],
    [['networks', '*', 'external'], 'bool'],
    [['networks', '*', 'internal'], 'bool'],
    [['networks', '*', 'attachable'], 'bool'],
    [['volumes', '*', 'external'], 'bool'],
    [['secrets', '*', 'external'], 'bool'],
    [['configs', '*', 'external'], 'bool'],
    [[S, '*', 'oom_score_adj'], 'int'],
];

/** Which cast applies at an interpolation path (`[]` for list items, as in the CLI). */
export function castForPath(path: readonly string[]): CastKind | undefined {
    outer: for (const [pat, kind] of CAST_PATTERNS) {
        if (pat.length !== path.length) continue;
        for (let i = 0; i < pat.length; i++) {
            if (pat[i] === '*') {
                if (path[i] === '[]') continue outer;
                continue;
            }
            if (pat[i] !== path[i]) continue outer;
        }
        return kind;
    }
    return undefined;
}

/** Apply a cast with Go's parsers; throws Error(`failed to cast to expected type: …`). */
export function applyCast(kind: CastKind, v: string): number | boolean {
    switch (kind) {
        case 'int': {
            // strconv.Atoi: optional sign, decimal digits, int64 range
            if (/^[+-]?\d+$/.test(v)) {
                const b = BigInt(v);
                if (b <= 9223372036854775807n && b >= -9223372036854775808n) return Number(b);
                throw new Error(`failed to cast to expected type: strconv.Atoi: parsing ${JSON.stringify(v)}: value out of range`);
            }
            throw new Error(`failed to cast to expected type: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
        }
        case 'float': {
            if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
            if (/^[+-]?(inf|infinity)$/i.test(v)) return v.startsWith('-') ? -Infinity : Infinity;
            if (/^nan$/i.test(v)) return NaN;
            throw new Error(`failed to cast to expected type: strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
        }
        case 'bool': {
            switch (v.toLowerCase()) {
                case 'y':
                case 'yes':
                case 'true':
                case 'on':
                    return true;
                case 'n':
                case 'no':
                case 'false':
                case 'off':
                    return false;
            }
            throw new Error(`failed to cast to expected type: invalid boolean: ${v}`);
        }
    }
}

interface InterpolationIssue {
    /** real path (with indices) for locating */
    path: (string | number)[];
    severity: 'error' | 'warning' | 'info';
    code: string;
    message: string;
}

/** Go's %#v of a string (close enough: JSON escaping of a Go string literal). */
function goQuote(s: string): string {
    return JSON.stringify(s);
}

/**
 * Interpolate every string value of a raw compose mapping (keys untouched), applying the CLI's casts
 * only when substitution changed the string. Returns the new value and issues. Never throws.
 */
export function interpolateConfig(value: unknown, mapping: Mapping): { value: unknown; issues: InterpolationIssue[] } {
    const issues: InterpolationIssue[] = [];
    const unsetSeen = new Set<string>();
    const rec = (v: unknown, real: (string | number)[], dotted: string[]): unknown => {
        if (typeof v === 'string') {
            // No `$`: nothing to substitute, report or cast (most strings of a file).
            if (!v.includes('$')) return v;
            const r = substitute(v, mapping);
            const where = dotted.join('.');
            if (r.error) {
                const msg = r.error.template === v ? goQuote(v) : goQuote(r.error.template);
                issues.push({
                    path: real,
                    severity: 'error',
                    code: r.error.template === v ? 'interpolation-invalid' : 'interpolation-required',
                    message: `invalid interpolation format for ${where}: ${msg}; you may need to escape any $ with another $`,
                });
                return v;
            }
            if (r.forgottenError) {
                issues.push({
                    path: real,
                    severity: 'warning',
                    code: 'interpolation-error-forgotten',
                    message: `${r.forgottenError.template === v ? `invalid interpolation format ${goQuote(v)}` : r.forgottenError.template} in ${where}; docker stack deploy ignores this error because a later variable in the same string was substituted`,
                });
            }
            for (const u of r.unset) {
                if (unsetSeen.has(u)) continue;
                unsetSeen.add(u);
                issues.push({ path: real, severity: 'info', code: 'interpolation-unset', message: `variable ${u} is not set; substituting a blank string` });
            }
            if (r.value === v) return v;
            const cast = castForPath(dotted);
            if (!cast) return r.value;
            try {
                return applyCast(cast, r.value);
            } catch (e) {
                issues.push({ path: real, severity: 'error', code: 'interpolation-cast', message: (e as Error).message });
                return r.value;
            }
        }
        if (Array.isArray(v)) return v.map((x, i) => rec(x, [...real, i], [...dotted, '[]']));
        if (v && typeof v === 'object') {
            const out: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
                const value = rec(x, [...real, k], [...dotted, k]);
                if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
                else out[k] = value;
            }
            return out;
        }
        return v;
    };
    return { value: rec(value, [], []), issues };
}
