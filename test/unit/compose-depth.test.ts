import * as assert from 'node:assert/strict';
import { loadCompose } from '../../src/core/compose/load';
import { DEFAULT_LIMITS, parseYamlSource, type ParsedYaml } from '../../src/core/compose/yaml-source';

/** `services.web.labels` with `levels` block mappings nested in it, each indented one more space. */
function nestedMappings(levels: number): string {
    let text = 'services:\n  web:\n    image: nginx\n    labels:\n';
    for (let i = 0; i < levels; i++) text += `${' '.repeat(6 + i)}k${i}:\n`;
    return `${text}${' '.repeat(6 + levels)}v: 1\n`;
}

describe('block nesting far past the depth limit', () => {
    for (const levels of [1_000, 2_500]) {
        it(`${levels} nested block mappings give the depth limit, located, not "Maximum call stack size exceeded"`, () => {
            const result = loadCompose([{ path: '/tmp/deep.yml', text: nestedMappings(levels) }], { env: {}, dotEnv: false });
            assert.ok(!result.diagnostics.some((d) => /Maximum call stack/.test(d.message)), result.diagnostics[0]?.message);
            const depth = result.diagnostics.find((d) => d.code === 'limit-depth');
            assert.ok(depth, JSON.stringify(result.diagnostics.slice(0, 3)));
            assert.equal(depth.message, 'document nesting depth exceeds 64');
            assert.ok(depth.range.start.line > 64, `line ${depth.range.start.line}`);
        });
    }

    it('1 000 nested block sequences give the depth limit', () => {
        let text = 'services:\n  web:\n    image: nginx\n    command:\n';
        for (let i = 0; i < 1_000; i++) text += `${' '.repeat(6 + 2 * i)}-\n`;
        text += `${' '.repeat(6 + 2 * 1_000)}x\n`;
        const result = loadCompose([{ path: '/tmp/deep.yml', text }], { env: {}, dotEnv: false });
        assert.ok(!result.diagnostics.some((d) => /Maximum call stack/.test(d.message)), result.diagnostics[0]?.message);
        assert.ok(result.diagnostics.some((d) => d.code === 'limit-depth'), JSON.stringify(result.diagnostics.slice(0, 3)));
    });

    it('the editor\'s parse per edit gives the same, on opening and after an edit', () => {
        const text = nestedMappings(1_000);
        let previous: ParsedYaml | undefined = parseYamlSource('/tmp/deep.yml', 'services:\n  web:\n    image: nginx\n');
        for (const version of [text, text.replace('image: nginx', 'image: nginx:1')]) {
            const parsed: ParsedYaml = parseYamlSource('/tmp/deep.yml', version, DEFAULT_LIMITS, previous);
            previous = parsed;
            assert.deepEqual(
                parsed.diagnostics.map((d) => [d.code, d.message]),
                [['limit-depth', 'document nesting depth exceeds 64']],
            );
        }
    });
});
