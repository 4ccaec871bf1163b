/**
 * The one reader of compose text: the `yaml` package's parser and composer, walked once into plain JS values with the
 * value semantics of go-yaml v3 decoding into `interface{}` (what the docker CLI does), a source map from value paths
 * to ranges, and the counts the limits need. The CLI (deploy, lint, convert, diff) and the editor read through it.
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
 * Safety limits (not in the CLI): nesting depth, total node count, alias expansion count, keys per mapping. Keys per
 * mapping and the nesting as written are checked on the parser's tokens, before the composer (which recurses per
 * level of nesting) builds nodes; the walk checks what only the values show: nodes and nesting brought in by aliases.
 *
 * The editor reads each version of a document with the previous version's reading at hand: where an edit stays within
 * the services of a block `services:` mapping written without anchors or aliases, only the services it touched are
 * read again (by the same parser and walk) and the others are kept (see `readAgain`). Wherever that might differ from
 * reading the whole text, the whole text is read.
 */
import { Composer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type CST, type Document, type Node as YNode, type Scalar, type YAMLError, type YAMLMap } from 'yaml';
import type { Diagnostic, Range, Severity } from '../diagnostics';
import { resolvePlainScalar } from './plain-scalar';

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

/** The key of a path in the source map: every segment behind a separator, so that the root and a key `""` differ. */
export function pathKey(path: readonly PathSeg[]): string {
    let key = '';
    for (const segment of path) key += `\u0001${segment}`;
    return key;
}

const SERVICES_KEY = pathKey(['services']);

/**
 * Where each value of a file is written, by pathKey. The services of a block `services:` mapping each have a map of
 * their own, which a later version of the same document keeps (shifted to where the service is then written) when
 * the edit did not touch that service.
 */
export class SourceLocs {
    private own = new Map<string, SourceLoc>();
    /** Per service name: its entries (keys from the service's name down), and how far they moved since they were read. */
    private services = new Map<string, LentLocs>();

    set(key: string, loc: SourceLoc): void {
        this.own.set(key, loc);
    }

    get(key: string): SourceLoc | undefined {
        const own = this.own.get(key);
        if (own || this.services.size === 0 || !key.startsWith(SERVICES_KEY) || key.charCodeAt(SERVICES_KEY.length) !== 1) return own;
        const below = key.slice(SERVICES_KEY.length);
        const end = below.indexOf('\u0001', 1);
        const lent = this.services.get(end === -1 ? below.slice(1) : below.slice(1, end));
        return lent && shifted(lent.locs.get(below), lent.shift);
    }

    has(key: string): boolean {
        return this.get(key) !== undefined;
    }

    *[Symbol.iterator](): IterableIterator<[string, SourceLoc]> {
        yield* this.own;
        for (const lent of this.services.values()) for (const [key, loc] of lent.locs) yield [SERVICES_KEY + key, shifted(loc, lent.shift)!];
    }

    /** The file's own entries (everything outside the services' maps). */
    ownEntries(): Map<string, SourceLoc> {
        return this.own;
    }

    /** Takes the entries of a reading: its own entries, and the services' maps as they are. */
    take(own: Map<string, SourceLoc>, services: readonly ServicePiece[]): void {
        this.own = own;
        this.services = new Map(services.map((piece) => [piece.key, { locs: piece.locs, shift: piece.shift }]));
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
     * When the text has problems: the values that could still be read (duplicate keys keep their first entry,
     * broken parts are left out), with `source.locs` locating them, for readers that work on what could be recovered
     * (lens placement). Undefined when nothing could be read.
     */
    recovered?: unknown;
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

const depthError = (limits: Limits, span: [number, number]): LimitError => new LimitError(`document nesting depth exceeds ${limits.maxDepth}`, 'limit-depth', span);

function nodeSpan(n: YNode | null | undefined): [number, number] {
    const r = n && (n as { range?: [number, number, number] | null }).range;
    return r ? [r[0], r[1]] : [0, 0];
}

function tokenSpan(token: CST.Token): [number, number] {
    return 'source' in token && typeof token.source === 'string' ? [token.offset, token.offset + token.source.length] : [token.offset, token.offset + 1];
}

/**
 * Parse YAML text. Never throws.
 * With `previous`, the reading of an earlier version of the same text (the editor keeps one per open document), the
 * services an edit did not touch are kept from it where that gives exactly what reading the whole text gives.
 */
export function parseYamlSource(file: string, text: string, limits: Limits = DEFAULT_LIMITS, previous?: ParsedYaml): ParsedYaml {
    const before = previous && readings.get(previous);
    const usable = before && before.file === file && before.limits === limits ? before : undefined;
    const parsed = (usable && readAgain(usable, text)) || readWhole(file, text, limits);
    // A version that keeps nothing for the next (one with problems, while the user types) passes on the last that did.
    if (usable && !readings.has(parsed)) readings.set(parsed, usable);
    return parsed;
}

/** What a reading keeps for the next version of its text (module-private: nothing else needs it). */
const readings = new WeakMap<ParsedYaml, Reading>();

interface Reading {
    file: string;
    text: string;
    limits: Limits;
    lineStarts: number[];
    root: Record<string, unknown>;
    /** The file's own source map (everything but the services' own maps). */
    own: Map<string, SourceLoc>;
    /** Services in the order written. */
    pieces: ServicePiece[];
    /** Nodes counted outside the services' pieces. */
    nodes: number;
    /** The root mapping ends with the `services` mapping (its range ends where the last service's value ends). */
    rootEndsWithServices: boolean;
}

/** One service of a block `services:` mapping, as read. */
interface ServicePiece {
    key: string;
    /** Where its line starts, and where the next service's key (or the next top-level key, or the text's end) is written. */
    start: number;
    end: number;
    /** The column its key is written at. */
    column: number;
    value: unknown;
    /** Its source map, keys from the service's name down (`\u0001web\u0001image`), offsets as read; `shift` moves them to this version. */
    locs: Map<string, SourceLoc>;
    shift: number;
    /** Nodes walked for this entry. */
    nodes: number;
    /**
     * Holds an anchor or an alias, sits beside a merge key of the services mapping, or its key is not a plain one
     * written alone at the start of its line: it is never read alone.
     */
    linked: boolean;
}

/**
 * The parser's tokens, checked against the limits that apply to what is written (keys per mapping, nesting), then
 * composed into documents.
 */
function compose(text: string, limits: Limits, lineCounter: LineCounter | undefined, depth0: number): Document.Parsed[] | LimitError {
    const tokens = Array.from(new Parser(lineCounter?.addNewLine).parse(text));
    const tooMuch = writtenBeyondLimits(tokens, limits, depth0);
    if (tooMuch) return tooMuch;
    const composer = new Composer({ uniqueKeys: false, schema: 'failsafe', strict: false, keepSourceTokens: false, prettyErrors: false });
    return Array.from(composer.compose(tokens)) as Document.Parsed[];
}

/** The first mapping with too many keys, or value nested too deep, in the parser's tokens (walked without recursion). */
function writtenBeyondLimits(tokens: readonly CST.Token[], limits: Limits, depth0: number): LimitError | undefined {
    const stack: Array<[CST.Token, number]> = [];
    for (const token of tokens) if (token.type === 'document' && token.value) stack.push([token.value, depth0]);
    while (stack.length > 0) {
        const [token, depth] = stack.pop()!;
        if (depth > limits.maxDepth) return depthError(limits, tokenSpan(token));
        if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
        const mapping = token.type === 'block-map' || (token.type === 'flow-collection' && token.start.source === '{');
        let entries = 0;
        for (const item of token.items) {
            const { key, value, sep } = item as { key?: CST.Token | null; value?: CST.Token; sep?: CST.SourceToken[] };
            if (key) stack.push([key, depth + 1]);
            if (value) stack.push([value, depth + 1]);
            if (key || sep || value) entries++;
        }
        if (mapping && entries > limits.maxKeysPerMapping) return new LimitError(`mapping has more than ${limits.maxKeysPerMapping} keys`, 'limit-keys', tokenSpan(token));
    }
    return undefined;
}

/** The whole text read at once. */
function readWhole(file: string, text: string, limits: Limits): ParsedYaml {
    const source = new SourceFile(file, text);
    const diagnostics: Diagnostic[] = [];
    const docs = compose(text, limits, source.lineCounter, 0);
    if (docs instanceof LimitError) {
        diagnostics.push(source.diagAt(docs.span, 'error', docs.code, docs.message));
        return { source, value: undefined, ok: false, diagnostics };
    }
    if (docs.length === 0) return { source, value: null, ok: true, diagnostics };
    const doc = docs[0];
    if (doc.errors.length > 0) {
        diagnostics.push(...syntaxDiagnostics(source, doc.errors));
        return { source, value: undefined, ok: false, diagnostics, recovered: recover(doc, source, limits) };
    }
    for (let i = 1; i < docs.length; i++) {
        const d = docs[i];
        if (d.errors.length > 0 || d.contents !== null) {
            diagnostics.push(source.diagAt(nodeSpan(d.contents as YNode), 'warning', 'yaml-multi-document', 'only the first YAML document is used; later documents are ignored'));
            break;
        }
    }
    const walk = new Walk(doc, text, limits, (offset) => source.pos(offset).line + 1, false, 0, 'services');
    try {
        const value = walk.document();
        source.locs.take(walk.own, walk.pieces);
        const parsed: ParsedYaml = { source, value, ok: true, diagnostics };
        if (diagnostics.length === 0) keepReading(parsed, walk, limits);
        return parsed;
    } catch (e) {
        if (e instanceof LimitError) diagnostics.push(source.diagAt(e.span, 'error', e.code, e.code.startsWith('yaml') ? `yaml: ${e.message}` : e.message));
        else diagnostics.push(source.diagAt([0, 0], 'error', 'yaml-syntax', `yaml: ${(e as Error).message}`));
        return { source, value: undefined, ok: false, diagnostics, recovered: recover(doc, source, limits) };
    }
}

/** The values of a document with problems, read leniently (for lens placement); undefined when a limit stops even that. */
function recover(doc: Document.Parsed, source: SourceFile, limits: Limits): unknown {
    const walk = new Walk(doc, source.text, limits, (offset) => source.pos(offset).line + 1, true, 0, undefined);
    try {
        const value = walk.document();
        source.locs.take(walk.own, []);
        return value;
    } catch {
        return undefined;
    }
}

/** Keeps what the next version of the text can reuse, when the services are laid out so that each can be read alone. */
function keepReading(parsed: ParsedYaml, walk: Walk, limits: Limits): void {
    const root = parsed.value;
    const text = parsed.source.text;
    const pieces = walk.pieces;
    if (pieces.length === 0 || !isRecord(root) || pieces.some((p) => p.linked || p.column !== pieces[0].column)) return;
    const own = walk.own;
    const services = own.get(SERVICES_KEY);
    const rootLoc = own.get('');
    const first = pieces[0].locs.get(`\u0001${pieces[0].key}`);
    const last = pieces[pieces.length - 1];
    const lastLoc = last.locs.get(`\u0001${last.key}`);
    // The services mapping must start at its first key and have nothing but space after it up to where the last piece
    // ends; when it ends the text, the root mapping ends with it.
    if (!services || !rootLoc || !first?.key || !lastLoc) return;
    if (services.value[0] !== first.key[0] || !onlySpace(text, services.value[1], last.end)) return;
    const rootEndsWithServices = last.end === text.length;
    if (rootEndsWithServices && rootLoc.value[1] !== services.value[1]) return;
    readings.set(parsed, {
        file: parsed.source.file,
        text,
        limits,
        lineStarts: parsed.source.lineCounter.lineStarts,
        root,
        own,
        pieces,
        nodes: walk.nodes - pieces.reduce((n, p) => n + p.nodes, 0),
        rootEndsWithServices,
    });
}

/**
 * The new text read from the previous reading: the services the edit touched are read again by the same parser and
 * walk, as a mapping of their own at the column they are written at, and the others kept. Undefined (read the whole
 * text) unless the edit lies within the services, the services read again parse cleanly with no anchor, alias or
 * merge key, as simple keys at the services' column, with no comment after the last value, and every limit holds.
 */
function readAgain(before: Reading, text: string): ParsedYaml | undefined {
    const old = before.text;
    if (old === text) return undefined;
    const shortest = Math.min(old.length, text.length);
    let from = 0;
    while (from < shortest && old.charCodeAt(from) === text.charCodeAt(from)) from++;
    let tail = 0;
    while (tail < shortest - from && old.charCodeAt(old.length - 1 - tail) === text.charCodeAt(text.length - 1 - tail)) tail++;
    const oldTo = old.length - tail;
    const delta = text.length - old.length;
    const pieces = before.pieces;
    // The services whose text the edit touches (an edit at a boundary touches both sides).
    let first = 0;
    while (first < pieces.length && pieces[first].end < from) first++;
    let last = first;
    while (last + 1 < pieces.length && pieces[last + 1].start <= oldTo) last++;
    if (first === pieces.length || pieces[first].start > from || pieces[last].end < oldTo) return undefined;
    // The line of the top-level key after the services (its indentation, the line break before it) must stay as it was.
    const lastEnd = pieces[pieces.length - 1].end;
    if (last === pieces.length - 1 && lastEnd < old.length && oldTo >= old.lastIndexOf('\n', lastEnd - 1) + 1) return undefined;
    const regionStart = pieces[first].start;
    const regionEnd = pieces[last].end + delta;
    const region = text.slice(regionStart, regionEnd);

    const regionLines = new LineCounter();
    const docs = compose(region, before.limits, regionLines, 1);
    if (docs instanceof LimitError || docs.length !== 1) return undefined;
    const doc = docs[0];
    // A document marker read again would start or end a document of the whole text.
    if (doc.directives.docStart || doc.directives.docEnd) return undefined;
    if (doc.errors.length > 0 || doc.warnings.length > 0 || !isMap(doc.contents) || doc.contents.flow || doc.contents.anchor) return undefined;
    const walk = new Walk(doc, region, before.limits, () => 0, false, 1, 'root');
    try {
        walk.document();
    } catch {
        return undefined;
    }
    const read = walk.pieces;
    if (read.length === 0 || walk.nodes !== 1 + read.reduce((n, p) => n + p.nodes, 0)) return undefined;
    for (const piece of read) {
        if (piece.linked || piece.column !== pieces[0].column) return undefined;
        piece.shift = regionStart;
        piece.start += regionStart;
        piece.end += regionStart;
    }
    // Where the services read again end as a mapping: nothing but space may follow up to the next key.
    const readEnd = nodeSpan(doc.contents)[1] + regionStart;
    if (!onlySpace(text, readEnd, regionEnd)) return undefined;
    const movedPiece = (p: ServicePiece): ServicePiece => ({ ...p, start: p.start + delta, end: p.end + delta, shift: p.shift + delta });
    const next = [...pieces.slice(0, first), ...read, ...pieces.slice(last + 1).map(movedPiece)];

    const limits = before.limits;
    if (next.length > limits.maxKeysPerMapping) return undefined;
    const names = new Set<string>();
    let nodes = before.nodes;
    for (const piece of next) {
        if (names.has(piece.key)) return undefined;
        names.add(piece.key);
        nodes += piece.nodes;
    }
    if (nodes > limits.maxNodes) return undefined;

    // The file's own source map, moved past the edit; the services mapping (and the root, when it ends with it) ends
    // where the last service's value now ends.
    const oldRegionEnd = pieces[last].end;
    const move = (n: number): number => (n >= oldRegionEnd ? n + delta : n);
    const own = new Map<string, SourceLoc>();
    for (const [key, loc] of before.own) {
        const moved: SourceLoc = { value: [move(loc.value[0]), move(loc.value[1])] };
        if (loc.key) moved.key = [move(loc.key[0]), move(loc.key[1])];
        own.set(key, moved);
    }
    const firstLoc = shifted(next[0].locs.get(`\u0001${next[0].key}`), next[0].shift)!;
    const servicesLoc = own.get(SERVICES_KEY)!;
    const servicesEnd = last === pieces.length - 1 ? readEnd : servicesLoc.value[1];
    own.set(SERVICES_KEY, { ...servicesLoc, value: [firstLoc.key![0], servicesEnd] });
    if (before.rootEndsWithServices) own.set('', { value: [own.get('')!.value[0], servicesEnd] });

    const servicesValue: Record<string, unknown> = {};
    for (const piece of next) setOwn(servicesValue, piece.key, piece.value);
    const root: Record<string, unknown> = {};
    for (const key of Object.keys(before.root)) setOwn(root, key, key === 'services' ? servicesValue : before.root[key]);

    const source = new SourceFile(before.file, text);
    const lineStarts = source.lineCounter.lineStarts;
    for (const start of before.lineStarts) if (start <= regionStart) lineStarts.push(start);
    for (const start of regionLines.lineStarts) if (start > 0) lineStarts.push(start + regionStart);
    for (const start of before.lineStarts) if (start > oldRegionEnd) lineStarts.push(start + delta);
    source.locs.take(own, next);
    const parsed: ParsedYaml = { source, value: root, ok: true, diagnostics: [] };
    readings.set(parsed, { ...before, text, lineStarts, root, own, pieces: next });
    return parsed;
}

/**
 * One walk of a composed document into values and a source map, counting nodes and nesting. With `piecesAt`, the
 * entries of the services mapping (`services` of a block root mapping, or the root itself when the text read is
 * services alone) each get a source map and counts of their own (ServicePiece). `lenient` reads what it can of a
 * document with problems.
 */
class Walk {
    readonly own = new Map<string, SourceLoc>();
    readonly pieces: ServicePiece[] = [];
    /** The services mapping's node, once found. */
    services: YNode | undefined;
    nodes = 0;
    aliasNodes = 0;
    private sink: Map<string, SourceLoc>;
    /** The service being walked: what its walk counts goes to it. */
    private piece: ServicePiece | undefined;
    /** Where the last service's piece ends: the next top-level key, or the text's end. */
    private servicesEnd = 0;
    /** Anchored collections being walked: an alias to one of them is a cycle. */
    private readonly open = new Set<YNode>();
    /** Alias.resolve() searches the whole document; cached (alias bombs would otherwise be quadratic). */
    private readonly aliasCache = new Map<unknown, YNode | undefined>();

    constructor(
        private readonly doc: Document.Parsed,
        private readonly text: string,
        private readonly limits: Limits,
        private readonly lineOf: (offset: number) => number,
        private readonly lenient: boolean,
        private readonly depth0: number,
        private readonly piecesAt: 'services' | 'root' | undefined,
    ) {
        this.sink = this.own;
    }

    document(): unknown {
        const contents = this.doc.contents as YNode | null;
        this.own.set('', { value: nodeSpan(contents) });
        if (this.piecesAt === 'root' && isMap(contents) && !contents.flow) {
            this.services = contents;
            this.servicesEnd = this.text.length;
        }
        return this.node(contents, '', this.depth0, 0);
    }

    private fail(error: LimitError): null {
        if (!this.lenient || error.code.startsWith('limit') || error.code === 'yaml-alias-bomb') throw error;
        return null;
    }

    private resolveAlias(a: { resolve(d: Document.Parsed): unknown }): YNode | undefined {
        if (!this.aliasCache.has(a)) this.aliasCache.set(a, a.resolve(this.doc) as YNode | undefined);
        return this.aliasCache.get(a);
    }

    private node(node: YNode | null | undefined, at: string, depth: number, viaAlias: number): unknown {
        const limits = this.limits;
        if (++this.nodes > limits.maxNodes) throw new LimitError(`document has more than ${limits.maxNodes} nodes`, 'limit-nodes', nodeSpan(node));
        if (viaAlias > 0 && ++this.aliasNodes > limits.maxAliasNodes) {
            throw new LimitError(`excessive aliasing: alias expansion exceeds ${limits.maxAliasNodes} nodes (possible alias bomb)`, 'yaml-alias-bomb', nodeSpan(node));
        }
        // The nesting as written was checked on the parser's tokens; aliases can nest deeper.
        if (depth > limits.maxDepth) throw depthError(limits, nodeSpan(node));
        const piece = this.piece;
        if (piece) piece.nodes++;
        if (node === null || node === undefined) return null;
        if (piece && (isAlias(node) || (node as { anchor?: string }).anchor)) piece.linked = true;
        if (isAlias(node)) {
            const target = this.resolveAlias(node);
            if (!target) return this.fail(new LimitError(`unknown anchor '${node.source}' referenced`, 'yaml-syntax', nodeSpan(node)));
            // go-yaml refuses an alias within its own anchor's value (yaml.v3 decode.go, "anchor '…' value contains itself").
            if (this.open.has(target)) return this.fail(new LimitError(`anchor '${node.source}' value contains itself`, 'yaml-syntax', nodeSpan(node)));
            return this.node(target, at, depth, viaAlias + 1);
        }
        if (isScalar(node)) return scalarValue(node);
        if ((node as { anchor?: string }).anchor) {
            this.open.add(node);
            const value = this.collection(node, at, depth, viaAlias);
            this.open.delete(node);
            return value;
        }
        return this.collection(node, at, depth, viaAlias);
    }

    private collection(node: YNode, at: string, depth: number, viaAlias: number): unknown {
        if (isSeq(node)) {
            const out: unknown[] = [];
            node.items.forEach((item, i) => {
                const p = `${at}\u0001${i}`;
                // nodes reached through an alias are not recorded: locate() falls back to the alias' own key
                if (viaAlias === 0) this.sink.set(this.keyOf(p), { value: nodeSpan(item as YNode) });
                out.push(this.node(item as YNode, p, depth + 1, viaAlias));
            });
            return out;
        }
        if (isMap(node)) return this.mapping(node, at, depth, viaAlias);
        return null;
    }

    /** A path's key in the map being filled: below a service, from the service's name down. */
    private keyOf(p: string): string {
        return this.piece && this.piecesAt === 'services' ? p.slice(SERVICES_KEY.length) : p;
    }

    private mapping(node: YAMLMap, at: string, depth: number, viaAlias: number): Record<string, unknown> {
        // An ordinary object; keys are set as own data properties (`__proto__` included) and tested with hasOwn.
        const out: Record<string, unknown> = {};
        /** Offset of each key's first occurrence (its line is computed only for the duplicate-key error). */
        const seen = new Map<string, number>();
        const merges: unknown[] = [];
        const isServices = viaAlias === 0 && node === this.services;
        const isRoot = viaAlias === 0 && at === '' && this.piecesAt === 'services' && !node.flow;
        for (let index = 0; index < node.items.length; index++) {
            const pair = node.items[index];
            if (!isPair(pair)) continue;
            const k = pair.key as YNode | null;
            if (this.piece && k && (isAlias(k) || (k as { anchor?: string }).anchor)) this.piece.linked = true;
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
                const t = this.resolveAlias(k);
                key = t && isScalar(t) ? String((t as Scalar).value) : '';
            } else {
                this.fail(new LimitError('invalid map key: a mapping key must be a scalar', 'yaml-syntax', nodeSpan(k)));
                continue;
            }
            const kspan = nodeSpan(k);
            if (seen.has(key) && viaAlias === 0) {
                this.fail(new LimitError(`mapping key ${JSON.stringify(key)} already defined at line ${this.lineOf(seen.get(key)!)}`, 'yaml-duplicate-key', kspan));
                continue;
            }
            seen.set(key, kspan[0]);
            const p = `${at}\u0001${key}`;
            const value = pair.value as YNode | null;
            if (isRoot && key === 'services' && !this.services && isScalar(k) && isMap(value) && !value.flow && !value.anchor) {
                // The services mapping, whose entries are pieces; the last ends where the next top-level key is written.
                this.services = value;
                const nextKey = node.items.slice(index + 1).find((item) => isPair(item) && item.key)?.key as YNode | undefined;
                this.servicesEnd = nextKey ? nodeSpan(nextKey)[0] : this.text.length;
            }
            if (isServices) this.startPiece(key, k, node.items, index);
            if (viaAlias === 0) {
                const vs = value ? nodeSpan(value) : ([kspan[1], kspan[1]] as [number, number]);
                this.sink.set(this.keyOf(p), { key: kspan, value: vs });
            }
            const read = this.node(value, p, depth + 1, viaAlias);
            if (isServices) {
                this.piece!.value = read;
                this.piece = undefined;
                this.sink = this.own;
            }
            setOwn(out, key, read);
        }
        // merge keys: earlier merge sources win over later ones, explicit keys win over all.
        if (isServices && merges.length > 0) for (const piece of this.pieces) piece.linked = true;
        for (const m of merges) {
            const sources = isSeq(m) ? m.items : [m];
            for (const s of sources) {
                const v = this.node(s as YNode, at, depth, viaAlias + 1);
                if (v && typeof v === 'object' && !Array.isArray(v)) {
                    for (const [mk, mv] of Object.entries(v)) if (!Object.prototype.hasOwnProperty.call(out, mk)) setOwn(out, mk, mv);
                } else {
                    this.fail(new LimitError('map merge requires map or sequence of maps as the value', 'yaml-syntax', nodeSpan(s as YNode)));
                }
            }
        }
        return out;
    }

    /** Starts one service's piece: its source map and counts are its own until its value is walked. */
    private startPiece(key: string, k: YNode | null, items: unknown[], index: number): void {
        const keyStart = nodeSpan(k)[0];
        const start = this.text.lastIndexOf('\n', keyStart - 1) + 1;
        const next = items.slice(index + 1).find((item) => isPair(item) && item.key);
        const end = isPair(next) ? nodeSpan(next.key as YNode)[0] : this.servicesEnd;
        // A key written alone at the start of its line, with no anchor or tag, is one a piece can start with.
        const simple = k !== null && isScalar(k) && /^ *$/.test(this.text.slice(start, keyStart)) && !(k as { anchor?: string }).anchor && !(k as { tag?: string }).tag;
        const piece: ServicePiece = { key, start, end, column: keyStart - start, value: undefined, locs: new Map(), shift: 0, nodes: 0, linked: !simple };
        this.pieces.push(piece);
        this.piece = piece;
        this.sink = piece.locs;
    }
}

/** A scalar's value as go-yaml v3 decodes it into `interface{}`. */
function scalarValue(sc: Scalar): unknown {
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

function onlySpace(text: string, from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
    }
    return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Sets an own data property; `__proto__` as a key would otherwise set the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
    else o[key] = value;
}
