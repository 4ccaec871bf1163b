/**
 * A fast reader for the plain block layout nearly every compose file is written in, giving exactly what the YAML
 * parser and the walk in yaml-source.ts give for it (value, source map, node count, depth), or undefined.
 *
 * Why: the `yaml` package reads a 500-service compose file in about 120 ms once warm, and the CLI pays that cold
 * for every deploy. Its lexer, CST parser and composer are general; a compose file uses little of YAML.
 *
 * It reads only what it can read for sure, and gives up (undefined: the caller runs the YAML parser, which then
 * gives every message and every value) on anything else:
 *  - block mappings with plain or quoted keys written `key: value`, and block sequences indented deeper than their
 *    key (`- value`, `- key: value` for a mapping, `-` with the item below);
 *  - single-line scalars: plain ones, single-quoted ones, and double-quoted ones without escapes;
 *  - flow sequences and mappings that close on the line they open;
 *  - comments, on a line of their own at the indentation of the line that follows, or after a value;
 *  - anchors on block values, aliases as block values, and merge keys (`<<: *a`, `<<: [*a, *b]`), expanded and
 *    counted as the walk in yaml-source.ts expands and counts them (nothing reached through an alias or a merge is
 *    in the source map).
 * It gives up on tabs, control characters, a byte order mark, directives, document markers, anchors and aliases
 * anywhere else, an anchor defined twice, tags, block scalars, multi-line scalars, complex keys, a duplicate key, a
 * mapping or sequence at a column YAML would refuse, and on anything within reach of a limit, so that every error
 * and limit message stays the parser's own. test/unit/yaml-block.test.ts compares it with the parser on every
 * fixture, random documents and edits.
 *
 * It is not a second grammar of YAML to maintain beside the parser: it answers only where the parser's answer is
 * known, the parser stays the reference for everything else, and the comparison test pins the two together.
 *
 * Ranges follow the parser's nodes: a scalar spans its text (quotes included, trailing spaces and comment not); a
 * flow collection spans its brackets; a block collection spans from its first entry to the end of its last value,
 * where a value written on a line ends after that line's break, and an empty value ends where it is placed (after
 * the spaces that follow its `:` or `-`).
 */
import type { Limits, SourceLoc } from './yaml-source';
import { resolvePlainScalar } from './plain-scalar';

export interface BlockRead {
    value: Record<string, unknown>;
    locs: Map<string, SourceLoc>;
    /** Values read, as the parser's walk counts them (every mapping value, sequence item and the root). */
    nodes: number;
    /** Values reached through an alias or a merge key, as the walk counts them. */
    aliasNodes: number;
    deepest: number;
    /** Offset where each line starts. */
    lineStarts: number[];
}

/** Thrown (not an Error: no stack is captured) where the reader gives the text to the parser. */
const GIVE_UP = Symbol('give up');

/** Characters that may not occur anywhere: tabs, control characters other than line breaks, C1 controls, BOM. */
// eslint-disable-next-line no-control-regex
const REFUSED_CHARACTERS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff]/;
/** A `\r` not followed by `\n` is a line break of its own to the parser. */
const LONE_CR = /\r(?!\n)/;
/** Directives and document markers, which the reader leaves to the parser. */
const DOCUMENT_MARKERS = /^(?:%|---|\.\.\.)/m;

const SPACE = 0x20;
const CR = 0x0d;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const AMPERSAND = 0x26;
const ASTERISK = 0x2a;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** Characters a plain scalar may not start with (YAML 1.2 c-indicator), but `-`, `?` and `:` before a non-space. */
function refusedPlainStart(code: number): boolean {
    switch (code) {
        case COMMA:
        case LBRACKET:
        case RBRACKET:
        case LBRACE:
        case RBRACE:
        case HASH:
        case 0x26: // &
        case 0x2a: // *
        case 0x21: // !
        case 0x7c: // |
        case 0x3e: // >
        case SQUOTE:
        case DQUOTE:
        case 0x25: // %
        case 0x40: // @
        case 0x60: // `
            return true;
    }
    return false;
}

/** Runs of characters up to the next `:` or `#` or line break, and up to the next flow indicator too (sticky: from lastIndex). */
const UP_TO_COLON_OR_HASH = /[^:#\r\n]*/y;
const UP_TO_FLOW_STOP = /[^,[\]{}:#\r\n]*/y;

/** The longest implicit key YAML allows (1024 characters); the reader stays clear of it. */
const MAX_KEY_LENGTH = 1000;

/** The text read as a plain block layout, or undefined when only the YAML parser can tell. Never throws. */
export function readBlockYaml(text: string, limits: Limits): BlockRead | undefined {
    if (text.length === 0 || REFUSED_CHARACTERS.test(text) || LONE_CR.test(text) || DOCUMENT_MARKERS.test(text)) return undefined;
    try {
        return new BlockReader(text, limits).read();
    } catch (error) {
        if (error === GIVE_UP) return undefined;
        throw error;
    }
}

/** A value with an anchor, as an alias or a merge key brings it in again. */
interface Anchored {
    value: unknown;
    /** Nodes the walk counts when it walks the value again (its own, and those its aliases bring). */
    nodes: number;
    /** Depth of its deepest node below it. */
    below: number;
}

interface Read {
    value: unknown;
    /** The node's range as the parser gives it (what the source map records). */
    start: number;
    end: number;
    /** Where the node ends as the last value of a block collection (the collection's own end). */
    tail: number;
}

class BlockReader {
    /** Content lines (not blank, not only a comment): where each starts, its indentation, where its content ends. */
    private readonly starts: number[] = [];
    private readonly indents: number[] = [];
    /** End of the line's content: before `\r\n` or `\n`. */
    private readonly contentEnds: number[] = [];
    /** After the line's break (or the text's end). */
    private readonly lineEnds: number[] = [];
    /** A comment line comes between this content line and the next. */
    private readonly commentAfter: boolean[] = [];
    private readonly lineStarts: number[] = [];
    private readonly locs = new Map<string, SourceLoc>();
    private nodes = 0;
    private aliasNodes = 0;
    private deepest = 0;
    private readonly anchors = new Map<string, Anchored>();

    constructor(
        private readonly text: string,
        private readonly limits: Limits,
    ) {}

    read(): BlockRead {
        this.collectLines();
        if (this.starts.length === 0 || this.indents[0] !== 0) throw GIVE_UP;
        this.count(0);
        const root = this.block(0, 0, '', 0);
        if (root.next !== this.starts.length || !isRecord(root.read.value)) throw GIVE_UP;
        this.locs.set('', { value: [root.read.start, root.read.end] });
        return { value: root.read.value, locs: this.locs, nodes: this.nodes, aliasNodes: this.aliasNodes, deepest: this.deepest, lineStarts: this.lineStarts };
    }

    /**
     * Finds the content lines. A comment line must sit at the indentation of the content line after it: elsewhere
     * (after the last entry of a collection, or after the end of the text's content) the parser counts it within
     * ranges by rules the reader does not follow.
     */
    private collectLines(): void {
        const text = this.text;
        let commentIndent = -1;
        for (let start = 0; start <= text.length; ) {
            this.lineStarts.push(start);
            let end = text.indexOf('\n', start);
            const lineEnd = end === -1 ? text.length : end + 1;
            if (end === -1) end = text.length;
            const contentEnd = end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
            let at = start;
            while (at < contentEnd && text.charCodeAt(at) === SPACE) at++;
            const indent = at - start;
            if (at < contentEnd) {
                if (text.charCodeAt(at) === HASH) {
                    if (commentIndent !== -1 && commentIndent !== indent) throw GIVE_UP;
                    commentIndent = indent;
                    if (this.starts.length > 0) this.commentAfter[this.starts.length - 1] = true;
                } else {
                    if (commentIndent !== -1 && commentIndent !== indent) throw GIVE_UP;
                    commentIndent = -1;
                    this.starts.push(start);
                    this.indents.push(indent);
                    this.contentEnds.push(contentEnd);
                    this.lineEnds.push(lineEnd);
                    this.commentAfter.push(false);
                }
            }
            if (end === text.length) break;
            start = lineEnd;
        }
        if (commentIndent !== -1) throw GIVE_UP;
    }

    /** Counts a value as the walk does, and stays clear of the limits. */
    private count(depth: number): void {
        if (++this.nodes >= this.limits.maxNodes || depth >= this.limits.maxDepth) throw GIVE_UP;
        if (depth > this.deepest) this.deepest = depth;
    }

    /** A block node whose first entry is on `line` at column `column` (a mapping or a sequence). */
    private block(line: number, column: number, at: string, depth: number): { read: Read; next: number } {
        const offset = this.starts[line] + column;
        const code = this.text.charCodeAt(offset);
        if (code === DASH && this.isBlank(offset + 1, this.contentEnds[line])) return this.sequence(line, column, at, depth);
        return this.mapping(line, column, at, depth);
    }

    private mapping(line: number, column: number, at: string, depth: number): { read: Read; next: number } {
        const text = this.text;
        const out: Record<string, unknown> = {};
        const start = this.starts[line] + column;
        let keys = 0;
        let tail = start;
        let lastEmptyWithComment = false;
        let entryAt = start;
        /** Values of merge keys, applied after the mapping's own entries (as the walk does). */
        const merged: unknown[] = [];
        while (true) {
            if (++keys > this.limits.maxKeysPerMapping - 1) throw GIVE_UP;
            const key = this.key(entryAt, this.contentEnds[line]);
            if (key === undefined) throw GIVE_UP;
            if (key.merge) {
                const merge = this.mergeSources(line, key.after, column, depth);
                merged.push(...merge.values);
                tail = merge.tail;
                lastEmptyWithComment = false;
                line++;
            } else {
                if (Object.prototype.hasOwnProperty.call(out, key.name)) throw GIVE_UP;
                const path = depth === 0 ? key.name : `${at}\u0001${key.name}`;
                this.count(depth + 1);
                const value = this.valueAfter(line, key.after, column, path, depth + 1);
                setOwn(out, key.name, value.read.value);
                this.locs.set(path, { key: [key.start, key.end], value: [value.read.start, value.read.end] });
                tail = value.read.tail;
                lastEmptyWithComment = value.emptyWithComment;
                line = value.next;
            }
            if (line >= this.starts.length || this.indents[line] < column) break;
            if (this.indents[line] !== column) throw GIVE_UP;
            entryAt = this.starts[line] + column;
            if (text.charCodeAt(entryAt) === DASH && this.isBlank(entryAt + 1, this.contentEnds[line])) throw GIVE_UP;
        }
        // An empty last value followed by a comment: the parser stretches its range over the comment.
        if (lastEmptyWithComment) throw GIVE_UP;
        // Earlier merge sources win over later ones, the mapping's own keys over all.
        for (const source of merged) {
            if (!isRecord(source)) throw GIVE_UP;
            for (const [key, value] of Object.entries(source)) if (!Object.prototype.hasOwnProperty.call(out, key)) setOwn(out, key, value);
        }
        return { read: { value: out, start, end: tail, tail }, next: line };
    }

    /**
     * The value of a merge key (`<<: *a` or `<<: [*a, *b]`, on its line): the values it brings, copied. The walk
     * counts each alias and what it brings at the mapping's own depth, all as reached through an alias.
     */
    private mergeSources(line: number, from: number, column: number, depth: number): { values: unknown[]; tail: number } {
        const text = this.text;
        const contentEnd = this.contentEnds[line];
        let at = this.skipSpaces(from, contentEnd);
        if (at === from) throw GIVE_UP;
        const values: unknown[] = [];
        const one = (): void => {
            const alias = this.alias(at, contentEnd);
            this.expand(alias.anchored, depth, 1);
            values.push(copyOf(alias.anchored.value));
            at = alias.end;
        };
        if (text.charCodeAt(at) === ASTERISK) {
            one();
        } else if (text.charCodeAt(at) === LBRACKET) {
            at = this.skipSpaces(at + 1, contentEnd);
            while (true) {
                one();
                at = this.skipSpaces(at, contentEnd);
                const c = text.charCodeAt(at);
                if (at >= contentEnd) throw GIVE_UP;
                if (c === RBRACKET) break;
                if (c !== COMMA) throw GIVE_UP;
                at = this.skipSpaces(at + 1, contentEnd);
            }
            at++;
        } else {
            throw GIVE_UP;
        }
        this.restIsComment(at, contentEnd);
        if (line + 1 < this.starts.length && this.indents[line + 1] > column) throw GIVE_UP;
        return { values, tail: this.lineEnds[line] };
    }

    /** An alias at `at` (`*name`, ended by a space or the line's end): the anchored value it names, and its end. */
    private alias(at: number, contentEnd: number): { anchored: Anchored; end: number } {
        const text = this.text;
        if (text.charCodeAt(at) !== ASTERISK) throw GIVE_UP;
        let end = at + 1;
        while (end < contentEnd && text.charCodeAt(end) !== SPACE && !isFlowIndicator(text.charCodeAt(end))) end++;
        const anchored = end > at + 1 ? this.anchors.get(text.slice(at + 1, end)) : undefined;
        if (!anchored) throw GIVE_UP;
        return { anchored, end };
    }

    /**
     * Counts what an alias brings at `depth` as the walk counts it: every node of the anchored value again, reached
     * through an alias; `own` more for the alias node itself when it too counts as reached through one (in a merge).
     */
    private expand(anchored: Anchored, depth: number, own: number): void {
        this.nodes += anchored.nodes + own;
        this.aliasNodes += anchored.nodes + own;
        if (this.nodes >= this.limits.maxNodes || this.aliasNodes >= this.limits.maxAliasNodes) throw GIVE_UP;
        if (depth + anchored.below >= this.limits.maxDepth) throw GIVE_UP;
        if (depth + anchored.below > this.deepest) this.deepest = depth + anchored.below;
    }

    private sequence(line: number, column: number, at: string, depth: number): { read: Read; next: number } {
        const text = this.text;
        const out: unknown[] = [];
        const start = this.starts[line] + column;
        let tail = start;
        let lastEmptyWithComment = false;
        while (true) {
            const path = depth === 0 ? String(out.length) : `${at}\u0001${out.length}`;
            this.count(depth + 1);
            const dash = this.starts[line] + column;
            const afterComment = line > 0 && this.commentAfter[line - 1];
            let item: { read: Read; next: number; emptyWithComment: boolean };
            let from = dash + 1;
            while (from < this.contentEnds[line] && text.charCodeAt(from) === SPACE) from++;
            if (from < this.contentEnds[line] && text.charCodeAt(from) !== HASH && this.keyAhead(from, this.contentEnds[line])) {
                // `- key: value`: a mapping whose entries line up with this first key.
                const map = this.mapping(line, from - this.starts[line], path, depth + 1);
                item = { ...map, emptyWithComment: false };
            } else {
                item = this.valueAfter(line, dash + 1, column, path, depth + 1);
            }
            out.push(item.read.value);
            this.locs.set(path, { value: [item.read.start, item.read.end] });
            tail = item.read.tail;
            // An empty item after a comment line: the parser stretches its range to the line's end.
            lastEmptyWithComment = item.emptyWithComment || (afterComment && item.read.value === null && item.read.start === item.read.end);
            line = item.next;
            if (line >= this.starts.length || this.indents[line] < column) break;
            if (this.indents[line] !== column) throw GIVE_UP;
            const next = this.starts[line] + column;
            if (text.charCodeAt(next) !== DASH || !this.isBlank(next + 1, this.contentEnds[line])) throw GIVE_UP;
        }
        if (lastEmptyWithComment) throw GIVE_UP;
        return { read: { value: out, start, end: tail, tail }, next: line };
    }

    /**
     * The value after a key's `:` or an item's `-` (at `from`), on its line or, when the line ends there, in the
     * block below. `column` is the column of the entry's collection.
     */
    private valueAfter(line: number, from: number, column: number, path: string, depth: number): { read: Read; next: number; emptyWithComment: boolean } {
        const text = this.text;
        const contentEnd = this.contentEnds[line];
        const at = this.skipSpaces(from, contentEnd);
        if (text.charCodeAt(at) !== AMPERSAND || at >= contentEnd) return this.unanchoredValueAfter(line, from, column, path, depth);
        // An anchor: the node's range starts after it; an alias or a merge key may bring its value in again.
        if (at === from) throw GIVE_UP;
        let end = at + 1;
        while (end < contentEnd && text.charCodeAt(end) !== SPACE) {
            const c = text.charCodeAt(end);
            if (isFlowIndicator(c) || c === HASH) throw GIVE_UP;
            end++;
        }
        const name = text.slice(at + 1, end);
        if (name === '' || this.anchors.has(name) || text.charCodeAt(this.skipSpaces(end, contentEnd)) === ASTERISK) throw GIVE_UP;
        // The node itself was counted at `depth` by its parent; what it holds is counted while it is read.
        const nodesBefore = this.nodes;
        const deepestBefore = this.deepest;
        this.deepest = depth;
        const result = this.unanchoredValueAfter(line, end, column, path, depth);
        this.anchors.set(name, { value: result.read.value, nodes: this.nodes - nodesBefore + 1, below: this.deepest - depth });
        if (deepestBefore > this.deepest) this.deepest = deepestBefore;
        return result;
    }

    private unanchoredValueAfter(line: number, from: number, column: number, path: string, depth: number): { read: Read; next: number; emptyWithComment: boolean } {
        const text = this.text;
        const contentEnd = this.contentEnds[line];
        const at = this.skipSpaces(from, contentEnd);
        const next = line + 1;
        if (at === contentEnd || text.charCodeAt(at) === HASH) {
            if (at < contentEnd && at === from) throw GIVE_UP; // `:#` or `-#`: not a comment
            if (next < this.starts.length && this.indents[next] > column) return { ...this.block(next, this.indents[next], path, depth), emptyWithComment: false };
            if (next < this.starts.length && this.indents[next] === column && text.charCodeAt(this.starts[next] + column) === DASH) {
                // A sequence at its key's own column, or the next item of this sequence: only the latter is read.
                if (text.charCodeAt(this.starts[line] + column) !== DASH) throw GIVE_UP;
            }
            const emptyWithComment = at < contentEnd || this.commentAfter[line];
            return { read: { value: null, start: at, end: at, tail: at }, next, emptyWithComment };
        }
        if (at === from) throw GIVE_UP; // `key:value` is no entry; `-x` no item
        let read: Read;
        if (text.charCodeAt(at) === ASTERISK) {
            // An alias: the anchored value again, copied as the walk makes a new one; nothing in it is located.
            const alias = this.alias(at, contentEnd);
            this.restIsComment(alias.end, contentEnd);
            this.expand(alias.anchored, depth, 0);
            read = { value: copyOf(alias.anchored.value), start: at, end: alias.end, tail: alias.end };
        } else {
            read = this.inline(at, contentEnd, path, depth);
        }
        // Anything below that is deeper would continue a plain scalar over lines (or be an error).
        if (next < this.starts.length && this.indents[next] > column) throw GIVE_UP;
        return { read: { ...read, tail: this.lineEnds[line] }, next, emptyWithComment: false };
    }

    /** A value written on its line from `at` to the line's end (a trailing comment allowed). */
    private inline(at: number, contentEnd: number, path: string, depth: number): Read {
        const text = this.text;
        const code = text.charCodeAt(at);
        let read: Read;
        let after: number;
        if (code === LBRACKET || code === LBRACE) {
            const flow = this.flow(at, contentEnd, path, depth);
            read = flow.read;
            after = flow.after;
        } else if (code === DQUOTE || code === SQUOTE) {
            const quoted = this.quoted(at, contentEnd);
            read = { value: quoted.value, start: at, end: quoted.after, tail: quoted.after };
            after = quoted.after;
        } else {
            if (!this.startsPlain(at, contentEnd)) throw GIVE_UP;
            let end = contentEnd;
            for (let c = this.colonOrHash(at, contentEnd); c < contentEnd; c = this.colonOrHash(c + 1, contentEnd)) {
                if (text.charCodeAt(c) === HASH) {
                    if (text.charCodeAt(c - 1) !== SPACE) continue;
                    end = c;
                    break;
                }
                // `a: b: c` is a mapping in a mapping value, which YAML refuses
                if (c + 1 === contentEnd || text.charCodeAt(c + 1) === SPACE) throw GIVE_UP;
            }
            while (text.charCodeAt(end - 1) === SPACE) end--;
            const raw = text.slice(at, end);
            read = { value: resolvePlainScalar(raw), start: at, end, tail: end };
            after = end;
        }
        this.restIsComment(after, contentEnd);
        return read;
    }

    /** Only spaces, then nothing or a comment, from `at` to the line's end. */
    private restIsComment(at: number, contentEnd: number): void {
        const text = this.text;
        if (at === contentEnd) return;
        if (text.charCodeAt(at) !== SPACE) throw GIVE_UP;
        while (at < contentEnd && text.charCodeAt(at) === SPACE) at++;
        if (at < contentEnd && text.charCodeAt(at) !== HASH) throw GIVE_UP;
    }

    /** A single-line quoted scalar at `at`: its value and the offset after its closing quote. */
    private quoted(at: number, contentEnd: number): { value: string; after: number } {
        const text = this.text;
        const quote = text.charCodeAt(at);
        if (quote === DQUOTE) {
            const close = text.indexOf('"', at + 1);
            if (close === -1 || close >= contentEnd) throw GIVE_UP;
            const body = text.slice(at + 1, close);
            if (body.includes('\\')) throw GIVE_UP;
            return { value: body, after: close + 1 };
        }
        let value = '';
        let from = at + 1;
        while (true) {
            const close = text.indexOf("'", from);
            if (close === -1 || close >= contentEnd) throw GIVE_UP;
            if (text.charCodeAt(close + 1) === SQUOTE && close + 1 < contentEnd) {
                value += text.slice(from, close + 1);
                from = close + 2;
                continue;
            }
            value += text.slice(from, close);
            return { value, after: close + 1 };
        }
    }

    /** A block mapping key at `at`: a plain or quoted scalar followed directly by `:` and a space or the line's end. */
    private key(at: number, contentEnd: number): { name: string; start: number; end: number; after: number; merge?: true } | undefined {
        const text = this.text;
        const code = text.charCodeAt(at);
        if (code === DQUOTE || code === SQUOTE) {
            const quoted = this.quoted(at, contentEnd);
            if (text.charCodeAt(quoted.after) !== COLON || !this.isBlank(quoted.after + 1, contentEnd)) return undefined;
            return { name: quoted.value, start: at, end: quoted.after, after: quoted.after + 1 };
        }
        if (!this.startsPlain(at, contentEnd)) return undefined;
        for (let end = this.colonOrHash(at, contentEnd); end < contentEnd; end = this.colonOrHash(end + 1, contentEnd)) {
            if (end - at > MAX_KEY_LENGTH) return undefined;
            if (text.charCodeAt(end) === HASH) {
                if (text.charCodeAt(end - 1) === SPACE) return undefined;
                continue;
            }
            if (this.isBlank(end + 1, contentEnd)) {
                if (text.charCodeAt(end - 1) === SPACE) return undefined;
                const name = text.slice(at, end);
                // a plain `<<` is a merge key (a quoted one is an ordinary key)
                return { name, start: at, end, after: end + 1, ...(name === '<<' ? { merge: true as const } : {}) };
            }
        }
        return undefined;
    }

    /** Whether a block mapping key starts at `at` (a `- key: value` item). */
    private keyAhead(at: number, contentEnd: number): boolean {
        const text = this.text;
        const code = text.charCodeAt(at);
        if (code === LBRACKET || code === LBRACE) return false;
        if (code === DQUOTE || code === SQUOTE) {
            // a quoted scalar, or a quoted key: only `:` right after the closing quote makes it a key
            const quoted = this.quoted(at, contentEnd);
            return text.charCodeAt(quoted.after) === COLON;
        }
        for (let end = this.colonOrHash(at, contentEnd); end < contentEnd; end = this.colonOrHash(end + 1, contentEnd)) {
            if (text.charCodeAt(end) === HASH) {
                if (text.charCodeAt(end - 1) === SPACE) return false;
            } else if (this.isBlank(end + 1, contentEnd)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The next `:` or `#` of the line from `at`, or the line's end. A regular expression scans the characters in
     * between: a cold command line runs this reader once, in V8's interpreter, where a loop over characters is slow.
     */
    private colonOrHash(at: number, contentEnd: number): number {
        UP_TO_COLON_OR_HASH.lastIndex = at;
        UP_TO_COLON_OR_HASH.test(this.text);
        return Math.min(UP_TO_COLON_OR_HASH.lastIndex, contentEnd);
    }

    /** Whether a plain scalar of block context may start at `at`: not an indicator, but `-`, `?` or `:` before a non-space. */
    private startsPlain(at: number, contentEnd: number): boolean {
        const code = this.text.charCodeAt(at);
        return !refusedPlainStart(code) && !((code === DASH || code === 0x3f || code === COLON) && this.isBlank(at + 1, contentEnd));
    }

    /** A space, or the end of the line's content (`contentEnd`), at `at`. */
    private isBlank(at: number, contentEnd: number): boolean {
        return at >= contentEnd || this.text.charCodeAt(at) === SPACE;
    }

    /** A flow sequence or mapping that closes on its line: its value and the offset after it. */
    private flow(at: number, contentEnd: number, path: string, depth: number): { read: Read; after: number } {
        const text = this.text;
        const open = text.charCodeAt(at);
        const close = open === LBRACKET ? RBRACKET : RBRACE;
        const items: unknown[] = [];
        const map: Record<string, unknown> = {};
        let i = this.skipSpaces(at + 1, contentEnd);
        if (text.charCodeAt(i) === close) {
            return { read: { value: open === LBRACKET ? items : map, start: at, end: i + 1, tail: i + 1 }, after: i + 1 };
        }
        while (true) {
            if (open === LBRACKET) {
                const itemPath = depth === 0 ? String(items.length) : `${path}\u0001${items.length}`;
                this.count(depth + 1);
                const item = this.flowScalarOrCollection(i, contentEnd, itemPath, depth + 1);
                // `[a: b]` is a mapping inside the sequence
                if (text.charCodeAt(this.skipSpaces(item.after, contentEnd)) === COLON) throw GIVE_UP;
                items.push(item.read.value);
                this.locs.set(itemPath, { value: [item.read.start, item.read.end] });
                i = this.skipSpaces(item.after, contentEnd);
            } else {
                const keyCode = text.charCodeAt(i);
                let name: string;
                let keyEnd: number;
                if (keyCode === DQUOTE || keyCode === SQUOTE) {
                    const quoted = this.quoted(i, contentEnd);
                    name = quoted.value;
                    keyEnd = quoted.after;
                } else {
                    if (refusedPlainStart(keyCode) || keyCode === DASH || keyCode === 0x3f || keyCode === COLON) throw GIVE_UP;
                    keyEnd = this.flowPlainEnd(i, contentEnd);
                    name = text.slice(i, keyEnd);
                }
                if (name === '<<' || Object.prototype.hasOwnProperty.call(map, name)) throw GIVE_UP;
                if (text.charCodeAt(keyEnd) !== COLON || text.charCodeAt(keyEnd + 1) !== SPACE) throw GIVE_UP;
                const valueAt = this.skipSpaces(keyEnd + 1, contentEnd);
                const c = text.charCodeAt(valueAt);
                if (c === COMMA || c === RBRACE || valueAt >= contentEnd) throw GIVE_UP;
                const entryPath = depth === 0 ? name : `${path}\u0001${name}`;
                this.count(depth + 1);
                const value = this.flowScalarOrCollection(valueAt, contentEnd, entryPath, depth + 1);
                setOwn(map, name, value.read.value);
                this.locs.set(entryPath, { key: [i, keyEnd], value: [value.read.start, value.read.end] });
                i = this.skipSpaces(value.after, contentEnd);
            }
            const c = text.charCodeAt(i);
            if (i >= contentEnd) throw GIVE_UP;
            if (c === close) break;
            if (c !== COMMA) throw GIVE_UP;
            i = this.skipSpaces(i + 1, contentEnd);
            // a trailing comma, or an empty entry
            if (text.charCodeAt(i) === close || text.charCodeAt(i) === COMMA || i >= contentEnd) throw GIVE_UP;
        }
        return { read: { value: open === LBRACKET ? items : map, start: at, end: i + 1, tail: i + 1 }, after: i + 1 };
    }

    private flowScalarOrCollection(at: number, contentEnd: number, path: string, depth: number): { read: Read; after: number } {
        const text = this.text;
        const code = text.charCodeAt(at);
        if (code === LBRACKET || code === LBRACE) return this.flow(at, contentEnd, path, depth);
        if (code === DQUOTE || code === SQUOTE) {
            const quoted = this.quoted(at, contentEnd);
            return { read: { value: quoted.value, start: at, end: quoted.after, tail: quoted.after }, after: quoted.after };
        }
        if (refusedPlainStart(code) || code === DASH || code === 0x3f || code === COLON) {
            // `-1` is a plain scalar; `- `, `?` and `:` starts are left to the parser
            if (!(code === DASH && at + 1 < contentEnd && text.charCodeAt(at + 1) !== SPACE && !isFlowIndicator(text.charCodeAt(at + 1)))) throw GIVE_UP;
        }
        const end = this.flowPlainEnd(at, contentEnd);
        if (end === at) throw GIVE_UP;
        return { read: { value: resolvePlainScalar(text.slice(at, end)), start: at, end, tail: end }, after: end };
    }

    /** End of a plain scalar in a flow collection (trailing spaces excluded); gives up on a comment in it. */
    private flowPlainEnd(at: number, contentEnd: number): number {
        const text = this.text;
        let end = at;
        while (true) {
            UP_TO_FLOW_STOP.lastIndex = end;
            UP_TO_FLOW_STOP.test(text);
            end = Math.min(UP_TO_FLOW_STOP.lastIndex, contentEnd);
            if (end >= contentEnd) break;
            const c = text.charCodeAt(end);
            if (isFlowIndicator(c)) break;
            if (c === COLON) {
                // `:` ends the scalar before a space or a flow indicator; elsewhere it is part of it (`http://x`)
                const n = text.charCodeAt(end + 1);
                if (n === SPACE || isFlowIndicator(n) || end + 1 >= contentEnd) break;
            } else if (text.charCodeAt(end - 1) === SPACE) {
                throw GIVE_UP; // a comment: the collection goes on on another line
            }
            end++;
        }
        while (end > at && text.charCodeAt(end - 1) === SPACE) end--;
        return end;
    }

    private skipSpaces(at: number, contentEnd: number): number {
        while (at < contentEnd && this.text.charCodeAt(at) === SPACE) at++;
        return at;
    }
}

/** A new copy of a value read before (the walk makes a new value each time an alias brings one in). */
function copyOf(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(copyOf);
    if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) setOwn(out, key, copyOf(value[key]));
        return out;
    }
    return value;
}

function isFlowIndicator(code: number): boolean {
    return code === COMMA || code === LBRACKET || code === RBRACKET || code === LBRACE || code === RBRACE;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Sets an own data property; `__proto__` as a key would otherwise set the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
    else o[key] = value;
}
