// Compose texts and the edits a user makes to them, for the tests that compare the editor's parse per edit with a
// whole parse (yaml-source-edits): every YAML fixture, and deterministic edits that can be replayed.
import * as fs from 'fs';
import * as path from 'path';
import type { ParsedYaml } from '../../../src/core/compose/yaml-source';

export const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');

export function yamlFiles(dir: string = FIXTURES): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return yamlFiles(full);
        return /\.ya?ml$/.test(entry.name) ? [full] : [];
    });
}

/** A small deterministic generator, so that a failure names an edit that can be replayed. */
export function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 2 ** 32;
    };
}

const BREAKS = ['  "unclosed', '     # note', '   # note', '  x: |', '      text', '    - [1, 2', 'services:', '  web:', '\tx: 1', '  <<: {a: 1}', '---', '  dup: 1', '#c', '', '    image: *x', 'x: &x 1', '  svc0:', '? k', '  - item'];

/** One edit as a user makes them: a line removed, doubled, re-indented, replaced by something odd, or typed into. */
export function edit(text: string, next: () => number, typed = ' :#"[{x'): string {
    const lines = text.split('\n');
    const at = Math.floor(next() * lines.length);
    switch (Math.floor(next() * 6)) {
        case 0:
            lines.splice(at, 1);
            break;
        case 1:
            lines.splice(at, 0, lines[at] ?? '');
            break;
        case 2:
            lines[at] = next() < 0.5 ? `  ${lines[at]}` : (lines[at] ?? '').replace(/^ {1,2}/, '');
            break;
        case 3:
            lines.splice(at, 0, BREAKS[Math.floor(next() * BREAKS.length)]);
            break;
        case 4: {
            const line = lines[at] ?? '';
            const col = Math.floor(next() * (line.length + 1));
            lines[at] = line.slice(0, col) + typed[Math.floor(next() * typed.length)] + line.slice(col);
            break;
        }
        default:
            lines[at] = (lines[at] ?? '').replace(/[0-9]/, '7');
    }
    return lines.join('\n');
}

/** Everything a reader of a parse can see. */
export function seen(parsed: ParsedYaml): unknown {
    return {
        ok: parsed.ok,
        value: parsed.value,
        recovered: parsed.recovered,
        diagnostics: parsed.diagnostics,
        locs: [...parsed.source.locs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
        lines: parsed.source.lineCounter.lineStarts,
    };
}
