/**
 * Where the compose CodeLens and the editor-side checks go in a compose file's text: the `services:` key and,
 * per service, its key, its `image:` and its declared `deploy.replicas`. Pure (no IO, no `vscode`): the caller
 * decides what a build context means on disk.
 *
 * Decisions:
 *  - Read from the one parse of the text (yaml-source.ts): its values and its source map, so that the editor's lenses,
 *    its diagnostics and `lint` read a document version once, and the same way. Broken YAML never throws: the values
 *    the parse could still recover are used, so lenses stay on the services it could read while a line is half typed.
 *  - Values are the loader's (go-yaml v3 plain-scalar rules), as written (no interpolation): `replicas` is a number
 *    only when written as an integer (or a string of digits); `image` is the string as written, `${TAG}` included.
 *  - Merge keys (`<<: *defaults`) and aliases give values (image, replicas, mode, build); own keys win over merged
 *    ones, as the loader reads them. Lines (`imageLine`, `replicasLine`) are only given for keys written in the
 *    service itself (what the source map locates): a lens on an anchor elsewhere in the file would be misleading. For
 *    the same reason services brought in by an alias (`services: *all`) or keyed by one get no lens.
 *  - A duplicated service key keeps its first occurrence (the loader reports the duplicate).
 */
import type { Range } from '../diagnostics';
import { parseYamlSource, pathKey, type ParsedYaml, type PathSeg, type SourceLoc } from './yaml-source';

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

/** Placement of the lenses for one compose file's text. Never throws. */
export function placeComposeLenses(text: string): ComposePlacement {
    return placeParsedCompose(parseYamlSource('', text));
}

/** One placement per parse: the editor's lenses and the lint of the same version share it. */
const placements = new WeakMap<ParsedYaml, ComposePlacement>();

/** Placement of the lenses on a parse of the compose file (the one the diagnostics read). Never throws. */
export function placeParsedCompose(parsed: ParsedYaml): ComposePlacement {
    let placement = placements.get(parsed);
    if (!placement) {
        placement = place(parsed.ok ? parsed.value : parsed.recovered, parsed);
        placements.set(parsed, placement);
    }
    return placement;
}

function place(root: unknown, parsed: ParsedYaml): ComposePlacement {
    const source = parsed.source;
    const partial = !parsed.ok;
    const locOf = (path: PathSeg[]): SourceLoc | undefined => source.locs.get(pathKey(path));
    const rangeAt = (path: PathSeg[], part: 'key' | 'value'): Range | undefined => {
        const loc = locOf(path);
        const span = loc && (part === 'key' ? loc.key : loc.value);
        return span && source.range(span);
    };
    const isAliasAt = (span: [number, number] | undefined): boolean => span !== undefined && source.text.charCodeAt(span[0]) === 0x2a; // `*`
    const servicesLoc = locOf(['services']);
    if (!isRecord(root) || !servicesLoc?.key) return { services: [], partial };
    const result: ComposePlacement = { services: [], partial };
    const servicesRange = source.range(servicesLoc.key);
    result.servicesLine = servicesRange.start.line;
    result.servicesRange = servicesRange;
    const services = root.services;
    if (!isRecord(services) || isAliasAt(servicesLoc.key) || isAliasAt(servicesLoc.value)) return result;
    // In the order written (an object lists integer-like keys first).
    const keyAt = (key: string): number => locOf(['services', key])?.key?.[0] ?? 0;
    for (const key of Object.keys(services).sort((a, b) => keyAt(a) - keyAt(b))) {
        // Services a merge key brings are not written here; alias keys are the anchor's.
        const keySpan = locOf(['services', key])?.key;
        if (!keySpan || isAliasAt(keySpan)) continue;
        const keyRange = source.range(keySpan);
        const svc: ServicePlacement = { key, keyLine: keyRange.start.line, keyRange };
        const body = services[key];
        if (isRecord(body)) {
            const image = ownValue(body, 'image');
            if (isScalarValue(image)) {
                // Lines only for a key the service itself writes (located), as for every value below.
                svc.image = String(image);
                const k = rangeAt(['services', key, 'image'], 'key');
                const r = rangeAt(['services', key, 'image'], 'value');
                if (k) svc.imageLine = k.start.line;
                if (r) svc.imageRange = r;
            }
            const deploy = ownValue(body, 'deploy');
            if (isRecord(deploy)) {
                const n = asInteger(ownValue(deploy, 'replicas'));
                if (n !== undefined) {
                    svc.replicas = n;
                    const k = rangeAt(['services', key, 'deploy', 'replicas'], 'key');
                    const r = rangeAt(['services', key, 'deploy', 'replicas'], 'value');
                    if (k) svc.replicasLine = k.start.line;
                    if (r) svc.replicasRange = r;
                }
                const mode = ownValue(deploy, 'mode');
                if (typeof mode === 'string') svc.mode = mode;
            }
            const build = ownValue(body, 'build');
            if (isScalarValue(build)) {
                svc.buildContextHint = String(build);
            } else if (isRecord(build)) {
                const context = ownValue(build, 'context');
                svc.buildContextHint = isScalarValue(context) ? String(context) : '.';
                const dockerfile = ownValue(build, 'dockerfile');
                if (isScalarValue(dockerfile)) svc.dockerfileHint = String(dockerfile);
            }
        }
        result.services.push(svc);
    }
    return result;
}

/** `deploy.replicas` as a count: an integer, or a string of digits (which the loader casts to one). */
export function asInteger(value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value);
    return undefined;
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
    return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A scalar other than null (what the parser's placement reads as a value). */
function isScalarValue(value: unknown): boolean {
    return value !== null && value !== undefined && typeof value !== 'object';
}
