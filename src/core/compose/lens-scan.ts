/**
 * The light scan of a compose file for the CodeLens: the same ComposePlacement as `placeParsedCompose`
 * (lens-placement.ts) read line by line from the text, without the YAML parser, so that lenses on a
 * 500-service file cost a few milliseconds per edit instead of a full parse.
 *
 * Decisions:
 *  - It reads only the block-style layout compose files are written in: top-level keys at column 0, the services
 *    mapping, each service's own `image`, `deploy.replicas`, `deploy.mode` and `build` (scalar, or `context` and
 *    `dockerfile`). Anything whose meaning it would have to guess — anchors, aliases or tags on those values,
 *    merge keys, flow-style services or deploy/build mappings, block or multi-line scalars for the values it reads,
 *    escapes in quoted values, tabs in indentation, quoted or complex keys, directives or document markers, and
 *    indentation YAML would refuse — makes it return undefined, and the caller uses the parser's placement. So
 *    whatever it returns is what the parse would have given (test/unit/lens-scan.test.ts compares both).
 *  - Lines deeper than a key it does not read (environment, labels, block scalars, flow collections continued
 *    over several lines) are skipped by indentation alone: they belong to that key.
 *  - `partial` is false: the scan does not validate YAML (the diagnostics report syntax errors); the parser's
 *    placement is used when the scan gives up.
 */
import type { Range } from '../diagnostics';
import type { ComposePlacement, ServicePlacement } from './lens-placement';
import { resolvePlainScalar } from './plain-scalar';

/** One non-blank, non-comment line. */
interface Line {
    /** 0-based line number. */
    index: number;
    /** Offset of the line's first character in the text. */
    start: number;
    indent: number;
    /** The line without its indentation and without a trailing `\r`. */
    content: string;
}

/** A `key: value` line: the key's columns, and the value's text as written (comment included). */
interface KeyLine {
    line: Line;
    key: string;
    keyStart: number;
    keyEnd: number;
    /** Column where the text after `:` starts. */
    valueColumn: number;
    value: string;
}

/** A scalar value as the loader reads it, with its columns on the line. */
interface ScalarValue {
    value: unknown;
    start: number;
    end: number;
}

/** Thrown where the scan stops and leaves the file to the parser. */
class NotScannable extends Error {}

/** The placement of a compose file's text, or undefined when only the YAML parser can tell. Never throws. */
export function scanComposePlacement(text: string): ComposePlacement | undefined {
    try {
        return scan(contentLines(text));
    } catch (error) {
        if (error instanceof NotScannable) return undefined;
        throw error;
    }
}

function contentLines(text: string): Line[] {
    if (text.charCodeAt(0) === 0xfeff) throw new NotScannable();
    const lines: Line[] = [];
    let start = 0;
    for (let index = 0; start <= text.length; index++) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = text.length;
        let indent = 0;
        while (text.charCodeAt(start + indent) === 32) indent++;
        const contentEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
        const content = text.slice(start + indent, contentEnd);
        if (content.length > 0 && content[0] !== '#') {
            if (content[0] === '\t' || content.trim() === '') throw new NotScannable();
            lines.push({ index, start, indent, content });
        }
        start = end + 1;
    }
    return lines;
}

function scan(lines: Line[]): ComposePlacement {
    const result: ComposePlacement = { services: [], partial: false };
    let i = 0;
    let servicesBlock: { from: number; to: number } | undefined;
    while (i < lines.length) {
        const line = lines[i];
        if (line.indent !== 0) throw new NotScannable();
        if (/^(---|\.\.\.|%)/.test(line.content)) throw new NotScannable();
        const entry = keyLine(line);
        const end = blockEnd(lines, i, 0);
        if (entry.key === 'services' && servicesBlock === undefined) {
            if (!isEmptyValue(entry.value)) throw new NotScannable();
            result.servicesLine = line.index;
            result.servicesRange = range(line, entry.keyStart, entry.keyEnd);
            servicesBlock = { from: i + 1, to: end };
        }
        i = end;
    }
    if (servicesBlock) scanServices(lines, servicesBlock.from, servicesBlock.to, result.services);
    return result;
}

function scanServices(lines: Line[], from: number, to: number, services: ServicePlacement[]): void {
    if (from >= to) return;
    for (const { entry, at, to: end } of ownKeys(lines, from, to, 0).values()) {
        const line = entry.line;
        const service: ServicePlacement = { key: entry.key, keyLine: line.index, keyRange: range(line, entry.keyStart, entry.keyEnd) };
        if (isEmptyValue(entry.value)) {
            if (end > at + 1) scanServiceBody(lines, at + 1, end, line.indent, service);
        } else {
            // `web: null` and the like: a service without a body. Anything else is the parser's.
            scalarOf(entry, end > at + 1, false);
        }
        services.push(service);
    }
}

function scanServiceBody(lines: Line[], from: number, to: number, parentIndent: number, service: ServicePlacement): void {
    const body = ownKeys(lines, from, to, parentIndent);
    const image = body.get('image');
    if (image) {
        const value = valueOf(image);
        if (value && value.value !== null) {
            service.image = String(value.value);
            service.imageLine = image.entry.line.index;
            service.imageRange = range(image.entry.line, value.start, value.end);
        }
    }
    const deploy = body.get('deploy');
    if (deploy) {
        const map = mappingOf(lines, deploy);
        if (map) {
            const replicas = map.get('replicas');
            if (replicas) {
                const value = valueOf(replicas);
                const n = asInteger(value?.value);
                if (value && n !== undefined) {
                    service.replicas = n;
                    service.replicasLine = replicas.entry.line.index;
                    service.replicasRange = range(replicas.entry.line, value.start, value.end);
                }
            }
            const mode = map.get('mode');
            const modeValue = mode ? valueOf(mode)?.value : undefined;
            if (typeof modeValue === 'string') service.mode = modeValue;
        }
    }
    const build = body.get('build');
    if (build) {
        if (build.to > build.at + 1) {
            const map = mappingOf(lines, build);
            if (map) {
                const context = map.get('context');
                const contextValue = context ? valueOf(context)?.value : undefined;
                service.buildContextHint = contextValue !== null && contextValue !== undefined ? String(contextValue) : '.';
                const dockerfile = map.get('dockerfile');
                const dockerfileValue = dockerfile ? valueOf(dockerfile)?.value : undefined;
                if (dockerfileValue !== null && dockerfileValue !== undefined) service.dockerfileHint = String(dockerfileValue);
            }
        } else {
            const value = scalarOf(build.entry, false, false);
            if (value && value.value !== null) service.buildContextHint = String(value.value);
        }
    }
}

/** A key of a block mapping: its line, and the lines of its value ([at + 1, to)). */
interface Member {
    entry: KeyLine;
    at: number;
    to: number;
}

/** The keys written in a block mapping (the first of duplicates), which starts on `from`, deeper than `parentIndent`. */
function ownKeys(lines: Line[], from: number, to: number, parentIndent: number): Map<string, Member> {
    const indent = lines[from].indent;
    if (indent <= parentIndent) throw new NotScannable();
    const keys = new Map<string, Member>();
    for (let i = from; i < to; ) {
        const line = lines[i];
        if (line.indent !== indent) throw new NotScannable();
        const entry = keyLine(line);
        if (entry.key === '<<') throw new NotScannable();
        const end = blockEnd(lines, i, indent);
        if (!keys.has(entry.key)) keys.set(entry.key, { entry, at: i, to: end });
        i = end;
    }
    return keys;
}

/** A member's value as a block mapping; undefined when it is a scalar (null included). */
function mappingOf(lines: Line[], member: Member): Map<string, Member> | undefined {
    if (!isEmptyValue(member.entry.value)) {
        scalarOf(member.entry, member.to > member.at + 1, false);
        return undefined;
    }
    if (member.to === member.at + 1) return undefined;
    return ownKeys(lines, member.at + 1, member.to, member.entry.line.indent);
}

/** A member's scalar value; undefined when it is a collection. */
function valueOf(member: Member): ScalarValue | undefined {
    const deeper = member.to > member.at + 1;
    if (isEmptyValue(member.entry.value)) {
        // `image:` then deeper lines: a nested value the parser must read (a scalar on the next line, a mapping…).
        if (deeper) throw new NotScannable();
        return { value: null, start: member.entry.valueColumn, end: member.entry.valueColumn };
    }
    return scalarOf(member.entry, deeper, true);
}

/**
 * The value written after `key:` on its line, as the loader reads it. A flow collection is no scalar: undefined
 * for a `leaf` (an image, a replica count), the end of the scan where the parse would read into it (a service,
 * `deploy`, `build`). Anchors, aliases, tags, block scalars, escapes and values continued on deeper lines end the scan.
 */
function scalarOf(entry: KeyLine, continued: boolean, leaf: boolean): ScalarValue | undefined {
    const raw = entry.value;
    let offset = 0;
    while (raw[offset] === ' ') offset++;
    const first = raw[offset];
    const start = entry.valueColumn + offset;
    if (first === undefined) return { value: null, start, end: start };
    if (first === '[' || first === '{') {
        if (!leaf) throw new NotScannable();
        return undefined;
    }
    if ('&*!|>%@`\t'.includes(first)) throw new NotScannable();
    if (first === '"' || first === "'") {
        const close = raw.indexOf(first, offset + 1);
        if (close === -1 || continued) throw new NotScannable();
        let inner = raw.slice(offset + 1, close);
        if (first === '"' && inner.includes('\\')) throw new NotScannable();
        let closeAt = close;
        if (first === "'") {
            // '' inside a single-quoted scalar is one quote.
            let at = close;
            while (raw[at + 1] === "'") {
                const next = raw.indexOf("'", at + 2);
                if (next === -1) throw new NotScannable();
                at = next;
            }
            closeAt = at;
            inner = raw.slice(offset + 1, closeAt).replace(/''/g, "'");
        }
        if (!/^([ \t]+(#.*)?)?$/.test(raw.slice(closeAt + 1))) throw new NotScannable();
        return { value: inner, start, end: entry.valueColumn + closeAt + 1 };
    }
    if (continued) throw new NotScannable();
    const comment = raw.search(/[ \t]#/);
    const written = (comment === -1 ? raw : raw.slice(0, comment)).slice(offset).replace(/[ \t]+$/, '');
    // `a: b: c` is a YAML error; `key: value #x` without a space before # keeps the # in the value.
    if (/:( |\t|$)/.test(written) || written.includes('\t')) throw new NotScannable();
    return { value: resolvePlainScalar(written), start, end: start + written.length };
}

/** A `key:` line; anything but a plain key followed by `:` and a space or the line's end ends the scan. */
function keyLine(line: Line): KeyLine {
    const content = line.content;
    if ('-?:,[]{}#&*!|>\'"%@`'.includes(content[0])) throw new NotScannable();
    const colon = content.search(/:( |\t|$)/);
    if (colon <= 0) throw new NotScannable();
    const key = content.slice(0, colon).replace(/[ \t]+$/, '');
    if (key.includes(' #') || key.includes('\t')) throw new NotScannable();
    return { line, key, keyStart: line.indent, keyEnd: line.indent + key.length, valueColumn: line.indent + colon + 1, value: content.slice(colon + 1) };
}

/** Whether what follows `key:` is nothing but blanks and a comment. */
function isEmptyValue(value: string): boolean {
    return /^([ \t]+(#.*)?)?$/.test(value);
}

/** Index of the first line after line `at` that is not deeper than `indent` (the end of `at`'s block). */
function blockEnd(lines: Line[], at: number, indent: number): number {
    let i = at + 1;
    while (i < lines.length && lines[i].indent > indent) i++;
    return i;
}

function range(line: Line, startColumn: number, endColumn: number): Range {
    return { start: { line: line.index, character: startColumn }, end: { line: line.index, character: endColumn } };
}

/** `deploy.replicas` as a count: an integer, or a string of digits. */
export function asInteger(value: unknown): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
    return undefined;
}
