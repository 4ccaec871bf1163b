/**
 * `.dockerignore` as the Docker CLI reads and applies it, written after moby/patternmatcher:
 *  - readDockerignore: `ignorefile/ignorefile.go` (ReadAll): BOM, `#` comments, trimming, cleaning, leading `/`.
 *  - PatternMatcher: `patternmatcher.go` (New, MatchesOrParentMatches, MatchesUsingParentResults, Pattern.compile).
 *
 * On Linux and macOS a backslash escapes the next character (`\#secret.txt`, `my\ secret.txt`, `\[draft\].md`,
 * `\!keep`); on Windows it is the path separator and nothing can be escaped. Patterns docker refuses are refused:
 * a line that is only `!`, glob syntax Go's filepath.Match rejects, and globs whose translation Go's regexp cannot
 * compile (docker fails the build on them). Matching follows the regular expression patternmatcher builds, which is
 * then read with Go's regexp syntax and rewritten for JavaScript; the few Go-only escapes with no faithful
 * JavaScript form (`\p{…}`, `\S` or a negated POSIX class inside brackets) are refused with a sentence rather than
 * matched differently.
 */

/** Which rules apply: escapes on POSIX systems, `\` as separator on Windows. */
export type PathFlavour = 'posix' | 'windows';

export function hostPathFlavour(): PathFlavour {
    return process.platform === 'win32' ? 'windows' : 'posix';
}

/** A pattern docker would refuse; `index` is the pattern's position in the list given to the matcher. */
export class IgnorePatternError extends Error {
    constructor(
        message: string,
        readonly index: number,
    ) {
        super(message);
        this.name = 'IgnorePatternError';
    }
}

/** One pattern of a `.dockerignore`, as ReadAll returns it, with its 1-based line. */
export interface IgnoreLine {
    pattern: string;
    line: number;
}

/** Go's bufio.Scanner refuses longer lines; docker then fails reading the file. */
const MAX_LINE_BYTES = 64 * 1024 - 1;

/** Go's unicode.IsSpace, which strings.TrimSpace uses (JavaScript's trim also strips U+FEFF, Go's does not). */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'gu');

function goTrimSpace(text: string): string {
    return text.replace(GO_TRIM, '');
}

/** Go's path.Clean: the shortest equivalent path, `.` for empty. */
function cleanSlashPath(p: string): string {
    if (p === '') return '.';
    const rooted = p.startsWith('/');
    const out: string[] = [];
    for (const segment of p.split('/')) {
        if (segment === '' || segment === '.') continue;
        if (segment === '..') {
            if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
            else if (!rooted) out.push('..');
            continue;
        }
        out.push(segment);
    }
    const joined = out.join('/');
    if (rooted) return `/${joined}`;
    return joined === '' ? '.' : joined;
}

/** filepath.Clean for the flavour, in slash form (on Windows `\` is a separator, so it becomes `/`). */
function cleanPath(p: string, flavour: PathFlavour): string {
    return cleanSlashPath(flavour === 'windows' ? p.replace(/\\/g, '/') : p);
}

/**
 * ignorefile.ReadAll: lines split as bufio.Scanner does, a BOM stripped from the first, lines starting with `#`
 * skipped before trimming, blank lines skipped, `!` kept in front of the cleaned path, one leading `/` dropped.
 * A line that is only `!` is kept: the matcher refuses it, as docker does.
 * @throws IgnorePatternError (index = the 1-based line) for a line longer than docker reads
 */
export function readDockerignore(text: string, flavour: PathFlavour = hostPathFlavour()): IgnoreLine[] {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const out: IgnoreLine[] = [];
    lines.forEach((raw, i) => {
        let pattern = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (i === 0 && pattern.startsWith('\uFEFF')) pattern = pattern.slice(1);
        if (Buffer.byteLength(pattern) > MAX_LINE_BYTES) {
            throw new IgnorePatternError(`line ${i + 1} is longer than docker reads (64 KiB)`, i + 1);
        }
        if (pattern.startsWith('#')) return;
        pattern = goTrimSpace(pattern);
        if (pattern === '') return;
        const invert = pattern.startsWith('!');
        if (invert) pattern = goTrimSpace(pattern.slice(1));
        if (pattern.length > 0) {
            pattern = cleanPath(pattern, flavour);
            if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
        }
        out.push({ pattern: invert ? `!${pattern}` : pattern, line: i + 1 });
    });
    return out;
}

/** Per-pattern results of a folder, handed to its entries (patternmatcher's MatchInfo). */
export type MatchInfo = readonly boolean[];

type MatchKind =
    | { kind: 'exact'; text: string }
    | { kind: 'prefix'; prefix: string }
    | { kind: 'suffix'; suffix: string }
    | { kind: 'regexp'; regexp: RegExp };

interface Pattern {
    /** The cleaned pattern without its `!` (slash-separated). */
    text: string;
    exclusion: boolean;
    match: MatchKind;
}

export class PatternMatcher {
    private constructor(
        private readonly patterns: readonly Pattern[],
        /** Whether any pattern is an exception (`!…`). */
        readonly hasExclusions: boolean,
    ) {}

    /**
     * patternmatcher.New, with every pattern compiled at once (docker compiles on first use and fails the build
     * then; refusing up front says which line).
     * @throws IgnorePatternError naming the pattern and why docker refuses it
     */
    static create(patterns: readonly string[], flavour: PathFlavour = hostPathFlavour()): PatternMatcher {
        const compiled: Pattern[] = [];
        let hasExclusions = false;
        patterns.forEach((raw, index) => {
            let p = goTrimSpace(raw);
            if (p === '') return;
            p = cleanPath(p, flavour);
            let exclusion = false;
            if (p.startsWith('!')) {
                if (p.length === 1) {
                    throw new IgnorePatternError('a line that is only "!" excludes nothing; docker refuses it ("illegal exclusion pattern")', index);
                }
                exclusion = true;
                hasExclusions = true;
                p = p.slice(1);
            }
            const escapes = flavour === 'posix';
            const syntax = globSyntaxError(p, escapes);
            if (syntax !== undefined) {
                throw new IgnorePatternError(`the pattern ${JSON.stringify(p)} is malformed (${syntax}); docker refuses it`, index);
            }
            let match: MatchKind;
            try {
                match = compilePattern(p, escapes);
            } catch (e) {
                const reason = (e as Error).message;
                throw new IgnorePatternError(
                    e instanceof Untranslatable
                        ? `the pattern ${JSON.stringify(p)} cannot be matched: ${reason}`
                        : `the pattern ${JSON.stringify(p)} is malformed for docker's matcher (${reason}); docker refuses it`,
                    index,
                );
            }
            compiled.push({ text: p, exclusion, match });
        });
        return new PatternMatcher(compiled, hasExclusions);
    }

    /** The exceptions' cleaned paths (without `!`), in order. */
    exceptions(): string[] {
        return this.patterns.filter((p) => p.exclusion).map((p) => p.text);
    }

    /** MatchesOrParentMatches: `file` (slash-separated, relative) or one of its parent folders is excluded. */
    matchesOrParentMatches(file: string): boolean {
        const parents = parentFolders(file);
        let matched = false;
        for (const pattern of this.patterns) {
            // Only an exception can undo a match, and only an exclusion can make one.
            if (pattern.exclusion !== matched) continue;
            let match = matchPattern(pattern, file);
            if (!match) match = parents.some((parent) => matchPattern(pattern, parent));
            if (match) matched = !pattern.exclusion;
        }
        return matched;
    }

    /**
     * MatchesUsingParentResults: as matchesOrParentMatches, reusing the results of the folder `file` lies in
     * (undefined for an entry at the top, or when the folder was not looked at).
     */
    matchesUsingParentResults(file: string, parent: MatchInfo | undefined): { excluded: boolean; info: MatchInfo } {
        const parents = parent === undefined ? parentFolders(file) : [];
        let matched = false;
        const info: boolean[] = [];
        this.patterns.forEach((pattern, i) => {
            let match = parent?.[i] ?? false;
            if (!match) {
                if (pattern.exclusion !== matched) {
                    info.push(false);
                    return;
                }
                match = matchPattern(pattern, file) || parents.some((p) => matchPattern(pattern, p));
            }
            info.push(match);
            if (match) matched = !pattern.exclusion;
        });
        return { excluded: matched, info };
    }
}

/** `a`, `a/b` for `a/b/c` (filepath.Dir, then each prefix); none at the top. */
function parentFolders(file: string): string[] {
    const dir = cleanSlashPath(file.slice(0, file.lastIndexOf('/') + 1));
    if (dir === '.') return [];
    const parts = dir.split('/');
    return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function matchPattern(pattern: Pattern, file: string): boolean {
    const m = pattern.match;
    switch (m.kind) {
        case 'exact':
            return file === m.text;
        case 'prefix':
            return file.startsWith(m.prefix);
        case 'suffix':
            // `**/foo` also matches `foo` itself.
            return file.endsWith(m.suffix) || (m.suffix.startsWith('/') && file === m.suffix.slice(1));
        case 'regexp':
            return m.regexp.test(file);
    }
}

/** Characters patternmatcher escapes before building its regexp (they mean nothing to filepath.Match). */
const REGEXP_ONLY = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/**
 * Pattern.compile: the match kind, and for globs the regular expression patternmatcher builds (Go syntax),
 * turned into a JavaScript RegExp.
 */
function compilePattern(pattern: string, escapes: boolean): MatchKind {
    const chars = Array.from(pattern);
    let goRegexp = '^';
    let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
    let at = 0;
    for (let step = 0; at < chars.length; step++) {
        const ch = chars[at++];
        if (ch === '*') {
            if (chars[at] === '*') {
                at++;
                // `**/` is `**`: the slash is eaten.
                if (chars[at] === '/') at++;
                if (at >= chars.length) {
                    // A trailing `**` accepts everything below, as .gitignore does.
                    if (kind === 'exact') kind = 'prefix';
                    else {
                        goRegexp += '.*';
                        kind = 'regexp';
                    }
                } else {
                    goRegexp += '(.*/)?';
                    kind = 'regexp';
                }
                if (step === 0) kind = 'suffix';
            } else {
                goRegexp += '[^/]*';
                kind = 'regexp';
            }
        } else if (ch === '?') {
            goRegexp += '[^/]';
            kind = 'regexp';
        } else if (REGEXP_ONLY.has(ch)) {
            goRegexp += `\\${ch}`;
        } else if (ch === '\\' && escapes) {
            if (at < chars.length) {
                goRegexp += `\\${chars[at++]}`;
                kind = 'regexp';
            } else {
                goRegexp += '\\';
            }
        } else if (ch === '[' || ch === ']') {
            goRegexp += ch;
            kind = 'regexp';
        } else {
            goRegexp += ch;
        }
    }
    switch (kind) {
        case 'exact':
            return { kind, text: pattern };
        case 'prefix':
            return { kind, prefix: pattern.slice(0, -2) };
        case 'suffix':
            return { kind, suffix: pattern.slice(2) };
        case 'regexp':
            return { kind, regexp: new RegExp(goRegexpToJs(`${goRegexp}$`), 'u') };
    }
}

// ---- filepath.Match's syntax check (what New asks of every pattern) ----

/**
 * Why Go's filepath.Match would call `pattern` malformed, or undefined when it would not.
 * Follows scanChunk/matchChunk/getEsc of Go's `path/filepath/match.go`: each `*`-separated chunk must parse.
 */
function globSyntaxError(pattern: string, escapes: boolean): string | undefined {
    let rest = pattern;
    while (rest.length > 0) {
        // scanChunk: leading stars, then up to the next star outside brackets.
        rest = rest.replace(/^\*+/, '');
        let inRange = false;
        let i = 0;
        for (; i < rest.length; i++) {
            const c = rest[i];
            if (c === '\\' && escapes) {
                if (i + 1 < rest.length) i++;
            } else if (c === '[') inRange = true;
            else if (c === ']') inRange = false;
            else if (c === '*' && !inRange) break;
        }
        const problem = chunkSyntaxError(Array.from(rest.slice(0, i)), escapes);
        if (problem !== undefined) return problem;
        rest = rest.slice(i);
    }
    return undefined;
}

function chunkSyntaxError(chunk: string[], escapes: boolean): string | undefined {
    let i = 0;
    // getEsc: one class character, possibly escaped, which must be followed by more of the class.
    const classChar = (): string | undefined => {
        if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') return 'a character class has an empty or misplaced item';
        if (chunk[i] === '\\' && escapes) {
            i++;
            if (i >= chunk.length) return 'a character class ends in a backslash';
        }
        i++;
        if (i >= chunk.length) return 'a character class is not closed with ]';
        return undefined;
    };
    while (i < chunk.length) {
        const c = chunk[i];
        if (c === '[') {
            i++;
            if (chunk[i] === '^') i++;
            let ranges = 0;
            for (;;) {
                if (chunk[i] === ']' && ranges > 0) {
                    i++;
                    break;
                }
                const lo = classChar();
                if (lo !== undefined) return lo;
                if (chunk[i] === '-') {
                    i++;
                    const hi = classChar();
                    if (hi !== undefined) return hi;
                }
                ranges++;
            }
        } else if (c === '\\' && escapes) {
            i++;
            if (i >= chunk.length) return 'it ends in a backslash';
            i++;
        } else {
            i++;
        }
    }
    return undefined;
}

// ---- Go regexp syntax → JavaScript ----

class Untranslatable extends Error {}

/** Go's `\s` (ASCII only, unlike JavaScript's). */
const GO_SPACE_CLASS = '\\t\\n\\f\\r ';
const PERL_OUTSIDE: Record<string, string> = {
    d: '[0-9]',
    D: '[^0-9]',
    s: `[${GO_SPACE_CLASS}]`,
    S: `[^${GO_SPACE_CLASS}]`,
    w: '[0-9A-Za-z_]',
    W: '[^0-9A-Za-z_]',
};
/** Perl classes inside brackets; `\S` has no bracket form that keeps Go's meaning. */
const PERL_INSIDE: Record<string, string> = { d: '0-9', D: '\\D', s: GO_SPACE_CLASS, w: '0-9A-Za-z_', W: '\\W' };
/** Go's POSIX classes (`[[:alpha:]]`), as JavaScript class items. */
const POSIX_CLASSES: Record<string, string> = {
    alnum: '0-9A-Za-z',
    alpha: 'A-Za-z',
    ascii: '\\x00-\\x7F',
    blank: '\\t ',
    cntrl: '\\x00-\\x1F\\x7F',
    digit: '0-9',
    graph: '!-~',
    lower: 'a-z',
    print: ' -~',
    punct: '!-\\/:-@\\[-`{-~',
    space: '\\t\\n\\v\\f\\r ',
    upper: 'A-Z',
    word: '0-9A-Za-z_',
    xdigit: '0-9A-Fa-f',
};
const JS_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function codePoint(cp: number): string {
    return `\\u{${cp.toString(16)}}`;
}

function literal(ch: string): string {
    return JS_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

/**
 * Rewrites the regular expression patternmatcher builds (Go's RE2 syntax, Perl flags) as a JavaScript pattern for
 * the `u` flag. Only what a glob can turn into occurs: anchors, the optional-folders group, `.*`, `[^/]`, escapes and the user's
 * brackets; Go's meaning is kept (`.` stops at a newline only; `\s`, `\w`, `\d` are ASCII).
 * @throws Error when Go would reject the expression too, or (Untranslatable) when JavaScript has no faithful form
 */
function goRegexpToJs(source: string): string {
    const s = Array.from(source);
    let i = 0;
    let out = '';
    let quantifiable = false;
    while (i < s.length) {
        const c = s[i++];
        switch (c) {
            case '^':
            case '$':
                out += c;
                quantifiable = false;
                break;
            case '(':
                out += '(?:';
                quantifiable = false;
                break;
            case ')':
                out += ')';
                quantifiable = true;
                break;
            case '*':
            case '+':
            case '?':
                if (!quantifiable) throw new Error(`missing argument to repetition operator ${c}`);
                out += c;
                if (s[i] === '?') out += s[i++];
                quantifiable = false;
                if (s[i] === '*' || s[i] === '+' || s[i] === '?') throw new Error('invalid nested repetition operator');
                break;
            case '.':
                out += '[^\\n]';
                quantifiable = true;
                break;
            case '[': {
                const cls = translateClass(s, i);
                out += cls.text;
                i = cls.next;
                quantifiable = true;
                break;
            }
            case '\\': {
                const e = s[i];
                if (e === undefined) throw new Error('trailing backslash');
                if (e === 'A' || e === 'z') {
                    i++;
                    out += e === 'A' ? '^' : '$';
                    quantifiable = false;
                } else if (e === 'b' || e === 'B') {
                    i++;
                    out += `\\${e}`;
                    quantifiable = false;
                } else if (e === 'Q') {
                    i++;
                    while (i < s.length && !(s[i] === '\\' && s[i + 1] === 'E')) out += literal(s[i++]);
                    if (i < s.length) i += 2;
                    quantifiable = true;
                } else if (e === 'p' || e === 'P') {
                    throw new Untranslatable(`Swarm Stacks cannot match the Unicode class \\${e} as docker does; write the characters without the backslash`);
                } else if (PERL_OUTSIDE[e] !== undefined) {
                    i++;
                    out += PERL_OUTSIDE[e];
                    quantifiable = true;
                } else {
                    const esc = parseEscape(s, i);
                    i = esc.next;
                    out += codePoint(esc.value);
                    quantifiable = true;
                }
                break;
            }
            default:
                out += literal(c);
                quantifiable = true;
        }
    }
    return out;
}

/** Go's parseEscape after the backslash: a punctuation literal, octal, hex or a C escape. */
function parseEscape(s: string[], start: number): { value: number; next: number } {
    let i = start;
    const c = s[i++];
    if (c === undefined) throw new Error('trailing backslash');
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return { value: cp, next: i };
    const octal = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '7';
    if (c >= '1' && c <= '7' && !octal(s[i])) throw new Error(`invalid escape sequence \\${c}`);
    if (c >= '0' && c <= '7') {
        let digits = c;
        while (digits.length < 3 && octal(s[i])) digits += s[i++];
        return { value: parseInt(digits, 8), next: i };
    }
    if (c === 'x') {
        const hex = (ch: string | undefined): boolean => ch !== undefined && /^[0-9A-Fa-f]$/.test(ch);
        if (s[i] === '{') {
            i++;
            let digits = '';
            while (hex(s[i])) digits += s[i++];
            if (s[i] !== '}' || digits === '' || parseInt(digits, 16) > 0x10ffff) throw new Error('invalid escape sequence \\x{…}');
            return { value: parseInt(digits, 16), next: i + 1 };
        }
        if (!hex(s[i]) || !hex(s[i + 1])) throw new Error('invalid escape sequence \\x');
        return { value: parseInt(s[i] + s[i + 1], 16), next: i + 2 };
    }
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (simple[c] !== undefined) return { value: simple[c], next: i };
    throw new Error(`invalid escape sequence \\${c}`);
}

/** Go's parseClass (Perl flags: `]` first is literal, `-` is literal where it cannot make a range). */
function translateClass(s: string[], start: number): { text: string; next: number } {
    let i = start;
    let negated = false;
    if (s[i] === '^') {
        negated = true;
        i++;
    }
    let items = '';
    let first = true;
    const classChar = (): number => {
        const c = s[i];
        if (c === undefined) throw new Error('missing closing ]');
        if (c === '\\') {
            const esc = parseEscape(s, i + 1);
            i = esc.next;
            return esc.value;
        }
        i++;
        return c.codePointAt(0)!;
    };
    for (;;) {
        if (i >= s.length) throw new Error('missing closing ]');
        if (s[i] === ']' && !first) {
            i++;
            break;
        }
        first = false;
        if (s[i] === '[' && s[i + 1] === ':') {
            const close = s.slice(i + 2).join('').indexOf(':]');
            if (close >= 0) {
                const name = s.slice(i + 2, i + 2 + close).join('');
                if (name.startsWith('^')) {
                    throw new Untranslatable(`Swarm Stacks cannot match the negated class [:${name}:] inside brackets as docker does`);
                }
                const items_ = POSIX_CLASSES[name];
                if (items_ === undefined) throw new Error(`invalid character class range [:${name}:]`);
                items += items_;
                i += 2 + close + 2;
                continue;
            }
        }
        if (s[i] === '\\' && (s[i + 1] === 'p' || s[i + 1] === 'P')) {
            throw new Untranslatable(`Swarm Stacks cannot match the Unicode class \\${s[i + 1]} as docker does; write the characters without the backslash`);
        }
        if (s[i] === '\\' && s[i + 1] === 'S') {
            throw new Untranslatable('Swarm Stacks cannot match \\S inside brackets as docker does');
        }
        const perl = s[i] === '\\' ? PERL_INSIDE[s[i + 1] ?? ''] : undefined;
        if (perl !== undefined) {
            items += perl;
            i += 2;
            continue;
        }
        const lo = classChar();
        let hi = lo;
        if (s[i] === '-' && i + 1 < s.length && s[i + 1] !== ']') {
            i++;
            hi = classChar();
            if (hi < lo) throw new Error(`invalid character class range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
        }
        items += hi === lo ? codePoint(lo) : `${codePoint(lo)}-${codePoint(hi)}`;
    }
    return { text: `[${negated ? '^' : ''}${items}]`, next: i };
}
