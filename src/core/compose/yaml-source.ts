/**
 * YAML → plain JS with the value semantics of go-yaml v3 decoding into `interface{}` (what the docker
 * CLI does), plus a source map from value paths to ranges.
 *
 * Decisions (each mirrors go-yaml v3 `resolve.go` unless said otherwise):
 *  - plain `true/True/TRUE/false/False/FALSE` are booleans; `yes/no/on/off` stay strings (YAML 1.2).
 *  - `~`, `null`, `Null`, `NULL` and empty plain scalars are null.
 *  - integers are read with Go `ParseInt(s, 0, 64)` after removing `_`: `0440` is octal (288), `0o17`, `0x1f`,
 *    `0b101` work; `08` is not an int but matches the float pattern → 8.
 *  - quoted and block scalars are always strings; an explicit `!!str` tag forces a string.
 *  - merge keys `<<` are honoured (explicit keys win), as go-yaml v3 does.
 *  - duplicate keys are an error (`mapping key "x" already defined at line N`), as in go-yaml v3.
 *  - only the first YAML document is used (go-yaml `Unmarshal`); later documents give a warning.
 * Safety limits (not in the CLI): nesting depth, total node count, alias expansion count, keys per mapping.
 */
import { LineCounter, parseAllDocuments, isAlias, isMap, isScalar, isSeq, isPair, type Document, type Node as YNode, Scalar, type YAMLError } from 'yaml';
import type { Diagnostic, Range, Severity } from '../diagnostics';
import { resolvePlainScalar } from './plain-scalar';

export { resolvePlainScalar };

export type PathSeg = string | number;

/** Source location of one value: the key (for mapping entries) and the value node, as offsets. */
export interface SourceLoc {
    key?: [number, number];
    value: [number, number];
}

export interface Limits {
    maxDepth: number;
    maxNodes: number;
    maxAliasNodes: number;
    maxKeysPerMapping: number;
}

export const DEFAULT_LIMITS: Limits = {
    maxDepth: 64,
    maxNodes: 1_000_000,
    maxAliasNodes: 50_000,
    maxKeysPerMapping: 10_000,
};

export function pathKey(path: readonly PathSeg[]): string {
    return path.join('\u0001');
}

export class SourceFile {
    readonly lineCounter = new LineCounter();
    readonly locs = new Map<string, SourceLoc>();
    constructor(
        readonly file: string,
        readonly text: string,
    ) {}

    /** 0-based position of an offset. */
    pos(offset: number): { line: number; character: number } {
        const p = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
        return { line: p.line - 1, character: p.col - 1 };
    }

    range(span: [number, number]): Range {
        return { start: this.pos(span[0]), end: this.pos(Math.max(span[0], span[1])) };
    }

    /** Range of the key (preferred when `preferKey`) or value at `path`; falls back to the nearest located parent. */
    locate(path: readonly PathSeg[], preferKey = true): Range {
        for (let n = path.length; n >= 0; n--) {
            const loc = this.locs.get(pathKey(path.slice(0, n)));
            if (loc) {
                const span = (preferKey || n < path.length) && loc.key ? loc.key : loc.value;
                return this.range(span);
            }
        }
        return this.range([0, 0]);
    }

    has(path: readonly PathSeg[]): boolean {
        return this.locs.has(pathKey(path));
    }

    diag(path: readonly PathSeg[], severity: Severity, code: string, message: string, preferKey = true): Diagnostic {
        return { file: this.file, range: this.locate(path, preferKey), severity, message, code };
    }

    diagAt(span: [number, number], severity: Severity, code: string, message: string): Diagnostic {
        return { file: this.file, range: this.range(span), severity, message, code };
    }
}

export interface ParsedYaml {
    source: SourceFile;
    /** undefined when the YAML could not be parsed */
    value: unknown;
    ok: boolean;
    diagnostics: Diagnostic[];
    /**
     * The parser's first document (failsafe schema: scalars as written), also when it has errors, for readers that
     * work on what could be recovered (lens placement). Undefined when the text was refused before parsing.
     */
    document?: Document.Parsed;
}

/**
 * Offset of the first `[` or `{` that opens a flow collection deeper than `maxDepth`, or undefined.
 * Quoted scalars and comments are skipped; an approximation of YAML's lexer that is exact for
 * anything a compose file holds, and errs only towards parsing normally.
 */
export function flowNestingBeyond(text: string, maxDepth: number): number | undefined {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote) {
            if (c === quote) {
                if (quote === "'" && text[i + 1] === "'") i++;
                else quote = undefined;
            } else if (c === '\\' && quote === '"') {
                i++;
            }
            continue;
        }
        if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
            const end = text.indexOf('\n', i);
            if (end === -1) break;
            i = end;
        } else if ((c === '"' || c === "'") && opensScalar(text, i)) {
            quote = c;
        } else if (c === '[' || c === '{') {
            if (++depth > maxDepth) return i;
        } else if ((c === ']' || c === '}') && depth > 0) {
            depth--;
        }
    }
    return undefined;
}

/** A quote opens a quoted scalar only where a value can start (not inside a plain scalar like `it's`). */
function opensScalar(text: string, at: number): boolean {
    let j = at - 1;
    while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
    return j < 0 || ':-?[{,\n\r'.includes(text[j]);
}

class LimitError extends Error {
    constructor(
        message: string,
        readonly code: string,
        readonly span: [number, number],
    ) {
        super(message);
    }
}

function nodeSpan(n: YNode | null | undefined): [number, number] {
    const r = n && (n as { range?: [number, number, number] | null }).range;
    return r ? [r[0], r[1]] : [0, 0];
}

/** Parse YAML text. Never throws. */
export function parseYamlSource(file: string, text: string, limits: Limits = DEFAULT_LIMITS): ParsedYaml {
    const source = new SourceFile(file, text);
    const diagnostics: Diagnostic[] = [];
    let docs: Document.Parsed[];
    // The parser recurses per flow level: tens of thousands of `[` overflow its stack before the
    // depth limit below could apply, so such nesting is refused before parsing.
    const deepAt = flowNestingBeyond(text, limits.maxDepth);
    if (deepAt !== undefined) {
        // The parser fills the line counter as it reads; here it did not read, so fill it directly.
        source.lineCounter.addNewLine(0);
        for (let i = text.indexOf('\n'); i !== -1 && i < deepAt; i = text.indexOf('\n', i + 1)) source.lineCounter.addNewLine(i + 1);
        diagnostics.push(source.diagAt([deepAt, deepAt + 1], 'error', 'limit-depth', `document nesting depth exceeds ${limits.maxDepth}`));
        return { source, value: undefined, ok: false, diagnostics };
    }
    try {
        docs = parseAllDocuments(text, {
            lineCounter: source.lineCounter,
            uniqueKeys: false,
            schema: 'failsafe',
            keepSourceTokens: false,
            prettyErrors: false,
            strict: false,
        }) as Document.Parsed[];
        if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
    } catch (e) {
        diagnostics.push(source.diagAt([0, 0], 'error', 'yaml-syntax', `yaml: ${(e as Error).message}`));
        return { source, value: undefined, ok: false, diagnostics };
    }
    if (docs.length === 0) return { source, value: null, ok: true, diagnostics };
    const doc = docs[0];
    if (doc.errors.length > 0) {
        diagnostics.push(...syntaxDiagnostics(source, doc.errors));
        return { source, value: undefined, ok: false, diagnostics, document: doc };
    }
    for (let i = 1; i < docs.length; i++) {
        const d = docs[i];
        if (d.errors.length > 0 || d.contents !== null) {
            diagnostics.push(source.diagAt(nodeSpan(d.contents as YNode), 'warning', 'yaml-multi-document', 'only the first YAML document is used; later documents are ignored'));
            break;
        }
    }
    let nodes = 0;
    let aliasNodes = 0;
    // Alias.resolve() searches the whole document; cache it (alias bombs would otherwise be quadratic)
    const aliasCache = new Map<unknown, YNode | undefined>();
    const resolveAlias = (a: { resolve(d: Document.Parsed): unknown }): YNode | undefined => {
        if (!aliasCache.has(a)) aliasCache.set(a, a.resolve(doc) as YNode | undefined);
        return aliasCache.get(a);
    };
    // `at` is the pathKey of the node's path (built one segment at a time: the walk visits every node of the file).
    const childKey = (at: string, depth: number, segment: PathSeg): string => (depth === 0 ? String(segment) : `${at}\u0001${segment}`);
    const walk = (node: unknown, at: string, depth: number, viaAlias: number): unknown => {
        if (++nodes > limits.maxNodes) throw new LimitError(`document has more than ${limits.maxNodes} nodes`, 'limit-nodes', nodeSpan(node as YNode));
        if (viaAlias > 0 && ++aliasNodes > limits.maxAliasNodes) {
            throw new LimitError(`excessive aliasing: alias expansion exceeds ${limits.maxAliasNodes} nodes (possible alias bomb)`, 'yaml-alias-bomb', nodeSpan(node as YNode));
        }
        if (depth > limits.maxDepth) throw new LimitError(`document nesting depth exceeds ${limits.maxDepth}`, 'limit-depth', nodeSpan(node as YNode));
        if (node === null || node === undefined) return null;
        if (isAlias(node)) {
            const target = resolveAlias(node);
            if (!target) throw new LimitError(`unknown anchor '${node.source}' referenced`, 'yaml-syntax', nodeSpan(node));
            return walk(target, at, depth, viaAlias + 1);
        }
        if (isScalar(node)) {
            const sc = node as Scalar;
            const raw = sc.value;
            const str = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : String(raw);
            const tag = sc.tag;
            if (tag === 'tag:yaml.org,2002:str') return str;
            if (sc.type === 'PLAIN' || sc.type === undefined) {
                const v = resolvePlainScalar(str);
                if (tag === 'tag:yaml.org,2002:int' && typeof v !== 'number') return str;
                return v;
            }
            if (tag === 'tag:yaml.org,2002:int' || tag === 'tag:yaml.org,2002:float' || tag === 'tag:yaml.org,2002:bool' || tag === 'tag:yaml.org,2002:null') {
                return resolvePlainScalar(str);
            }
            return str;
        }
        if (isSeq(node)) {
            const out: unknown[] = [];
            node.items.forEach((item, i) => {
                const p = childKey(at, depth, i);
                // nodes reached through an alias are not recorded: locate() falls back to the alias' own key
                if (viaAlias === 0) source.locs.set(p, { value: nodeSpan(item as YNode) });
                out.push(walk(item, p, depth + 1, viaAlias));
            });
            return out;
        }
        if (isMap(node)) {
            // An ordinary object; keys are set as own data properties (`__proto__` included) and tested with hasOwn.
            const out: Record<string, unknown> = {};
            /** Offset of each key's first occurrence (its line is computed only for the duplicate-key error). */
            const seen = new Map<string, number>();
            const merges: unknown[] = [];
            if (node.items.length > limits.maxKeysPerMapping) {
                throw new LimitError(`mapping has more than ${limits.maxKeysPerMapping} keys`, 'limit-keys', nodeSpan(node));
            }
            for (const pair of node.items) {
                if (!isPair(pair)) continue;
                const k = pair.key as YNode | null;
                let key: string;
                if (k === null || k === undefined) key = '';
                else if (isScalar(k)) {
                    const kv = (k as Scalar).value;
                    key = kv === null || kv === undefined ? '' : String(kv);
                    if ((k as Scalar).type === 'PLAIN' && key === '<<') {
                        merges.push(pair.value);
                        continue;
                    }
                } else if (isAlias(k)) {
                    const t = resolveAlias(k);
                    key = t && isScalar(t) ? String((t as Scalar).value) : '';
                } else {
                    throw new LimitError('invalid map key: a mapping key must be a scalar', 'yaml-syntax', nodeSpan(k));
                }
                const kspan = nodeSpan(k);
                if (seen.has(key) && viaAlias === 0) {
                    throw new LimitError(`mapping key ${JSON.stringify(key)} already defined at line ${source.pos(seen.get(key)!).line + 1}`, 'yaml-duplicate-key', kspan);
                }
                seen.set(key, kspan[0]);
                const p = childKey(at, depth, key);
                if (viaAlias === 0) {
                    const vs = pair.value ? nodeSpan(pair.value as YNode) : ([kspan[1], kspan[1]] as [number, number]);
                    source.locs.set(p, { key: kspan, value: vs });
                }
                setOwn(out, key, walk(pair.value, p, depth + 1, viaAlias));
            }
            // merge keys: earlier merge sources win over later ones, explicit keys win over all.
            for (const m of merges) {
                const sources = isSeq(m) ? m.items : [m];
                for (const s of sources) {
                    const v = walk(s, at, depth, viaAlias + 1);
                    if (v && typeof v === 'object' && !Array.isArray(v)) {
                        for (const [mk, mv] of Object.entries(v)) if (!Object.prototype.hasOwnProperty.call(out, mk)) setOwn(out, mk, mv);
                    } else {
                        throw new LimitError('map merge requires map or sequence of maps as the value', 'yaml-syntax', nodeSpan(s as YNode));
                    }
                }
            }
            return out;
        }
        return null;
    };
    try {
        source.locs.set(pathKey([]), { value: nodeSpan(doc.contents as YNode) });
        const value = walk(doc.contents, '', 0, 0);
        return { source, value, ok: true, diagnostics, document: doc };
    } catch (e) {
        if (e instanceof LimitError) {
            diagnostics.push(source.diagAt(e.span, 'error', e.code, e.code.startsWith('yaml') ? `yaml: ${e.message}` : e.message));
        } else {
            diagnostics.push(source.diagAt([0, 0], 'error', 'yaml-syntax', `yaml: ${(e as Error).message}`));
        }
        return { source, value: undefined, ok: false, diagnostics, document: doc };
    }
}

/**
 * The parser's errors, each on the line the user must fix.
 * A key indented deeper than its siblings (`image: nginx` then `␣␣␣␣␣ports:`) continues the previous plain value
 * over two lines, and the parser reports that value's start, a line above the mistake, twice (a multi-line
 * implicit key, and a block mapping as an implicit key). go-yaml, and so docker, report the key's own line
 * ("mapping values are not allowed in this context"): so do we, once, on the key.
 */
function syntaxDiagnostics(source: SourceFile, errors: readonly YAMLError[]): Diagnostic[] {
    const text = source.text;
    const movedFrom = new Set<number>();
    const out: Diagnostic[] = [];
    for (const err of errors) {
        if (err.code !== 'MULTILINE_IMPLICIT_KEY') continue;
        const [start, end] = err.pos;
        const lastBreak = text.lastIndexOf('\n', end - 1);
        if (lastBreak < start) continue;
        let keyStart = lastBreak + 1;
        while (keyStart < end && (text[keyStart] === ' ' || text[keyStart] === '\t')) keyStart++;
        movedFrom.add(start);
        out.push(source.diagAt([keyStart, end], 'error', 'yaml-syntax', 'yaml: mapping values are not allowed in this context'));
    }
    for (const err of errors) {
        if (movedFrom.has(err.pos[0]) && (err.code === 'MULTILINE_IMPLICIT_KEY' || err.code === 'BLOCK_AS_IMPLICIT_KEY')) continue;
        out.push(source.diagAt([err.pos[0], err.pos[1]], 'error', 'yaml-syntax', `yaml: ${err.message.split('\n')[0]}`));
    }
    return out;
}

/** Sets an own data property; `__proto__` as a key would otherwise set the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
    else o[key] = value;
}
