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
import { readBlockYaml, type BlockRead } from './yaml-block';

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

/**
 * Where each value of a file is written, by pathKey. A parse by pieces (YamlPieces) lends each piece's own map,
 * shifted to where the piece starts, instead of copying thousands of entries for every version.
 */
export class SourceLocs {
    private own = new Map<string, SourceLoc>();
    /** Pieces by the first segment of their paths (top-level entries), and services by name. */
    private readonly top = new Map<string, LentLocs>();
    private readonly services = new Map<string, LentLocs>();

    set(key: string, loc: SourceLoc): void {
        this.own.set(key, loc);
    }

    /** Takes a whole map as its own entries (one a reader built for this text), instead of copying it. */
    adopt(locs: Map<string, SourceLoc>): void {
        this.own = locs;
    }

    /** A piece's map: its keys are paths below `services` (a service's piece) or from the root (a top-level entry). */
    lend(first: string, locs: Map<string, SourceLoc>, shift: number, service: boolean): void {
        (service ? this.services : this.top).set(first, { locs, shift });
    }

    get(key: string): SourceLoc | undefined {
        const own = this.own.get(key);
        if (own || (this.top.size === 0 && this.services.size === 0)) return own;
        const cut = key.indexOf('\u0001');
        const first = cut === -1 ? key : key.slice(0, cut);
        if (first === 'services' && cut !== -1 && this.services.size > 0) {
            const below = key.slice(cut + 1);
            const end = below.indexOf('\u0001');
            const lent = this.services.get(end === -1 ? below : below.slice(0, end));
            return lent && shifted(lent.locs.get(below), lent.shift);
        }
        const lent = this.top.get(first);
        return lent && shifted(lent.locs.get(key), lent.shift);
    }

    has(key: string): boolean {
        return this.get(key) !== undefined;
    }

    /** This map's own entries (a piece's, which a parse by pieces lends). */
    ownEntries(): Map<string, SourceLoc> {
        return this.own;
    }

    *[Symbol.iterator](): IterableIterator<[string, SourceLoc]> {
        yield* this.own;
        for (const lent of this.top.values()) for (const [key, loc] of lent.locs) if (key !== '') yield [key, shifted(loc, lent.shift)!];
        for (const lent of this.services.values()) for (const [key, loc] of lent.locs) if (key !== '') yield [`services\u0001${key}`, shifted(loc, lent.shift)!];
    }
}

interface LentLocs {
    locs: Map<string, SourceLoc>;
    shift: number;
}

function shifted(loc: SourceLoc | undefined, by: number): SourceLoc | undefined {
    if (!loc || by === 0) return loc;
    const out: SourceLoc = { value: [loc.value[0] + by, loc.value[1] + by] };
    if (loc.key) out.key = [loc.key[0] + by, loc.key[1] + by];
    return out;
}

export class SourceFile {
    readonly lineCounter = new LineCounter();
    readonly locs = new SourceLocs();
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

/**
 * Parse YAML text. Never throws.
 * With `pieces` (the editor keeps one per open document), the text is parsed piece by piece where that gives the
 * same result as one parse (see YamlPieces), and a piece whose text did not change since the last version is not
 * parsed again: an edit in one service of a 500-service file re-parses that service only.
 */
export function parseYamlSource(file: string, text: string, limits: Limits = DEFAULT_LIMITS, pieces?: YamlPieces): ParsedYaml {
    return (pieces && pieces.parse(file, text, limits)) ?? parseWhole(file, text, limits);
}

/**
 * One parse of the whole text (the depth of flow nesting already checked): by the block reader (yaml-block.ts) where
 * the text is laid out simply enough for it, which gives the same as the parser in a fraction of the time, else by
 * the parser.
 */
function parseWhole(file: string, text: string, limits: Limits): ParsedYaml & { stats?: WalkStats } {
    const read = readBlockYaml(text, limits);
    if (read) return fromBlockRead(file, text, limits, read);
    // The parser recurses per flow level: tens of thousands of `[` overflow its stack before the depth limit of the
    // walk could apply, so such nesting is refused before parsing. (The block reader gives up at the limit.)
    const deepAt = flowNestingBeyond(text, limits.maxDepth);
    if (deepAt !== undefined) {
        const source = new SourceFile(file, text);
        // The parser fills the line counter as it reads; here it did not read, so fill it directly.
        source.lineCounter.addNewLine(0);
        for (let i = text.indexOf('\n'); i !== -1 && i < deepAt; i = text.indexOf('\n', i + 1)) source.lineCounter.addNewLine(i + 1);
        const diagnostics = [source.diagAt([deepAt, deepAt + 1], 'error', 'limit-depth', `document nesting depth exceeds ${limits.maxDepth}`)];
        return { source, value: undefined, ok: false, diagnostics };
    }
    return parseYamlWithParser(file, text, limits);
}

function fromBlockRead(file: string, text: string, limits: Limits, read: BlockRead): ParsedYaml & { stats: WalkStats } {
    const source = new SourceFile(file, text);
    source.locs.adopt(read.locs);
    for (const start of read.lineStarts) source.lineCounter.addNewLine(start);
    const stats = { nodes: read.nodes, aliasNodes: read.aliasNodes, deepest: read.deepest };
    return withParserDocument({ source, value: read.value, ok: true, diagnostics: [], stats }, file, text, limits);
}

/**
 * The parser's document for a parse that did without it, made when first read (lens placement reads it where its
 * light scan gives up).
 */
function withParserDocument<T extends ParsedYaml>(parsed: T, file: string, text: string, limits: Limits): T {
    let document: Document.Parsed | undefined;
    Object.defineProperty(parsed, 'document', {
        enumerable: true,
        get: () => (document ??= parseYamlWithParser(file, text, limits).document),
    });
    return parsed;
}

/** The YAML parser's reading of the whole text, walked into values and a source map (what the block reader equals). */
export function parseYamlWithParser(file: string, text: string, limits: Limits): ParsedYaml & { stats?: WalkStats } {
    const source = new SourceFile(file, text);
    const diagnostics: Diagnostic[] = [];
    let docs: Document.Parsed[];
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
        // The parser composes nested collections by recursion and reports running out of stack as RESOURCE_EXHAUSTION
        // at the collection it could not compose: only block nesting far past the depth limit does that (flow nesting
        // is refused before parsing), so it is the depth limit.
        const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
        if (exhausted) diagnostics.push(source.diagAt([exhausted.pos[0], exhausted.pos[0] + 1], 'error', 'limit-depth', `document nesting depth exceeds ${limits.maxDepth}`));
        else diagnostics.push(...syntaxDiagnostics(source, doc.errors));
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
    let deepest = 0;
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
        if (depth > deepest) deepest = depth;
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
        return { source, value, ok: true, diagnostics, document: doc, stats: { nodes, aliasNodes, deepest } };
    } catch (e) {
        if (e instanceof LimitError) {
            diagnostics.push(source.diagAt(e.span, 'error', e.code, e.code.startsWith('yaml') ? `yaml: ${e.message}` : e.message));
        } else {
            diagnostics.push(source.diagAt([0, 0], 'error', 'yaml-syntax', `yaml: ${(e as Error).message}`));
        }
        return { source, value: undefined, ok: false, diagnostics, document: doc };
    }
}

interface WalkStats {
    nodes: number;
    aliasNodes: number;
    deepest: number;
}

/** One piece of the text: a top-level entry, or one service of a block `services:` mapping. */
interface PieceSpan {
    start: number;
    end: number;
    key: string;
}

interface PieceLayout {
    /** Top-level entries in order; the one at `servicesAt` is split into `services` when it has any. */
    top: PieceSpan[];
    servicesAt: number;
    /** Where the `services` key is written (its line holds nothing else). */
    servicesKey: [number, number];
    services: PieceSpan[];
}

/** A simple key at the start of a line: `name:` followed by a space, a comment or the line's end. */
const PIECE_KEY = /^( *)([A-Za-z0-9_][A-Za-z0-9_.-]*):(?:[ \t]|\r?$)/;
/** Anything that may be an alias (`*name`), and lines a piece could not stand for: directives and document markers. */
const MAY_ALIAS = /(?:^|[\s[{,:?-])\*/;
const DOCUMENT_MARKERS = /^(?:%|---|\.\.\.)/m;

/**
 * The pieces of a compose file that parse alone exactly as within the whole, or undefined when the text is not
 * laid out simply enough to be sure: no aliases (a piece could refer to an anchor in another), no directives or
 * document markers, every top-level line a simple `key:`, and every line of a block `services:` mapping either
 * deeper than its service keys or a simple `key:` at their column. Pieces that then parse with any problem make
 * the whole text be parsed at once, so that every message is the one parse's.
 */
function layoutPieces(text: string): PieceLayout | undefined {
    if (MAY_ALIAS.test(text) || DOCUMENT_MARKERS.test(text) || text.charCodeAt(0) === 0xfeff) return undefined;
    const top: PieceSpan[] = [];
    const services: PieceSpan[] = [];
    let servicesAt = -1;
    let servicesKey: [number, number] = [0, 0];
    /** Inside the block `services:` mapping; its keys' column once the first is seen (0 before). */
    let inServices = false;
    let serviceColumn = 0;
    for (let at = 0; at < text.length; ) {
        const newline = text.indexOf('\n', at);
        const next = newline === -1 ? text.length : newline + 1;
        let indent = at;
        while (text.charCodeAt(indent) === 0x20) indent++;
        const first = text[indent];
        const blank = indent >= next - 1 || first === '\r' || first === '#';
        if (!blank) {
            if (first === '\t') return undefined;
            const line = text.slice(at, newline === -1 ? text.length : newline);
            const column = indent - at;
            if (column === 0) {
                const key = PIECE_KEY.exec(line);
                if (!key) return undefined;
                if (top.length > 0) top[top.length - 1].end = at;
                if (inServices && services.length > 0) services[services.length - 1].end = at;
                inServices = false;
                top.push({ start: top.length === 0 ? 0 : at, end: text.length, key: key[2] });
                if (key[2] === 'services' && servicesAt === -1 && /^services[ \t]*:[ \t]*(?:#.*)?\r?$/.test(line)) {
                    inServices = true;
                    servicesAt = top.length - 1;
                    servicesKey = [at, at + 'services'.length];
                }
            } else if (top.length === 0) {
                return undefined;
            } else if (inServices && (serviceColumn === 0 || column <= serviceColumn)) {
                const key = PIECE_KEY.exec(line);
                if (!key || (serviceColumn !== 0 && column !== serviceColumn)) return undefined;
                serviceColumn = column;
                // A piece ends where the next key is written, its indentation included: an empty value at the end
                // of the piece is then placed where the one parse places it (at the next key).
                if (services.length > 0) services[services.length - 1].end = indent;
                services.push({ start: at, end: text.length, key: key[2] });
            }
        }
        at = next;
    }
    if (top.length === 0) return undefined;
    return { top, servicesAt: services.length > 0 ? servicesAt : -1, servicesKey, services };
}

/**
 * The editor's parse of one document across its versions (parseYamlSource's `pieces`): the text is cut into
 * top-level entries and services (layoutPieces), each piece is parsed alone and kept while its text is unchanged,
 * and the pieces are put together with the source map the one parse would have. Wherever that could differ
 * (a piece with a problem, a duplicate key across pieces, a limit within reach) the whole text is parsed at once.
 */
export class YamlPieces {
    private kept = new Map<string, ParsedYaml & { stats?: WalkStats }>();
    /** Pieces parsed, and versions put together from pieces, since this was made (for tests and the bench). */
    readonly counts = { piecesParsed: 0, assembled: 0, whole: 0 };

    parse(file: string, text: string, limits: Limits): ParsedYaml | undefined {
        const layout = layoutPieces(text);
        const assembled = layout && this.assemble(file, text, limits, layout);
        if (assembled) this.counts.assembled++;
        else this.counts.whole++;
        return assembled;
    }

    private pieceOf(file: string, text: string, limits: Limits, used: Map<string, ParsedYaml & { stats?: WalkStats }>): (ParsedYaml & { stats?: WalkStats }) | undefined {
        let piece = this.kept.get(text) ?? used.get(text);
        if (!piece) {
            piece = parseWhole(file, text, limits);
            this.counts.piecesParsed++;
        }
        used.set(text, piece);
        return piece.ok && piece.diagnostics.length === 0 && piece.stats ? piece : undefined;
    }

    private assemble(file: string, text: string, limits: Limits, layout: PieceLayout): ParsedYaml | undefined {
        const used = new Map<string, ParsedYaml & { stats?: WalkStats }>();
        try {
            const source = new SourceFile(file, text);
            const root: Record<string, unknown> = {};
            let nodes = 2;
            let aliasNodes = 0;
            /** Adds a piece's single entry at `prefix`, its source map shifted to where the piece starts; false when it cannot stand for the whole. */
            const addPiece = (span: PieceSpan, into: Record<string, unknown>, service: boolean): boolean => {
                const depthBelow = service ? 1 : 0;
                const piece = this.pieceOf(file, text.slice(span.start, span.end), limits, used);
                if (!piece || !piece.stats) return false;
                const value = piece.value as Record<string, unknown> | null;
                if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
                const keys = Object.keys(value);
                if (keys.length !== 1 || keys[0] !== span.key || Object.prototype.hasOwnProperty.call(into, span.key)) return false;
                nodes += piece.stats.nodes;
                aliasNodes += piece.stats.aliasNodes;
                if (piece.stats.deepest + depthBelow > limits.maxDepth) return false;
                setOwn(into, span.key, value[span.key]);
                source.locs.lend(span.key, piece.source.locs.ownEntries(), span.start, service);
                return true;
            };
            /** The value span of a piece's mapping (what the one parse gives the mapping its entries make up). */
            const mapSpan = (span: PieceSpan): [number, number] => {
                const loc = used.get(text.slice(span.start, span.end))!.source.locs.get('')!;
                return [loc.value[0] + span.start, loc.value[1] + span.start];
            };
            if (layout.top.length > limits.maxKeysPerMapping || layout.services.length > limits.maxKeysPerMapping) return undefined;
            for (let i = 0; i < layout.top.length; i++) {
                if (i !== layout.servicesAt) {
                    if (!addPiece(layout.top[i], root, false)) return undefined;
                    continue;
                }
                if (Object.prototype.hasOwnProperty.call(root, 'services')) return undefined;
                const services: Record<string, unknown> = {};
                for (const service of layout.services) if (!addPiece(service, services, true)) return undefined;
                setOwn(root, 'services', services);
                const first = mapSpan(layout.services[0]);
                const last = mapSpan(layout.services[layout.services.length - 1]);
                if (!onlySpaceBetween(text, last[1], layout.top[i].end)) return undefined;
                source.locs.set('services', { key: layout.servicesKey, value: [first[0], last[1]] });
            }
            if (nodes > limits.maxNodes || aliasNodes > limits.maxAliasNodes) return undefined;
            const firstTop = layout.servicesAt === 0 ? layout.servicesKey[0] : mapSpan(layout.top[0])[0];
            const lastIndex = layout.top.length - 1;
            const lastTop = lastIndex === layout.servicesAt ? mapSpan(layout.services[layout.services.length - 1])[1] : mapSpan(layout.top[lastIndex])[1];
            // Comments after the last entry may count within the one parse's mapping, depending on their indentation
            // and on what the parser makes of the lines before: such a text is parsed whole.
            if (!onlySpaceBetween(text, lastTop, text.length)) return undefined;
            source.locs.set('', { value: [firstTop, lastTop] });
            source.lineCounter.addNewLine(0);
            for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) source.lineCounter.addNewLine(i + 1);
            return withParserDocument({ source, value: root, ok: true, diagnostics: [] }, file, text, limits);
        } finally {
            this.kept = used;
        }
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

function onlySpaceBetween(text: string, from: number, to: number): boolean {
    return /^\s*$/.test(text.slice(from, to));
}

/** Sets an own data property; `__proto__` as a key would otherwise set the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
    else o[key] = value;
}
