/**
 * What of an `ssh://` URL may reach ssh, and how the remote command is quoted for the remote shell.
 *
 * ssh hands its remote command to the user's login shell on the far side, so every word of it is quoted as
 * docker/cli does since v28.3.2 (cli/connhelper/ssh/ssh.go `quoteCommand`, with the POSIX rules of
 * cli/connhelper/internal/syntax/quote.go). The user and host go to ssh as arguments, not through a shell, but
 * OpenSSH expands them into `ProxyCommand` and `Match exec`, so they are held to names ssh takes literally.
 * Stricter than the CLI: whitespace and control characters are refused anywhere in the URL.
 */

/** Whitespace, control and invisible format characters (bidirectional overrides, zero-width spaces). */
const UNSAFE_CHARACTER = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The first whitespace or control character of `text`, if any. */
export function findUnsafeCharacter(text: string): string | undefined {
    return UNSAFE_CHARACTER.exec(text)?.[0];
}

/** `a space`, `a tab`, `the character U+0007`: for sentences. */
export function describeCharacter(ch: string): string {
    switch (ch) {
        case ' ':
            return 'a space';
        case '\t':
            return 'a tab';
        case '\n':
            return 'a line break';
        case '\r':
            return 'a carriage return';
        default:
            return `the character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    }
}

/** A user name ssh and the remote login take literally. */
const USER_NAME = /^[\p{L}\p{N}_.+@][\p{L}\p{N}_.+@-]*$/u;
/** A host name or ~/.ssh/config alias; IPv6 addresses (from brackets) separately. */
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const IPV6_ADDRESS = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?$/;

/** Why `user` cannot go to ssh, or undefined. */
export function sshUserProblem(user: string): string | undefined {
    const unsafe = findUnsafeCharacter(user);
    if (unsafe !== undefined) return `the user name contains ${describeCharacter(unsafe)}`;
    if (USER_NAME.test(user)) return undefined;
    const bad = Array.from(user).find((ch, i) => !USER_NAME.test(i === 0 ? ch : `a${ch}`));
    return `the user name ${JSON.stringify(user)} contains ${JSON.stringify(bad ?? user[0])}; a user name is letters, digits and . _ + @ - (not first)`;
}

/** Why `host` cannot go to ssh, or undefined. */
export function sshHostProblem(host: string): string | undefined {
    if (host === '') return 'the ssh host name is empty';
    const unsafe = findUnsafeCharacter(host);
    if (unsafe !== undefined) return `the host name contains ${describeCharacter(unsafe)}`;
    if (HOST_NAME.test(host) || IPV6_ADDRESS.test(host)) return undefined;
    const bad = Array.from(host).find((ch, i) => !HOST_NAME.test(i === 0 ? ch : `a${ch}`));
    return `the host name ${JSON.stringify(host)} contains ${JSON.stringify(bad ?? host[0])}; a host is letters, digits and . _ - (not first), or an IPv6 address in brackets`;
}

/** Shell keywords a word must not be on its own (syntax.IsKeyword, from bash's y.tab.c). */
const SHELL_KEYWORDS = new Set([
    '!', '[[', ']]', 'case', 'coproc', 'do', 'done', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select',
    'then', 'time', 'until', 'while', '{', '}',
]);
/** Characters that make a word mean something else to a POSIX shell (syntax.Quote's list). */
const SHELL_SPECIAL = /[;"'()$|&><`\s\\#{~*?[=]/;
/** Go's unicode.IsPrint: graphic characters and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * One word for a POSIX shell, quoted only where needed, as syntax.Quote(…, LangPOSIX) does: unchanged when
 * nothing in it is special, else in single quotes, else (it holds a `'`) in double quotes with `"` `\` `` ` `` `$`
 * escaped.
 * @throws Error for a NUL or a character POSIX shells cannot write (the CLI refuses these too)
 */
export function quoteShellWord(word: string): string {
    if (word === '') return "''";
    if (word.includes('\0') || !PRINTABLE.test(word)) {
        throw new Error(`${JSON.stringify(word)} cannot be written for a POSIX shell (it holds a control character)`);
    }
    if (!SHELL_SPECIAL.test(word) && !SHELL_KEYWORDS.has(word)) return word;
    if (!word.includes("'")) return `'${word}'`;
    return `"${word.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}

/** The remote command as the one string ssh sends, every word quoted (ssh.go quoteCommand). */
export function quoteRemoteCommand(words: readonly string[]): string {
    return words.map(quoteShellWord).join(' ');
}
