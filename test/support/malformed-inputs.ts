/**
 * The malformed-input corpus: the committed files of test/fixtures/bad, and generated ones (too large to commit,
 * or binary). Shared by the engine test (deploy and lint against the real engine) and the unit test that the
 * editor's diagnostics equal `swarm-stacks lint`.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const BAD_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'bad');

/** Generated inputs (not committed: large, or binary). */
export function generateMalformedInputs(dir: string): string[] {
    const files: Record<string, string | Buffer> = {
        // Over the 4 MiB limit, made of an otherwise valid file plus comments.
        'gen-huge.yml': `services:\n  web:\n    image: nginx\n${'# padding padding padding padding padding padding padding padding\n'.repeat(70_000)}`,
        // Random bytes with NULs, after a YAML-looking start.
        'gen-binary.yml': Buffer.concat([Buffer.from('services:\n  web:\n    image: '), randomBytes(4096), Buffer.from([0, 0, 0])]),
        // Billion laughs: 10 levels of 10 aliases each.
        'gen-alias-bomb.yml': [
            'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array.from({ length: 10 }, () => `*a${i}`).join(',')}]`),
            'services:',
            '  web:',
            '    image: nginx',
            '    command: *a9',
        ].join('\n'),
        // Nesting far beyond the depth limit, in flow and in block style.
        'gen-deep-flow.yml': `services:\n  web:\n    image: nginx\n    command: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
        'gen-deep-block.yml': `services:\n  web:\n    image: nginx\n    labels:\n${Array.from({ length: 500 }, (_, i) => `${'  '.repeat(i + 3)}k${i}:`).join('\n')} x\n`,
        // A mapping with more keys than the loader accepts.
        'gen-many-keys.yml': `services:\n  web:\n    image: nginx\n    labels:\n${Array.from({ length: 12_000 }, (_, i) => `      k${i}: v`).join('\n')}\n`,
    };
    return Object.entries(files).map(([name, content]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    });
}
