import * as assert from 'node:assert/strict';
import { placeComposeLenses, type ServicePlacement } from '../../src/core/compose/lens-placement';

/** Lines written as an array so that the 0-based line numbers in the assertions are easy to read. */
function text(...lines: string[]): string {
    return lines.join('\n') + '\n';
}

function byKey(services: ServicePlacement[]): Record<string, ServicePlacement> {
    return Object.fromEntries(services.map((s) => [s.key, s]));
}

describe('compose lens placement', () => {
    it('places services:, each service key, its image and its replicas in a normal file', () => {
        const p = placeComposeLenses(
            text(
                'version: "3.8"', // 0
                'services:', // 1
                '  web:', // 2
                '    image: nginx:1.25', // 3
                '    deploy:', // 4
                '      replicas: 20', // 5
                '  api:', // 6
                '    build: ./api', // 7
                '    image: registry.local/api:${TAG:-dev}', // 8
                '  worker:', // 9
                '    image: worker', // 10
                '    deploy:', // 11
                '      mode: global', // 12
                'networks:', // 13
                '  default: {}', // 14
            ),
        );
        assert.equal(p.partial, false);
        assert.equal(p.servicesLine, 1);
        assert.deepEqual(
            p.services.map((s) => s.key),
            ['web', 'api', 'worker'],
        );
        const s = byKey(p.services);
        assert.equal(s.web.keyLine, 2);
        assert.equal(s.web.imageLine, 3);
        assert.equal(s.web.image, 'nginx:1.25');
        assert.deepEqual(s.web.imageRange, { start: { line: 3, character: 11 }, end: { line: 3, character: 21 } });
        assert.equal(s.web.replicas, 20);
        assert.equal(s.web.replicasLine, 5);
        assert.deepEqual(s.web.replicasRange, { start: { line: 5, character: 16 }, end: { line: 5, character: 18 } });
        assert.equal(s.web.buildContextHint, undefined);
        assert.equal(s.api.keyLine, 6);
        assert.equal(s.api.imageLine, 8);
        assert.equal(s.api.image, 'registry.local/api:${TAG:-dev}', 'as written, not interpolated');
        assert.equal(s.api.buildContextHint, './api');
        assert.equal(s.api.replicas, undefined);
        assert.equal(s.worker.mode, 'global');
        assert.equal(s.worker.replicas, undefined);
    });

    it('reads build mappings: context, default context and dockerfile', () => {
        const s = byKey(
            placeComposeLenses(
                text(
                    'services:',
                    '  a:',
                    '    image: a',
                    '    build:',
                    '      context: ./src/a',
                    '      dockerfile: Dockerfile.prod',
                    '  b:',
                    '    image: b',
                    '    build: {}',
                ),
            ).services,
        );
        assert.equal(s.a.buildContextHint, './src/a');
        assert.equal(s.a.dockerfileHint, 'Dockerfile.prod');
        assert.equal(s.b.buildContextHint, '.');
        assert.equal(s.b.dockerfileHint, undefined);
    });

    it('handles flow style (several keys on one line)', () => {
        const p = placeComposeLenses(
            text(
                'services: {web: {image: nginx, deploy: {replicas: 3}},', // 0
                '  db: {image: "postgres:16"}}', // 1
            ),
        );
        assert.equal(p.servicesLine, 0);
        const s = byKey(p.services);
        assert.equal(s.web.keyLine, 0);
        assert.equal(s.web.imageLine, 0);
        assert.equal(s.web.image, 'nginx');
        assert.equal(s.web.replicas, 3);
        assert.equal(s.web.replicasLine, 0);
        assert.deepEqual(s.web.keyRange.start, { line: 0, character: 11 });
        assert.equal(s.db.keyLine, 1);
        assert.equal(s.db.image, 'postgres:16');
        assert.equal(s.db.imageLine, 1);
    });

    it('follows anchors, aliases and merge keys for values, but gives lines only for keys written in the service', () => {
        const p = placeComposeLenses(
            text(
                'x-defaults: &defaults', // 0
                '  image: base:1', // 1
                '  deploy: &deploy', // 2
                '    replicas: 4', // 3
                'x-more: &more', // 4
                '  image: more:1', // 5
                '  build: ./more', // 6
                'services:', // 7
                '  a:', // 8
                '    <<: *defaults', // 9
                '  b:', // 10
                '    <<: [*more, *defaults]', // 11
                '  c:', // 12
                '    <<: *defaults', // 13
                '    image: own:2', // 14
                '    deploy: *deploy', // 15
                '  d: *defaults', // 16
                '  "<<": ignored', // 17 (a quoted key is a real key)
            ),
        );
        assert.equal(p.partial, false);
        assert.equal(p.servicesLine, 7);
        const s = byKey(p.services);
        assert.equal(s.a.keyLine, 8);
        assert.equal(s.a.image, 'base:1');
        assert.equal(s.a.imageLine, undefined, 'the image: line is in the anchor, not in the service');
        assert.equal(s.a.replicas, 4);
        assert.equal(s.a.replicasLine, undefined);
        assert.equal(s.b.image, 'more:1', 'the first merge source wins');
        assert.equal(s.b.replicas, 4);
        assert.equal(s.b.buildContextHint, './more');
        assert.equal(s.c.image, 'own:2', 'own keys win over merged ones');
        assert.equal(s.c.imageLine, 14);
        assert.equal(s.c.replicas, 4);
        assert.equal(s.c.replicasLine, undefined, 'deploy: *deploy puts replicas in the anchor');
        assert.equal(s.d.keyLine, 16);
        assert.equal(s.d.image, 'base:1');
        assert.equal(s.d.imageLine, undefined);
        assert.ok(p.services.length >= 4);
    });

    it('returns what it can from YAML broken in the middle of the file, and never throws', () => {
        const p = placeComposeLenses(
            text(
                'services:', // 0
                '  web:', // 1
                '    image: nginx', // 2
                '  api:', // 3
                '    image: [unclosed', // 4
                '    deploy:', // 5
                '      replicas: 3', // 6
                '  db:', // 7
                '    image: postgres', // 8
            ),
        );
        assert.equal(p.partial, true);
        assert.equal(p.servicesLine, 0);
        const s = byKey(p.services);
        assert.equal(s.web.keyLine, 1);
        assert.equal(s.web.imageLine, 2);
        assert.equal(s.db.keyLine, 7);
        assert.equal(s.db.image, 'postgres');
        assert.equal(s.api.image, undefined, 'a sequence is not an image');

        // A half-typed key: the services before it keep their lenses.
        const q = placeComposeLenses(text('services:', '  web:', '    image: nginx', '  api', '    image: foo', '  db:', '    image: postgres'));
        assert.equal(q.partial, true);
        assert.equal(byKey(q.services).web.keyLine, 1);
        assert.equal(byKey(q.services).db.keyLine, 5);

        for (const broken of ['services:\n  web:\n\timage: x\n', ': : :\n', '{{{{', 'services: [', '\u0000\u0001', 'services:\n  a: &a\n    <<: *a\n', '- a\n- b\n', '"unterminated']) {
            assert.doesNotThrow(() => placeComposeLenses(broken));
        }
    });

    it('gives no service lenses when there are no services', () => {
        assert.deepEqual(placeComposeLenses(''), { services: [], partial: false });
        assert.deepEqual(placeComposeLenses('version: "3.8"\nnetworks: {}\n'), { services: [], partial: false });
        assert.deepEqual(placeComposeLenses('- just\n- a list\n'), { services: [], partial: false });
        const empty = placeComposeLenses('version: "3.8"\nservices:\n');
        assert.equal(empty.servicesLine, 1);
        assert.deepEqual(empty.services, []);
        const nested = placeComposeLenses('x-nested:\n  services:\n    web: {image: a}\n');
        assert.equal(nested.servicesLine, undefined, 'only the top-level services: key counts');
    });

    it('is not confused by comments, blank lines, quoted keys and CRLF', () => {
        const p = placeComposeLenses(
            [
                '# services: not this one', // 0
                '', // 1
                'services: # the real one', // 2
                '  # web: commented out', // 3
                '  "web-1": # quoted key', // 4
                '    # image: not-this', // 5
                '    image: "nginx" # comment', // 6
                '', // 7
                "  'db':", // 8
                '    image: postgres', // 9
                '    deploy: {replicas: "2"}', // 10
            ].join('\r\n'),
        );
        assert.equal(p.servicesLine, 2);
        assert.deepEqual(
            p.services.map((s) => [s.key, s.keyLine, s.imageLine, s.image]),
            [
                ['web-1', 4, 6, 'nginx'],
                ['db', 8, 9, 'postgres'],
            ],
        );
        assert.equal(byKey(p.services).db.replicas, 2);
    });

    it('keeps the first of duplicated service keys and skips non-scalar replicas', () => {
        const p = placeComposeLenses(text('services:', '  web:', '    image: a', '    deploy: {replicas: "${N}"}', '  web:', '    image: b'));
        assert.equal(p.services.length, 1);
        assert.equal(p.services[0].image, 'a');
        assert.equal(p.services[0].keyLine, 1);
        assert.equal(p.services[0].replicas, undefined);
    });
});
