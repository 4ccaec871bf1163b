/**
 * Dockerfile syntax only BuildKit honours, found before a build: builds go to the engine's `POST /build` with the
 * classic builder (`version=1`, as `DOCKER_BUILDKIT=0 docker build` sends them: docker/cli
 * `cli/command/image/build.go`), which refuses some of it and silently ignores the rest (moby
 * `builder/dockerfile/dispatchers.go`, v28.5.2: a RUN flag or `--chmod` fails the build "requires BuildKit";
 * heredocs fail to parse on Engine 20.10 ("unknown instruction"), and newer parsers read them but no dispatcher
 * uses their body; parser directives other than `escape` are comments to it). Each finding names its line and what happens, so the person knows before the engine says.
 *
 * A line reader, not a Dockerfile parser: instructions are matched at the start of a logical line (continuations
 * joined), which is where the syntax in question can be.
 */

export interface BuildKitOnlySyntax {
    /** 0-based line of the instruction or directive. */
    line: number;
    /** `RUN --mount`, `# syntax=` … */
    what: string;
    /** What the classic builder does with it. */
    effect: Effect;
}

/**
 * `fails`: every engine's classic builder refuses it; `ignored`: a comment to it; `ignoredOrUnknown`: newer engines'
 * parsers know the flag and the dispatchers ignore it, older ones (20.10) fail on it ("Unknown flag", seen on
 * 20.10.24 and 28.5.2); `heredoc`: fails to parse on 20.10, its body unused by newer ones.
 */
type Effect = 'fails' | 'ignored' | 'ignoredOrUnknown' | 'heredoc';

const DIRECTIVE = /^#\s*(syntax|check)\s*=/i;
const INSTRUCTION = /^\s*(RUN|COPY|ADD)\b(.*)$/is;
const FLAG = /(?:^|\s)--([a-z-]+)(?:=\S*)?/gi;
const HEREDOC = /<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?/;

/** What the classic builder does with each flag of RUN, COPY and ADD that only BuildKit reads. */
const FLAG_EFFECTS: Record<'RUN' | 'COPY' | 'ADD', Record<string, Effect>> = {
    // Any RUN flag fails (dispatchRun: "classic builder RUN currently does not support any flags").
    RUN: {},
    COPY: { chmod: 'fails', parents: 'fails', link: 'ignoredOrUnknown', exclude: 'ignoredOrUnknown' },
    ADD: { chmod: 'fails', link: 'ignoredOrUnknown', checksum: 'ignoredOrUnknown', 'keep-git-dir': 'ignoredOrUnknown', exclude: 'ignoredOrUnknown' },
};

export function findBuildKitOnlySyntax(dockerfile: string): BuildKitOnlySyntax[] {
    const found: BuildKitOnlySyntax[] = [];
    const lines = dockerfile.split(/\r?\n/);
    // Parser directives: comment lines at the very top, before any blank line, instruction or other comment.
    for (let i = 0; i < lines.length; i++) {
        const directive = /^#\s*([a-z]+)\s*=/i.exec(lines[i]);
        if (!directive) break;
        if (DIRECTIVE.test(lines[i])) found.push({ line: i, what: `# ${directive[1].toLowerCase()}=`, effect: 'ignored' });
    }
    const escape = /^#\s*escape\s*=\s*`/im.test(lines.slice(0, found.length + 2).join('\n')) ? '`' : '\\';
    for (let i = 0; i < lines.length; i++) {
        const start = i;
        let logical = lines[i];
        // A continuation joins the next line (comments inside the instruction are skipped, as the parser does).
        while (logical.trimEnd().endsWith(escape) && i + 1 < lines.length) {
            logical = logical.trimEnd().slice(0, -1) + ' ';
            i++;
            if (/^\s*#/.test(lines[i])) continue;
            logical += lines[i];
        }
        const instruction = INSTRUCTION.exec(logical);
        if (!instruction) continue;
        const keyword = instruction[1].toUpperCase() as 'RUN' | 'COPY' | 'ADD';
        const args = instruction[2];
        // Flags come first; they end at the first word that is not a flag.
        const flagPart = /^(\s+--[a-z-]+(?:=\S*)?)*/i.exec(args)?.[0] ?? '';
        for (const flag of flagPart.matchAll(FLAG)) {
            const name = flag[1].toLowerCase();
            const effect: Effect | undefined = keyword === 'RUN' ? 'fails' : FLAG_EFFECTS[keyword][name];
            if (effect) found.push({ line: start, what: `${keyword} --${name}`, effect });
        }
        if (HEREDOC.test(args.slice(flagPart.length))) {
            found.push({ line: start, what: `${keyword} with a heredoc (<<)`, effect: 'heredoc' });
        }
    }
    return found;
}

/**
 * The notice a build shows for these findings (none when there are none): that the classic builder is used, and
 * per finding its place and what happens.
 */
export function describeBuildKitOnlySyntax(file: string, found: readonly BuildKitOnlySyntax[]): string[] {
    if (!found.length) return [];
    const effects: Record<Effect, string> = {
        fails: 'the build fails',
        ignored: 'ignored by the classic builder',
        ignoredOrUnknown: 'ignored by the classic builder of newer engines; Engine 20.10 fails on it ("Unknown flag")',
        heredoc: 'the classic builder has no heredocs (the build fails, or the body is not used)',
    };
    return [
        `${file} uses syntax only BuildKit reads; this build uses the engine's classic builder (as DOCKER_BUILDKIT=0 docker build does):`,
        ...found.map((f) => `  ${file}:${f.line + 1}: ${f.what}: ${effects[f.effect]}`),
    ];
}
