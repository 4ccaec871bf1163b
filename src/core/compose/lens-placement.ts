/**
 * Where the compose CodeLens and the editor-side checks go in a compose file's text: the `services:` key and,
 * per service, its key, its `image:` and its declared `deploy.replicas`. Pure (no IO, no `vscode`): the caller
 * decides what a build context means on disk.
 *
 * The editor's lenses read the light scan of the same text first (lens-scan.ts), and this parse only where the
 * scan gives up.
 *
 * Decisions:
 *  - Read from the loader's parse (yaml-source.ts `ParsedYaml.document`, ranges kept), so that the editor parses a
 *    document version once for its lenses and its diagnostics. Broken YAML never throws: the parser's
 *    best-effort document is used, so lenses stay on the services it could still read while a line is half typed.
 *  - Scalars mean what the loader makes of them (go-yaml v3 plain-scalar rules, `resolvePlainScalar`).
 *  - Merge keys (`<<: *defaults`, `<<: [*a, *b]`) and aliases are followed for the values (image, replicas, mode,
 *    build); own keys win over merged ones, an earlier merge source over a later one (YAML 1.1 merge, shallow).
 *    Lines (`imageLine`, `replicasLine`) are only given for keys written in the service itself: a lens on an
 *    anchor elsewhere in the file would be misleading.
 *  - A duplicated service key keeps its first occurrence (the loader reports the duplicate).
 *  - Values are as written (no interpolation): `replicas` is a number only when written as an integer
 *    (or a string of digits); `image` is the string as written, `${TAG}` included.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YNode, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Range } from '../diagnostics';
import { asInteger } from './lens-scan';
import { parseYamlSource, pathKey, resolvePlainScalar, type ParsedYaml, type PathSeg, type SourceLoc } from './yaml-source';

export interface ServicePlacement {
    /** The service key (`web`); the engine name is `<stack>_<key>`. */
    key: string;
    /** 0-based line of the service's key. */
    keyLine: number;
    /** Range of the service's key. */
    keyRange: Range;
    /** The image as written (through merge keys), if it is a scalar. */
    image?: string;
    /** 0-based line of the service's own `image:` key. */
    imageLine?: number;
    /** Range of the service's own `image:` value. */
    imageRange?: Range;
    /** `deploy.replicas` as declared, when it is an integer. */
    replicas?: number;
    /** 0-based line of the service's own `deploy.replicas` key. */
    replicasLine?: number;
    /** Range of the own `deploy.replicas` value. */
    replicasRange?: Range;
    /** `deploy.mode` as written (`global`, `replicated`, …). */
    mode?: string;
    /** The `build` context (`build: ./app` or `build.context`; `.` for a `build` mapping without one). */
    buildContextHint?: string;
    /** `build.dockerfile`, when given. */
    dockerfileHint?: string;
}

export interface ComposePlacement {
    /** 0-based line of the top-level `services:` key; undefined when there is none. */
    servicesLine?: number;
    servicesRange?: Range;
    services: ServicePlacement[];
    /** True when the parser reported errors: the placement is what it could recover. */
    partial: boolean;
}

const EMPTY: ComposePlacement = { services: [], partial: false };

/** Placement of the lenses for one compose file's text. Never throws. */
export function placeComposeLenses(text: string): ComposePlacement {
    return placeParsedCompose(parseYamlSource('', text));
}

/** Placement of the lenses on an already parsed compose file (the loader's parse of the same text). Never throws. */
export function placeParsedCompose(parsed: ParsedYaml): ComposePlacement {
    return (parsed.ok ? placeFromValue(parsed) : undefined) ?? placeFromDocument(parsed);
}

/** The placement read from the parser's nodes (what placeFromValue must equal where it answers). Never throws. */
export function placeFromDocument(parsed: ParsedYaml): ComposePlacement {
    if (!parsed.document) return { ...EMPTY, partial: !parsed.ok };
    try {
        return place(parsed.document, parsed);
    } catch {
        return { ...EMPTY, partial: true };
    }
}

function place(doc: Document.Parsed, parsed: ParsedYaml): ComposePlacement {
    const partial = doc.errors.length > 0;
    const rangeOf = (node: YNode | null | undefined): Range | undefined => {
        const r = node?.range;
        if (!r) return undefined;
        return parsed.source.range([r[0], Math.max(r[0], r[1])]);
    };

    const root = resolve(doc, doc.contents);
    if (!isMap(root)) return { services: [], partial };
    const servicesPair = ownPair(root, 'services');
    if (!servicesPair) return { services: [], partial };
    const servicesRange = rangeOf(servicesPair.key as YNode);
    const result: ComposePlacement = { services: [], partial };
    if (servicesRange) {
        result.servicesLine = servicesRange.start.line;
        result.servicesRange = servicesRange;
    }
    const services = resolve(doc, servicesPair.value as YNode);
    if (!isMap(services)) return result;

    const seen = new Set<string>();
    for (const pair of services.items) {
        if (!isPair(pair)) continue;
        const key = scalarKey(pair);
        if (key === undefined || key === '<<' || seen.has(key)) continue;
        const keyNode = pair.key as YNode;
        seen.add(key);
        const keyRange = rangeOf(keyNode);
        if (!keyRange) continue;
        const svc: ServicePlacement = { key, keyLine: keyRange.start.line, keyRange };
        const body = resolve(doc, pair.value as YNode);
        // `web: *defaults`: every line of the body is the anchor's, elsewhere in the file.
        const bodyOwn = !isAlias(pair.value);
        if (isMap(body)) {
            const image = lookup(doc, body, 'image');
            const imageValue = scalarValue(image?.value);
            if (image && imageValue !== null && imageValue !== undefined) {
                svc.image = String(imageValue);
                if (bodyOwn && image.own) {
                    const r = rangeOf(image.pair.value as YNode);
                    const k = rangeOf(image.pair.key as YNode);
                    if (k) svc.imageLine = k.start.line;
                    if (r) svc.imageRange = r;
                }
            }
            const deploy = lookup(doc, body, 'deploy');
            if (deploy && isMap(deploy.value)) {
                const replicas = lookup(doc, deploy.value, 'replicas');
                const n = asInteger(scalarValue(replicas?.value));
                if (replicas && n !== undefined) {
                    svc.replicas = n;
                    if (bodyOwn && deploy.own && !isAlias(deploy.pair.value) && replicas.own) {
                        const k = rangeOf(replicas.pair.key as YNode);
                        const r = rangeOf(replicas.pair.value as YNode);
                        if (k) svc.replicasLine = k.start.line;
                        if (r) svc.replicasRange = r;
                    }
                }
                const mode = scalarValue(lookup(doc, deploy.value, 'mode')?.value);
                if (typeof mode === 'string') svc.mode = mode;
            }
            const build = lookup(doc, body, 'build');
            if (build) {
                const context = scalarValue(build.value);
                if (context !== null && context !== undefined) {
                    svc.buildContextHint = String(context);
                } else if (isMap(build.value)) {
                    const nested = scalarValue(lookup(doc, build.value, 'context')?.value);
                    svc.buildContextHint = nested !== null && nested !== undefined ? String(nested) : '.';
                    const dockerfile = scalarValue(lookup(doc, build.value, 'dockerfile')?.value);
                    if (dockerfile !== null && dockerfile !== undefined) svc.dockerfileHint = String(dockerfile);
                }
            }
        }
        result.services.push(svc);
    }
    return result;
}

/**
 * The placement read from a good parse's value and source map, without the parser's nodes (which the block reader
 * does not make). The source map locates exactly the keys written in the file's own mappings, not what an alias or
 * a merge key brings in (yaml-source.ts), which is what the placement calls a service's own lines. Undefined where
 * only the nodes tell: `services` written as an alias, or keyed by one.
 */
function placeFromValue(parsed: ParsedYaml): ComposePlacement | undefined {
    const source = parsed.source;
    const locOf = (path: PathSeg[]): SourceLoc | undefined => source.locs.get(pathKey(path));
    const rangeAt = (path: PathSeg[], part: 'key' | 'value'): Range | undefined => {
        const loc = locOf(path);
        const span = loc && (part === 'key' ? loc.key : loc.value);
        return span && source.range(span);
    };
    const isAliasAt = (span: [number, number] | undefined): boolean => span !== undefined && source.text.charCodeAt(span[0]) === 0x2a; // `*`
    const root = parsed.value;
    const servicesLoc = locOf(['services']);
    if (!isRecord(root) || !servicesLoc) return { ...EMPTY };
    if (isAliasAt(servicesLoc.key) || isAliasAt(servicesLoc.value)) return undefined;
    const result: ComposePlacement = { services: [], partial: false };
    const servicesRange = rangeAt(['services'], 'key');
    if (servicesRange) {
        result.servicesLine = servicesRange.start.line;
        result.servicesRange = servicesRange;
    }
    const services = root.services;
    if (!isRecord(services)) return result;
    // In the order written (an object lists integer-like keys first).
    const keyAt = (key: string): number => locOf(['services', key])?.key?.[0] ?? 0;
    for (const key of Object.keys(services).sort((a, b) => keyAt(a) - keyAt(b))) {
        // Services a merge key brings are not written here; `"<<"` and alias keys are not services to the nodes' reading.
        const keySpan = locOf(['services', key])?.key;
        if (!keySpan || key === '<<' || isAliasAt(keySpan)) continue;
        const keyRange = source.range(keySpan);
        const svc: ServicePlacement = { key, keyLine: keyRange.start.line, keyRange };
        const body = services[key];
        if (isRecord(body)) {
            const own = (name: string): boolean => Object.prototype.hasOwnProperty.call(body, name);
            const image = body.image;
            if (own('image') && isScalarValue(image)) {
                // Lines only for a key the service itself writes (located), as for every value below.
                svc.image = String(image);
                const k = rangeAt(['services', key, 'image'], 'key');
                const r = rangeAt(['services', key, 'image'], 'value');
                if (k) svc.imageLine = k.start.line;
                if (r) svc.imageRange = r;
            }
            const deploy = body.deploy;
            if (own('deploy') && isRecord(deploy)) {
                const n = Object.prototype.hasOwnProperty.call(deploy, 'replicas') ? asInteger(deploy.replicas) : undefined;
                if (n !== undefined) {
                    svc.replicas = n;
                    const k = rangeAt(['services', key, 'deploy', 'replicas'], 'key');
                    const r = rangeAt(['services', key, 'deploy', 'replicas'], 'value');
                    if (k) svc.replicasLine = k.start.line;
                    if (r) svc.replicasRange = r;
                }
                if (Object.prototype.hasOwnProperty.call(deploy, 'mode') && typeof deploy.mode === 'string') svc.mode = deploy.mode;
            }
            const build = body.build;
            if (own('build')) {
                if (isScalarValue(build)) {
                    svc.buildContextHint = String(build);
                } else if (isRecord(build)) {
                    const context = Object.prototype.hasOwnProperty.call(build, 'context') ? build.context : undefined;
                    svc.buildContextHint = isScalarValue(context) ? String(context) : '.';
                    const dockerfile = Object.prototype.hasOwnProperty.call(build, 'dockerfile') ? build.dockerfile : undefined;
                    if (isScalarValue(dockerfile)) svc.dockerfileHint = String(dockerfile);
                }
            }
        }
        result.services.push(svc);
    }
    return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A scalar other than null (what the parser's placement reads as a value). */
function isScalarValue(value: unknown): boolean {
    return value !== null && value !== undefined && typeof value !== 'object';
}

/** A scalar's value as the loader reads it (plain scalars by go-yaml's rules, quoted ones as strings); undefined for other nodes. */
function scalarValue(node: YNode | undefined): unknown {
    if (!isScalar(node)) return undefined;
    const scalar = node as Scalar;
    const raw = scalar.value;
    const text = raw === null || raw === undefined ? '' : String(raw);
    return scalar.type === 'PLAIN' || scalar.type === undefined ? resolvePlainScalar(text) : text;
}

/** Follows aliases (bounded, cycles end as undefined). */
function resolve(doc: Document, node: YNode | null | undefined, depth = 0): YNode | undefined {
    if (node === null || node === undefined || depth > 32) return undefined;
    if (isAlias(node)) {
        const target = node.resolve(doc);
        return resolve(doc, target as YNode | undefined, depth + 1);
    }
    return node;
}

function scalarKey(pair: Pair): string | undefined {
    const k = pair.key as YNode | null;
    if (!isScalar(k) || k.value === null || k.value === undefined) return undefined;
    // With `merge: true` the parser turns a plain `<<` key into a Symbol('<<').
    if (typeof k.value === 'symbol') return k.value.description;
    return String(k.value);
}

/** The first pair written in the mapping itself with that key. */
function ownPair(map: YAMLMap, key: string): Pair | undefined {
    for (const item of map.items) {
        if (isPair(item) && scalarKey(item) === key) return item;
    }
    return undefined;
}

interface Found {
    pair: Pair;
    value: YNode | undefined;
    /** Written in the mapping itself (not brought in by a merge key). */
    own: boolean;
}

/** A key of a mapping, own keys first, then merge sources in order (shallow, as YAML merge is). */
function lookup(doc: Document, map: YAMLMap, key: string, depth = 0): Found | undefined {
    const own = ownPair(map, key);
    if (own) return { pair: own, value: resolve(doc, own.value as YNode), own: depth === 0 };
    if (depth > 8) return undefined;
    for (const item of map.items) {
        if (!isPair(item) || scalarKey(item) !== '<<') continue;
        const source = resolve(doc, item.value as YNode);
        const sources = isSeq(source) ? source.items.map((s) => resolve(doc, s as YNode)) : [source];
        for (const s of sources) {
            if (!isMap(s)) continue;
            const found = lookup(doc, s, key, depth + 1);
            if (found) return { ...found, own: false };
        }
    }
    return undefined;
}
