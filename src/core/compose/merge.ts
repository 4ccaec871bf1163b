/**
 * Multi-file merge with docker/cli's rules (`cli/compose/loader/merge.go`), on our raw model.
 *
 *  - top-level networks/volumes/secrets/configs (and x- keys): a later entry replaces the whole entry.
 *  - services with the same key are deep-merged, "later non-zero wins":
 *      scalars: a later non-zero value wins; false / 0 / "" / null cannot override (CLI quirk kept),
 *      except the *uint64 / pointer fields (replicas, parallelism, max_attempts, retries, init) which are
 *      replaced whenever set (so `replicas: 0` overrides).
 *      maps (environment, labels, deploy.labels, sysctls, networks, ulimits, logging options, …): key by key;
 *      list-form `list_or_dict` values are converted to maps first.
 *      command / entrypoint / healthcheck.test: replaced when the later one is non-empty.
 *      keyed lists (when the base service has the list): ports by published port, secrets/configs by source,
 *      volumes by target; converted to the long form the CLI uses, later entry wins, re-sorted by key
 *      (QUIRK kept: several unpublished ports collapse into one — reported as a warning by the loader).
 *      other lists: appended.
 *      logging: same or empty driver → options merged; a different driver → replaced.
 *      service networks: aliases replaced, ipv4/ipv6 replaced when non-empty.
 *      ulimits.<name>: the later non-zero entry replaces the whole entry.
 *  - merged services are sorted by name.
 */
import type { ServicePortConfig, ServiceVolumeConfig, FileReferenceConfig } from './types';
import { expandPortSpec, parseVolumeSpec } from './short-syntax';
import { hasOwnKey, ownValue } from '../user-keys';

type Obj = Record<string, unknown>;

export interface MergeNote {
    service: string;
    key: string;
    message: string;
}

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isZero(v: unknown): boolean {
    return v === undefined || v === null || v === false || v === 0 || v === '';
}

function setKey(o: Obj, k: string, v: unknown): void {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** list_or_dict → map (`k=v` → v, `k` → null for environment, "" for the others). */
export function listOrDictToMap(v: unknown, bareValue: null | ''): Obj {
    if (isObj(v)) return { ...v };
    const out: Obj = {};
    if (Array.isArray(v)) {
        for (const item of v) {
            const s = String(item);
            const i = s.indexOf('=');
            if (i >= 0) setKey(out, s.slice(0, i), s.slice(i + 1));
            else setKey(out, s, bareValue);
        }
    }
    return out;
}

function toList(v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

const POINTER_FIELDS = new Set(['deploy.replicas', 'deploy.update_config.parallelism', 'deploy.rollback_config.parallelism', 'deploy.restart_policy.max_attempts', 'healthcheck.retries', 'init']);
const REPLACE_WHEN_NONEMPTY = new Set(['command', 'entrypoint', 'healthcheck.test']);
const MAP_FIELDS_ENV = new Set(['environment']);
const MAP_FIELDS = new Set(['labels', 'deploy.labels', 'sysctls', 'build.args', 'build.labels']);
const STRING_OR_LIST = new Set(['dns', 'dns_search', 'env_file', 'tmpfs']);

function portsToLong(list: unknown[]): ServicePortConfig[] {
    const out: ServicePortConfig[] = [];
    for (const p of list) {
        if (isObj(p)) out.push({ ...(p as ServicePortConfig) });
        else {
            try {
                out.push(...expandPortSpec(String(p)).ports);
            } catch {
                /* schema already reported it */
            }
        }
    }
    return out;
}

function volumesToLong(list: unknown[]): ServiceVolumeConfig[] {
    const out: ServiceVolumeConfig[] = [];
    for (const v of list) {
        if (isObj(v)) out.push({ ...(v as unknown as ServiceVolumeConfig) });
        else {
            try {
                out.push(parseVolumeSpec(String(v)));
            } catch {
                /* reported elsewhere */
            }
        }
    }
    return out;
}

function refsToLong(list: unknown[]): FileReferenceConfig[] {
    return list.map((v) => (isObj(v) ? { ...v } : { source: String(v) }));
}

function keyedMerge<T>(base: T[], over: T[], key: (t: T) => string | number, numeric: boolean): { list: T[]; collapsed: number } {
    const m = new Map<string | number, T>();
    let collapsed = 0;
    for (const t of [...base, ...over]) {
        const k = key(t);
        if (m.has(k) && k === 0 && numeric) collapsed++;
        m.set(k, t);
    }
    const keys = [...m.keys()].sort((a, b) => (numeric ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    return { list: keys.map((k) => m.get(k) as T), collapsed };
}

function mergeServiceNetworks(base: unknown, over: unknown): Obj {
    const toMap = (v: unknown): Obj => {
        if (Array.isArray(v)) {
            const o: Obj = {};
            for (const n of v) setKey(o, String(n), null);
            return o;
        }
        return isObj(v) ? { ...v } : {};
    };
    const b = toMap(base);
    const o = toMap(over);
    for (const [k, ov] of Object.entries(o)) {
        const bv = ownValue(b, k);
        if (!isObj(bv) || !isObj(ov)) {
            if (ov !== null || !hasOwnKey(b, k)) setKey(b, k, ov);
            continue;
        }
        const r: Obj = { ...bv };
        if (ov.aliases !== undefined && Array.isArray(ov.aliases) && ov.aliases.length > 0) r.aliases = ov.aliases;
        if (!isZero(ov.ipv4_address)) r.ipv4_address = ov.ipv4_address;
        if (!isZero(ov.ipv6_address)) r.ipv6_address = ov.ipv6_address;
        if (isObj(ov.driver_opts)) r.driver_opts = { ...(isObj(bv.driver_opts) ? bv.driver_opts : {}), ...ov.driver_opts };
        setKey(b, k, r);
    }
    return b;
}

function mergeGeneric(base: unknown, over: unknown, path: string, notes: MergeNote[], service: string): unknown {
    if (over === undefined) return base;
    if (base === undefined || base === null) return over;
    if (POINTER_FIELDS.has(path)) return over === null ? base : over;
    if (REPLACE_WHEN_NONEMPTY.has(path)) {
        const empty = over === null || over === '' || (Array.isArray(over) && over.length === 0);
        return empty ? base : over;
    }
    if (MAP_FIELDS_ENV.has(path)) return { ...listOrDictToMap(base, null), ...listOrDictToMap(over, null) };
    if (MAP_FIELDS.has(path)) return { ...listOrDictToMap(base, ''), ...listOrDictToMap(over, '') };
    if (path === 'resolvedEnvironment' && isObj(base) && isObj(over)) {
        const r: Obj = { ...base };
        for (const [k, v] of Object.entries(over)) if (v !== null || !hasOwnKey(r, k)) setKey(r, k, v);
        return r;
    }
    if (STRING_OR_LIST.has(path)) return [...toList(base), ...toList(over)];
    if (path === 'networks') return mergeServiceNetworks(base, over);
    if (path === 'logging' && isObj(base) && isObj(over)) {
        const bd = base.driver;
        const od = over.driver;
        if (isZero(od) || od === bd) {
            const r: Obj = { ...base };
            if (isObj(over.options) || isObj(base.options)) r.options = { ...(isObj(base.options) ? base.options : {}), ...(isObj(over.options) ? over.options : {}) };
            return r;
        }
        return { ...over };
    }
    if (path === 'ulimits' && isObj(base) && isObj(over)) {
        const r: Obj = { ...base };
        for (const [k, v] of Object.entries(over)) if (!isZero(v)) setKey(r, k, v);
        return r;
    }
    if (Array.isArray(base) && Array.isArray(over)) return [...(base as unknown[]), ...(over as unknown[])];
    if (isObj(base) && isObj(over)) {
        const r: Obj = { ...base };
        for (const [k, v] of Object.entries(over)) setKey(r, k, mergeGeneric(ownValue(base, k), v, path ? `${path}.${k}` : k, notes, service));
        return r;
    }
    if (isObj(base) || Array.isArray(base) || isObj(over) || Array.isArray(over)) return isZero(over) ? base : over;
    return isZero(over) ? base : over;
}

/** Merge one service (present in both files). */
function mergeService(name: string, base: Obj, over: Obj, notes: MergeNote[]): Obj {
    const r: Obj = {};
    const keys = new Set([...Object.keys(base), ...Object.keys(over)]);
    for (const k of keys) {
        const b = base[k];
        const o = over[k];
        if (k === 'ports' && Array.isArray(b)) {
            const res = keyedMerge(portsToLong(b), portsToLong(toList(o)), (p) => p.published ?? 0, true);
            if (res.collapsed > 0) notes.push({ service: name, key: 'ports', message: `merging files collapses ${res.collapsed + 1} ports without a published port into one (docker stack deploy behaviour); publish them or declare them in one file` });
            setKey(r, k, res.list);
        } else if (k === 'volumes' && Array.isArray(b)) {
            setKey(r, k, keyedMerge(volumesToLong(b), volumesToLong(toList(o)), (v) => v.target ?? '', false).list);
        } else if ((k === 'secrets' || k === 'configs') && Array.isArray(b)) {
            setKey(r, k, keyedMerge(refsToLong(b), refsToLong(toList(o)), (v) => v.source ?? '', false).list);
        } else {
            const v = mergeGeneric(b, o, k, notes, name);
            if (v !== undefined) setKey(r, k, v);
        }
    }
    return r;
}

/** Merge raw configs left to right. */
export function mergeConfigs(configs: Obj[], notes: MergeNote[] = []): Obj {
    if (configs.length === 0) return {};
    const result: Obj = { ...configs[0] };
    for (let i = 1; i < configs.length; i++) {
        const over = configs[i];
        for (const [k, v] of Object.entries(over)) {
            if (k === 'services') {
                const bs = isObj(result.services) ? { ...result.services } : {};
                const os = isObj(v) ? v : {};
                for (const [sn, sv] of Object.entries(os)) {
                    const b = ownValue(bs, sn);
                    setKey(bs, sn, isObj(b) && isObj(sv) ? mergeService(sn, b, sv, notes) : sv ?? b);
                }
                result.services = bs;
            } else if (k === 'version') {
                continue;
            } else if (['networks', 'volumes', 'secrets', 'configs'].includes(k)) {
                const b = isObj(result[k]) ? { ...result[k] } : {};
                if (isObj(v)) for (const [ek, ev] of Object.entries(v)) setKey(b, ek, ev);
                setKey(result, k, b);
            } else {
                setKey(result, k, v);
            }
        }
    }
    if (isObj(result.services)) {
        const sorted: Obj = {};
        for (const k of Object.keys(result.services).sort()) setKey(sorted, k, result.services[k]);
        result.services = sorted;
    }
    return result;
}
