/**
 * JSON-schema validation of a compose mapping with docker/cli's draft-04 schemas (ajv-draft-04), with
 * the CLI's formats (`duration`, `ports`, `expose`) and its error wording (`cli/compose/schema/schema.go`):
 *   `<dotted.path> Additional property <k> is not allowed`, `(root) ...`, `<path> must be a string`,
 *   `<path> Does not match format 'ports'`, `<path> must be a string, number or null`, ...
 *
 * The CLI reports only the single "most specific" error; we report every distinct leaf problem, using the
 * same selection rules per location (deepest path wins over its oneOf parents; within one location a
 * non-type error of the best oneOf branch wins over the branches' type errors; otherwise the first type error).
 */
import type { ErrorObject } from 'ajv';
import { SCHEMA_VERSIONS } from './schema/versions';
import { parseDurationBigInt, parseRational } from './values';
import { parsePortSpec } from './short-syntax';

interface SchemaIssue {
    /** instance path segments (list indices as numbers) */
    path: (string | number)[];
    /** locate the key (true) or the value (false) */
    onKey: boolean;
    keyword: string;
    message: string;
}

/** An Ajv standalone validator: the compiled schema, with Ajv's `errors` after a failed call. */
interface CompiledValidator {
    (data: unknown): boolean;
    errors?: ErrorObject[] | null;
}

type Format = { validate: (s: string) => boolean };

const compiled = new Map<string, CompiledValidator>();

function isPortsFormat(v: string): boolean {
    try {
        parsePortSpec(v);
        return true;
    } catch {
        return false;
    }
}

/** The CLI's ports/expose checker for numeric values: uses the numerator of the rational. */
export function isPortsFormatNumber(n: number): boolean {
    if (!Number.isFinite(n)) return false;
    const r = parseRational(String(n).replace(/^(-?\d+(?:\.\d+)?)e\+?(\d+)$/i, '$1e$2'));
    if (!r) return false;
    let [num, den] = r;
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
    const g = gcd(num, den);
    num /= g;
    den /= g;
    return isPortsFormat(num.toString());
}

/** The formats docker/cli registers for its schemas (`cli/compose/schema/schema.go`), by the names the schemas use. */
const FORMATS: Record<string, Format> = {
    duration: {
        validate: (s: string) => {
            try {
                parseDurationBigInt(s);
                return true;
            } catch {
                return false;
            }
        },
    },
    ports: { validate: isPortsFormat },
    expose: { validate: isPortsFormat },
};

/**
 * The validators are compiled at build time (scripts/generate-validators.mjs: Ajv standalone code, one module per
 * schema version), so nothing loads Ajv's compiler or compiles a schema at run time; each version's module is
 * required only when a file of that version is validated. Literal requires, so that the bundler sees each one.
 */
type ValidatorModule = { createValidator(formats: Record<string, Format>): CompiledValidator };

function loadValidatorModule(version: string): ValidatorModule | undefined {
    switch (version) {
        case '3.0': return require('./schema/validators/v3_0') as ValidatorModule;
        case '3.1': return require('./schema/validators/v3_1') as ValidatorModule;
        case '3.2': return require('./schema/validators/v3_2') as ValidatorModule;
        case '3.3': return require('./schema/validators/v3_3') as ValidatorModule;
        case '3.4': return require('./schema/validators/v3_4') as ValidatorModule;
        case '3.5': return require('./schema/validators/v3_5') as ValidatorModule;
        case '3.6': return require('./schema/validators/v3_6') as ValidatorModule;
        case '3.7': return require('./schema/validators/v3_7') as ValidatorModule;
        case '3.8': return require('./schema/validators/v3_8') as ValidatorModule;
        case '3.9': return require('./schema/validators/v3_9') as ValidatorModule;
        case '3.10': return require('./schema/validators/v3_10') as ValidatorModule;
        case '3.11': return require('./schema/validators/v3_11') as ValidatorModule;
        case '3.12': return require('./schema/validators/v3_12') as ValidatorModule;
        case '3.13': return require('./schema/validators/v3_13') as ValidatorModule;
        default: return undefined;
    }
}

/** Load the validator of a version ahead of its first use. */
export function preloadSchema(version = '3.13'): void {
    getValidator(version);
}

export function hasSchema(version: string): boolean {
    return SCHEMA_VERSIONS.includes(version);
}

function getValidator(version: string): CompiledValidator | undefined {
    let v = compiled.get(version);
    if (v) return v;
    v = loadValidatorModule(version)?.createValidator(FORMATS);
    if (v) compiled.set(version, v);
    return v;
}

function humanType(t: string | string[]): string {
    const one = (x: string): string => (x === 'object' ? 'mapping' : x === 'array' ? 'list' : x);
    if (Array.isArray(t)) {
        if (t.length === 1) return one(t[0]);
        const all = t.map(one);
        return `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
    }
    if (t.includes(',')) return humanType(t.split(','));
    return one(t);
}

function segs(instancePath: string): (string | number)[] {
    if (instancePath === '') return [];
    return instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldName(path: readonly (string | number)[]): string {
    return path.length === 0 ? '(root)' : path.join('.');
}

function describe(e: ErrorObject): { msg: string; extra: string[]; onKey: boolean } {
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
        case 'type':
            return { msg: `must be a ${humanType(p.type as string | string[])}`, extra: [], onKey: false };
        case 'additionalProperties':
            return { msg: `Additional property ${String(p.additionalProperty)} is not allowed`, extra: [String(p.additionalProperty)], onKey: true };
        case 'format':
            return { msg: `Does not match format '${String(p.format)}'`, extra: [], onKey: false };
        case 'enum':
            return {
                msg: `must be one of the following: ${((p.allowedValues as unknown[]) ?? []).map((x) => JSON.stringify(x)).join(', ')}`,
                extra: [],
                onKey: false,
            };
        case 'required':
            return { msg: `${String(p.missingProperty)} is required`, extra: [], onKey: true };
        case 'minimum':
            return { msg: `Must be greater than or equal to ${String(p.limit)}`, extra: [], onKey: false };
        case 'maximum':
            return { msg: `Must be less than or equal to ${String(p.limit)}`, extra: [], onKey: false };
        case 'uniqueItems':
            return { msg: `array items[${Math.min(Number(p.i), Number(p.j))},${Math.max(Number(p.i), Number(p.j))}] must be unique`, extra: [], onKey: false };
        case 'pattern':
            return { msg: `Does not match pattern '${String(p.pattern)}'`, extra: [], onKey: false };
        case 'minItems':
            return { msg: `Array must have at least ${String(p.limit)} items`, extra: [], onKey: false };
        case 'minProperties':
            return { msg: `Must have at least ${String(p.limit)} properties`, extra: [], onKey: false };
        case 'oneOf':
            return { msg: 'Must validate one and only one schema (oneOf)', extra: [], onKey: false };
        case 'anyOf':
            return { msg: 'Must validate at least one schema (anyOf)', extra: [], onKey: false };
        case 'not':
            return { msg: 'Must not validate the schema (not)', extra: [], onKey: false };
        default:
            return { msg: e.message ?? e.keyword, extra: [], onKey: false };
    }
}

/** Numeric `ports`/`expose` entries: ajv string formats do not see numbers; the CLI's checker does. */
function numericPortIssues(config: unknown): SchemaIssue[] {
    const out: SchemaIssue[] = [];
    const services = (config as { services?: unknown })?.services;
    if (!services || typeof services !== 'object' || Array.isArray(services)) return out;
    for (const [name, svc] of Object.entries(services as Record<string, unknown>)) {
        if (!svc || typeof svc !== 'object') continue;
        for (const key of ['ports', 'expose'] as const) {
            const list = (svc as Record<string, unknown>)[key];
            if (!Array.isArray(list)) continue;
            list.forEach((item, i) => {
                if (typeof item === 'number' && !isPortsFormatNumber(item)) {
                    out.push({ path: ['services', name, key, i], onKey: false, keyword: 'format', message: `services.${name}.${key}.${i} Does not match format '${key}'` });
                }
            });
        }
    }
    return out;
}

/**
 * Validate against the schema of `version` (must be a known version). Returns issues, [] when valid.
 */
export function validateSchema(config: unknown, version: string): SchemaIssue[] {
    const validate = getValidator(version);
    if (!validate) return [];
    const ok = validate(config);
    const issues: SchemaIssue[] = [];
    if (!ok && validate.errors) {
        const errs = validate.errors.map((e) => ({ e, path: segs(e.instancePath), key: e.instancePath }));
        const paths = errs.map((x) => x.key);
        const hasDeeper = (k: string): boolean => paths.some((p) => p.length > k.length && p.startsWith(k + '/'));
        // group by instance path
        const groups = new Map<string, typeof errs>();
        for (const x of errs) {
            const kw = x.e.keyword;
            // oneOf/anyOf parents and branch type mismatches are noise when a deeper error explains the problem
            if ((kw === 'oneOf' || kw === 'anyOf' || kw === 'type') && hasDeeper(x.key)) continue;
            let g = groups.get(x.key);
            if (!g) groups.set(x.key, (g = []));
            g.push(x);
        }
        for (const [, g] of groups) {
            const real = g.filter((x) => x.e.keyword !== 'oneOf' && x.e.keyword !== 'anyOf');
            const keyed = real.filter((x) => x.e.keyword === 'additionalProperties' || x.e.keyword === 'required');
            const nonType = real.filter((x) => x.e.keyword !== 'type');
            let picked: typeof g;
            if (keyed.length > 0) {
                picked = keyed;
            } else if (nonType.length > 0) {
                picked = [nonType[0]];
            } else if (real.length > 0) {
                picked = [real[0]];
            } else picked = [g[0]];
            const seen = new Set<string>();
            for (const x of picked) {
                const d = describe(x.e);
                const path = [...x.path, ...d.extra];
                const message = `${fieldName(x.path)} ${d.msg}`;
                if (seen.has(message)) continue;
                seen.add(message);
                issues.push({ path: path.map((s, i) => (i < x.path.length && /^\d+$/.test(String(s)) ? Number(s) : s)), onKey: d.onKey, keyword: x.e.keyword, message });
            }
        }
    }
    issues.push(...numericPortIssues(config));
    return issues;
}
