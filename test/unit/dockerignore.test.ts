import * as assert from 'assert';

import { IgnorePatternError, PatternMatcher, readDockerignore, type MatchInfo } from '../../src/core/build/dockerignore';

/** As patternmatcher_test.go's check: walk the parents with MatchesUsingParentResults, then the file. */
function walkMatch(pm: PatternMatcher, file: string): boolean {
    const parts = file.split('/');
    parts.pop();
    let info: MatchInfo | undefined;
    parts.forEach((_, i) => {
        info = pm.matchesUsingParentResults(parts.slice(0, i + 1).join('/'), info).info;
    });
    return pm.matchesUsingParentResults(file, info).excluded;
}

describe('.dockerignore (moby/patternmatcher rules)', () => {
    describe('readDockerignore (ignorefile.ReadAll)', () => {
        it('reads ignorefile_test.go\'s file', () => {
            const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
            assert.deepStrictEqual(
                readDockerignore(content, 'posix').map((l) => l.pattern),
                ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!'],
            );
        });

        it('numbers lines from 1, strips a BOM and CR, and takes `#` as a comment only in the first column', () => {
            const lines = readDockerignore('\uFEFFa\r\n  # not a comment\n\n#comment\n./x/../b/\n', 'posix');
            assert.deepStrictEqual(lines, [
                { pattern: 'a', line: 1 },
                { pattern: '# not a comment', line: 2 },
                { pattern: 'b', line: 5 },
            ]);
        });

        it('keeps backslashes on POSIX and reads them as separators on Windows', () => {
            const text = '\\#secret.txt\nmy\\ secret.txt\ndir\\sub\n';
            assert.deepStrictEqual(readDockerignore(text, 'posix').map((l) => l.pattern), ['\\#secret.txt', 'my\\ secret.txt', 'dir\\sub']);
            assert.deepStrictEqual(readDockerignore(text, 'windows').map((l) => l.pattern), ['#secret.txt', 'my/ secret.txt', 'dir/sub']);
        });

        it('trims what Go trims (not U+FEFF after the first line)', () => {
            assert.deepStrictEqual(readDockerignore('\u00A0a\u3000\nb\uFEFF\n', 'posix').map((l) => l.pattern), ['a', 'b\uFEFF']);
        });
    });

    // TestMatches of patternmatcher_test.go: one pattern, one path.
    const single: [string, string, boolean][] = [
        ['**', 'file', true],
        ['**', 'file/', true],
        ['**/', 'file', true],
        ['**/', 'file/', true],
        ['**', '/', true],
        ['**/', '/', true],
        ['**', 'dir/file', true],
        ['**/', 'dir/file', true],
        ['**', 'dir/file/', true],
        ['**/', 'dir/file/', true],
        ['**/**', 'dir/file', true],
        ['**/**', 'dir/file/', true],
        ['dir/**', 'dir/file', true],
        ['dir/**', 'dir/file/', true],
        ['dir/**', 'dir/dir2/file', true],
        ['dir/**', 'dir/dir2/file/', true],
        ['**/dir', 'dir', true],
        ['**/dir', 'dir/file', true],
        ['**/dir2/*', 'dir/dir2/file', true],
        ['**/dir2/*', 'dir/dir2/file/', true],
        ['**/dir2/**', 'dir/dir2/dir3/file', true],
        ['**/dir2/**', 'dir/dir2/dir3/file/', true],
        ['**file', 'file', true],
        ['**file', 'dir/file', true],
        ['**/file', 'dir/file', true],
        ['**file', 'dir/dir/file', true],
        ['**/file', 'dir/dir/file', true],
        ['**/file*', 'dir/dir/file', true],
        ['**/file*', 'dir/dir/file.txt', true],
        ['**/file*txt', 'dir/dir/file.txt', true],
        ['**/file*.txt', 'dir/dir/file.txt', true],
        ['**/file*.txt*', 'dir/dir/file.txt', true],
        ['**/**/*.txt', 'dir/dir/file.txt', true],
        ['**/**/*.txt2', 'dir/dir/file.txt', false],
        ['**/*.txt', 'file.txt', true],
        ['**/**/*.txt', 'file.txt', true],
        ['a**/*.txt', 'a/file.txt', true],
        ['a**/*.txt', 'a/dir/file.txt', true],
        ['a**/*.txt', 'a/dir/dir/file.txt', true],
        ['a/*.txt', 'a/dir/file.txt', false],
        ['a/*.txt', 'a/file.txt', true],
        ['a/*.txt**', 'a/file.txt', true],
        ['a[b-d]e', 'ae', false],
        ['a[b-d]e', 'ace', true],
        ['a[b-d]e', 'aae', false],
        ['a[^b-d]e', 'aze', true],
        ['.*', '.foo', true],
        ['.*', 'foo', false],
        ['abc.def', 'abcdef', false],
        ['abc.def', 'abc.def', true],
        ['abc.def', 'abcZdef', false],
        ['abc?def', 'abcZdef', true],
        ['abc?def', 'abcdef', false],
        ['a\\\\', 'a\\', true],
        ['**/foo/bar', 'foo/bar', true],
        ['**/foo/bar', 'dir/foo/bar', true],
        ['**/foo/bar', 'dir/dir2/foo/bar', true],
        ['abc/**', 'abc', false],
        ['abc/**', 'abc/def', true],
        ['abc/**', 'abc/def/ghi', true],
        ['**/.foo', '.foo', true],
        ['**/.foo', 'bar.foo', false],
        ['a(b)c/def', 'a(b)c/def', true],
        ['a(b)c/def', 'a(b)c/xyz', false],
        ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
        ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
        ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
        ['a\\*b', 'a*b', true],
    ];
    const multi: [string[], string, boolean][] = [
        [['**', '!util/docker/web'], 'util/docker/web/foo', false],
        [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
        [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
        [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
        [['*'], 'fileutils.go', true],
        [['*.go'], 'fileutils.go', true],
        [['!fileutils.go', '*.go'], 'fileutils.go', true],
        [['docs', '!docs/README.md'], 'docs/README.md', false],
        [['docs/', '!docs/README.md'], 'docs/README.md', false],
        [['docs/*', '!docs/README.md'], 'docs/README.md', false],
        [['*.go', '!fileutils.go'], 'fileutils.go', false],
        [[], '/any/path/there', false],
    ];

    it('matches TestMatches\' cases with MatchesOrParentMatches and with parent results', () => {
        for (const [pattern, file, want] of single) {
            const pm = PatternMatcher.create([pattern], 'posix');
            assert.strictEqual(pm.matchesOrParentMatches(file), want, `${pattern} ~ ${file}`);
            assert.strictEqual(walkMatch(pm, file), want, `${pattern} ~ ${file} (walked)`);
            assert.strictEqual(pm.matchesUsingParentResults(file, undefined).excluded, want, `${pattern} ~ ${file} (no context)`);
        }
        for (const [patterns, file, want] of multi) {
            const pm = PatternMatcher.create(patterns, 'posix');
            assert.strictEqual(pm.matchesOrParentMatches(file), want, `${patterns.join(' ')} ~ ${file}`);
            assert.strictEqual(walkMatch(pm, file), want, `${patterns.join(' ')} ~ ${file} (walked)`);
        }
    });

    // matchTests of patternmatcher_test.go (Go's filepath.Match tests).
    const globs: [string, string, boolean][] = [
        ['abc', 'abc', true],
        ['*', 'abc', true],
        ['*c', 'abc', true],
        ['a*', 'a', true],
        ['a*', 'abc', true],
        ['a*', 'ab/c', true],
        ['a*/b', 'abc/b', true],
        ['a*/b', 'a/c/b', false],
        ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
        ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
        ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
        ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
        ['a*b?c*x', 'abxbbxdbxebxczzx', true],
        ['a*b?c*x', 'abxbbxdbxebxczzy', false],
        ['ab[c]', 'abc', true],
        ['ab[b-d]', 'abc', true],
        ['ab[e-g]', 'abc', false],
        ['ab[^c]', 'abc', false],
        ['ab[^b-d]', 'abc', false],
        ['ab[^e-g]', 'abc', true],
        ['a\\*b', 'a*b', true],
        ['a\\*b', 'ab', false],
        ['a?b', 'a☺b', true],
        ['a[^a]b', 'a☺b', true],
        ['a???b', 'a☺b', false],
        ['a[^a][^a][^a]b', 'a☺b', false],
        ['[a-ζ]*', 'α', true],
        ['*[a-ζ]', 'A', false],
        ['a?b', 'a/b', false],
        ['a*b', 'a/b', false],
        ['[\\]a]', ']', true],
        ['[\\-]', '-', true],
        ['[x\\-]', 'x', true],
        ['[x\\-]', '-', true],
        ['[x\\-]', 'z', false],
        ['[\\-x]', 'x', true],
        ['[\\-x]', '-', true],
        ['[\\-x]', 'a', false],
        ['*x', 'xxx', true],
        ['a?b', 'a😀b', true],
    ];

    it('matches filepath.Match\'s cases', () => {
        for (const [pattern, file, want] of globs) {
            assert.strictEqual(PatternMatcher.create([pattern], 'posix').matchesOrParentMatches(file), want, `${pattern} ~ ${file}`);
        }
    });

    it('refuses what docker refuses, saying which pattern', () => {
        const malformed = ['[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]', '[', '[^', '[^bc', 'a[', 'x/[', 'a\\'];
        for (const pattern of malformed) {
            assert.throws(
                () => PatternMatcher.create(['ok', pattern], 'posix'),
                (e: unknown) => e instanceof IgnorePatternError && e.index === 1 && e.message.includes('docker refuses'),
                pattern,
            );
        }
        assert.throws(() => PatternMatcher.create(['a', '!'], 'posix'), (e: unknown) => e instanceof IgnorePatternError && e.index === 1 && /only "!"/.test(e.message));
        // Valid for filepath.Match, but the regular expression docker builds from it does not compile.
        for (const pattern of ['[Local-Only]/', '[z-a]', 'a\\q', 'a\\1']) {
            assert.throws(() => PatternMatcher.create([pattern], 'posix'), /malformed for docker's matcher/, pattern);
        }
    });

    it('reads backslash escapes on POSIX', () => {
        const cases: [string, string, boolean][] = [
            ['\\#secret.txt', '#secret.txt', true],
            ['\\#secret.txt', '/#secret.txt', false],
            ['my\\ secret.txt', 'my secret.txt', true],
            ['my\\ secret.txt', 'my/ secret.txt', false],
            ['\\[draft\\].md', '[draft].md', true],
            ['\\[draft\\].md', 'd.md', false],
            ['[draft].md', 'd.md', true],
            ['\\!important.txt', '!important.txt', true],
            ['a\\.b', 'a.b', true],
            ['a\\.b', 'axb', false],
            ['\\*', '*', true],
            ['\\*', 'x', false],
            ['data\\d.csv', 'data7.csv', true],
            ['tab\\tname', 'tab\tname', true],
        ];
        for (const [pattern, file, want] of cases) {
            assert.strictEqual(PatternMatcher.create([pattern], 'posix').matchesOrParentMatches(file), want, `${pattern} ~ ${file}`);
        }
        // `\!` is an escaped `!`, not an exception.
        assert.strictEqual(PatternMatcher.create(['\\!important.txt'], 'posix').hasExclusions, false);
    });

    it('reads a backslash as a separator on Windows, with no escapes', () => {
        const pm = PatternMatcher.create(readDockerignore('dir\\sub\n\\#secret.txt\n', 'windows').map((l) => l.pattern), 'windows');
        assert.strictEqual(pm.matchesOrParentMatches('dir/sub/x'), true);
        assert.strictEqual(pm.matchesOrParentMatches('#secret.txt'), true);
        assert.strictEqual(PatternMatcher.create(['a\\*'], 'windows').matchesOrParentMatches('a/b'), true);
    });

    it('keeps the quirks of the regular expression docker builds', () => {
        // `*` inside brackets becomes `[^/]*` there: the class ends early and `]` is a literal.
        const star = PatternMatcher.create(['[*]'], 'posix');
        assert.strictEqual(star.matchesOrParentMatches('*'), false);
        assert.strictEqual(star.matchesOrParentMatches('[]'), true);
        assert.strictEqual(star.matchesOrParentMatches('^^]'), true);
        // POSIX classes are Go regexp classes.
        assert.strictEqual(PatternMatcher.create(['[[:digit:]]x'], 'posix').matchesOrParentMatches('7x'), true);
        // Go's `.` stops only at a newline.
        assert.strictEqual(PatternMatcher.create(['a/**'], 'posix').matchesOrParentMatches('a/\r'), true);
        assert.strictEqual(PatternMatcher.create(['x*/**'], 'posix').matchesOrParentMatches('xy/\r'), true);
    });
});
