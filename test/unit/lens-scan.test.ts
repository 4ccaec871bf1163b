// The CodeLens's light scan of a compose file gives what the parser's placement gives, on every compose file of the
// fixtures, the generated big file and hand-written edge cases; where it cannot tell, it says so (undefined).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { placeComposeLenses, type ComposePlacement } from '../../src/core/compose/lens-placement';
import { scanComposePlacement } from '../../src/core/compose/lens-scan';
import { parseYamlSource } from '../../src/core/compose/yaml-source';
import { generateCompose } from '../../bench/codelens';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

function composeFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return composeFiles(full);
        return /\.ya?ml$/.test(entry.name) ? [full] : [];
    });
}

/** The parser's placement without `partial` (the scan does not validate YAML; it gives up on broken files). */
function parsed(text: string): Omit<ComposePlacement, 'partial'> {
    const { partial: _partial, ...rest } = placeComposeLenses(text);
    void _partial;
    return rest;
}

function scanned(text: string): Omit<ComposePlacement, 'partial'> | undefined {
    const placement = scanComposePlacement(text);
    if (!placement) return undefined;
    assert.equal(placement.partial, false);
    const { partial: _partial, ...rest } = placement;
    void _partial;
    return rest;
}

function lines(...all: string[]): string {
    return all.join('\n') + '\n';
}

describe('compose lens scan', () => {
    it('gives the parser placement for every compose fixture it reads, and reads the well-formed ones', () => {
        const files = composeFiles(FIXTURES);
        assert.ok(files.length > 20, `fixtures found: ${files.length}`);
        let read = 0;
        for (const file of files) {
            const text = fs.readFileSync(file, 'utf8');
            const scan = scanned(text);
            if (scan === undefined) continue;
            read++;
            // A text the parser refuses before parsing (flow nesting beyond its limit) has no placement there; the
            // scan, which never recurses, still places the lenses, and the diagnostics report the refusal.
            if (parseYamlSource(file, text).document === undefined) continue;
            assert.deepEqual(scan, parsed(text), file);
        }
        assert.ok(read >= files.length / 2, `the scan read ${read} of ${files.length} fixtures`);
    });

    it('reads the generated 500-service file exactly as the parser does', () => {
        const text = generateCompose(500);
        const scan = scanned(text);
        assert.ok(scan, 'the scan gave up');
        assert.equal(scan.services.length, 500);
        assert.deepEqual(scan, parsed(text));
    });

    it('reads values and ranges as the loader does: quotes, comments, CRLF, numbers, build forms, duplicates', () => {
        const cases = [
            lines('version: "3.8"', 'services:', '  web:', '    image: nginx:1.25', '    deploy:', '      replicas: 20', '  api:', '    build: ./api', '    image: registry.local/api:${TAG:-dev}', '  worker:', '    image: worker', '    deploy:', '      mode: global', 'networks:', '  default: {}'),
            ['# services: not this one', '', 'services: # the real one', '  # web: commented out', '  web-1: # a key', '    # image: not-this', '    image: "nginx" # comment', '', "  db:", "    image: 'it''s'  ", '    deploy:', '      replicas: "3"', '      mode: "global"'].join('\r\n'),
            lines('services:', '  a:', '    image: 123', '    deploy:', '      replicas: 0x10', '  b:', '    image: 1.50', '    deploy:', '      replicas: 2.5', '      mode: 7', '  c:', '    image: ~', '  d:', '    image:', '  e: null', '  f:', '  a:', '    image: duplicate'),
            lines('services:', '  a:', '    build:', '      context: ./ctx', '      dockerfile: Dockerfile.dev', '    image: a', '  b:', '    build:', '      args:', '        X: 1', '  c:', '    build:', '  d:', '    image: [not, scalar]', '    deploy:', '      replicas: {a: 1}', '      resources:', '        limits: {cpus: "0.5"}'),
            lines('services:', '  web:', '    image: nginx', '    command: |', '      image: not-this', '      deploy:', '    environment:', '      A: "x', '        y"', '    labels: [a,', '      b]', '    deploy:', '      replicas: 2', '      labels:', '        replicas: 9'),
            lines('x-top: 1', 'services:', '    web:', '        image: deep', '        deploy:', '            replicas: 3', 'services:', '  other:', '    image: second-services-key'),
            lines('version: "3.8"', 'services:'),
            lines('version: "3.8"', 'networks: {}'),
            '',
        ];
        for (const text of cases) {
            const scan = scanned(text);
            assert.ok(scan, `the scan gave up on:\n${text}`);
            assert.deepEqual(scan, parsed(text), text);
        }
    });

    it('leaves to the parser what it cannot read alone', () => {
        const cases = [
            lines('x-defaults: &defaults', '  image: base:1', 'services:', '  a:', '    <<: *defaults'),
            lines('services:', '  a: *defaults'),
            lines('services:', '  a: {image: x}'),
            lines('services:', '  a:', '    image: &img x'),
            lines('services:', '  a:', '    image: !!str 1'),
            lines('services:', '  a:', '    image: >', '      folded'),
            lines('services:', '  a:', '    image: "a\\tb"'),
            lines('services:', '  a:', '    image:', '      next-line'),
            lines('services:', '  a:', '    image: two', '      lines'),
            lines('services:', '  a:', '    deploy: {replicas: 2}'),
            lines('services:', '  a:', '    build: {context: x}'),
            lines('services:', '  "a":', '    image: x'),
            lines('services:', '  a:', '\timage: x'),
            lines('---', 'services:', '  a:', '    image: x'),
            lines('services:', '  web:', '    image: nginx', '  api', '    image: foo'),
            lines('services:', '  a:', '    image: x', ' b:', '    image: y'),
            lines('services:', '  a:', '    ports: [', '    "80:80"]'),
            lines('- a', '- b'),
            '\ufeffservices:\n  a:\n    image: x\n',
        ];
        for (const text of cases) assert.equal(scanComposePlacement(text), undefined, text);
    });
});
