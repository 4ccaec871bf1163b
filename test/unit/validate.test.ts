/** Schema validation (validate.ts): formats like the CLI's checkers, version-specific keys, message wording. */
import * as assert from 'assert';
import { validateSchema, hasSchema, isPortsFormatNumber } from '../../src/core/compose/validate';
import { parsePortSpec, parseVolumeSpec, expandPortSpec } from '../../src/core/compose/short-syntax';
import { checkImageReference } from '../../src/core/image-reference';

const svc = (s: Record<string, unknown>, version = '3.13', top: Record<string, unknown> = {}) => ({ version, services: { web: { image: 'nginx', ...s } }, ...top });
const msgs = (cfg: unknown, version = '3.13') => validateSchema(cfg, version).map((i) => i.message);

describe('validate: ports format (schema_test.go table, own inputs)', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    const valid = ['80', '80/udp', '80/sctp', '80/', '8000-8010', '8000:80', ':80', '127.0.0.1:8000:80', '[::1]:8000:80', '::1:8000:80', '0.0.0.0:8000-8010:8000-8010/udp', '8000-8002:80', '1-2-3'];
    const invalid = ['8000:8000/http', '65536', '8005-8000:8005-8000', 'abc', '8000-8010:80-81', '1.1.1:80:80', '', '80:', '-1', '80/TCPX', '[::1:8000:80'];
    for (const p of valid) it(`valid ${JSON.stringify(p)}`, () => assert.deepStrictEqual(msgs(svc({ ports: [p] })), []));
    for (const p of invalid) {
        it(`invalid ${JSON.stringify(p)}`, () => assert.deepStrictEqual(msgs(svc({ ports: [p] })), ["services.web.ports.0 Does not match format 'ports'"]));
    }
    it('numbers use the numerator like the CLI checker', () => {
        assert.ok(isPortsFormatNumber(80));
        assert.ok(!isPortsFormatNumber(65536));
        assert.ok(!isPortsFormatNumber(-1));
        assert.ok(isPortsFormatNumber(1.5)); // 3/2 → "3" (CLI quirk)
    });
    it('expose uses the same checker', () => {
        assert.deepStrictEqual(msgs(svc({ expose: ['3000', 8000, '80-90/udp'] })), []);
        assert.deepStrictEqual(msgs(svc({ expose: ['x'] })), ["services.web.expose.0 Does not match format 'expose'"]);
    });
    it('port spec errors carry the go-connections texts', () => {
        assert.throws(() => parsePortSpec('8000:8000/http'), /^Error: invalid proto: http$/);
        assert.throws(() => parsePortSpec('8000-8010:80-81'), /invalid ranges specified for container and host Ports: 80-81 and 8000-8010/);
        assert.throws(() => parsePortSpec('x:80:80'), /invalid IP address: x/);
        assert.deepStrictEqual(expandPortSpec('8000-8002:80').ports.map((p) => p.published), [8000, 8001, 8002]);
        assert.deepStrictEqual(expandPortSpec('3000').ports, [{ mode: 'ingress', target: 3000, protocol: 'tcp' }]);
    });
});

describe('validate: durations', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    for (const d of ['10s', '1m30s', '0', '1.5h', '-1s', '300ms']) it(`valid ${d}`, () => assert.deepStrictEqual(msgs(svc({ stop_grace_period: d })), []));
    for (const d of ['10', '10x', '1 m', 'abc', '']) {
        it(`invalid ${JSON.stringify(d)}`, () => assert.deepStrictEqual(msgs(svc({ stop_grace_period: d })), ["services.web.stop_grace_period Does not match format 'duration'"]));
    }
});

describe('validate: keys per version (schema_test.go / loader_test.go descriptions)', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    it('all schema versions 3.0 … 3.13 exist, others do not', () => {
        for (let i = 0; i <= 13; i++) assert.ok(hasSchema(`3.${i}`));
        for (const v of ['2', '2.4', '3.14', '3', '1.0']) assert.ok(!hasSchema(v));
    });
    it('credential_spec: file/registry since 3.3, config since 3.8', () => {
        assert.deepStrictEqual(msgs(svc({ credential_spec: { file: 'x' } }, '3.2'), '3.2'), ['services.web Additional property credential_spec is not allowed']);
        assert.deepStrictEqual(msgs(svc({ credential_spec: { file: 'x' } }, '3.3'), '3.3'), []);
        assert.deepStrictEqual(msgs(svc({ credential_spec: { config: 'x' } }, '3.7'), '3.7'), ['services.web.credential_spec Additional property config is not allowed']);
        assert.deepStrictEqual(msgs(svc({ credential_spec: { config: 'x' } }, '3.8'), '3.8'), []);
    });
    it('secret/config name since 3.5', () => {
        const top = { secrets: { s: { name: 'real', file: './s' } } };
        assert.deepStrictEqual(msgs(svc({}, '3.4', top), '3.4'), ['secrets.s Additional property name is not allowed']);
        assert.deepStrictEqual(msgs(svc({}, '3.5', top), '3.5'), []);
    });
    it('rollback_config since 3.7, isolation since 3.5 (not validated), placement.max_replicas_per_node since 3.8', () => {
        assert.deepStrictEqual(msgs(svc({ deploy: { rollback_config: { parallelism: 1 } } }, '3.6'), '3.6'), ['services.web.deploy Additional property rollback_config is not allowed']);
        assert.deepStrictEqual(msgs(svc({ deploy: { rollback_config: { parallelism: 1 } } }, '3.7'), '3.7'), []);
        assert.deepStrictEqual(msgs(svc({ isolation: 'invalid-thing' }, '3.5'), '3.5'), []);
        assert.deepStrictEqual(msgs(svc({ deploy: { placement: { max_replicas_per_node: 1 } } }, '3.7'), '3.7'), ['services.web.deploy.placement Additional property max_replicas_per_node is not allowed']);
    });
    it('x- fields: root from 3.4, services from 3.7', () => {
        assert.deepStrictEqual(msgs({ ...svc({}, '3.4'), 'x-a': 1 }, '3.4'), []);
        assert.deepStrictEqual(msgs(svc({ 'x-a': 1 }, '3.6'), '3.6'), ['services.web Additional property x-a is not allowed']);
        assert.deepStrictEqual(msgs(svc({ 'x-a': 1 }, '3.7'), '3.7'), []);
    });
    it('only the most specific error per location (no oneOf noise)', () => {
        assert.deepStrictEqual(msgs(svc({ ports: [{ target: 'x' }] })), ['services.web.ports.0.target must be a integer']);
        assert.deepStrictEqual(msgs(svc({ environment: 5 })), ['services.web.environment must be a mapping']);
        assert.deepStrictEqual(msgs(svc({ ulimits: { nofile: { soft: 'a', hard: 1 } } })), ['services.web.ulimits.nofile.soft must be a integer']);
        assert.deepStrictEqual(msgs(svc({ healthcheck: { retries: '3' } })), ['services.web.healthcheck.retries must be a number']);
        assert.deepStrictEqual(msgs(svc({ volumes: [{ type: 'tmpfs', target: '/t', tmpfs: { size: 1.5 } }] })), ['services.web.volumes.0.tmpfs.size must be a integer']);
        assert.deepStrictEqual(msgs(svc({ deploy: { update_config: { order: 'x' } } })), ['services.web.deploy.update_config.order must be one of the following: "start-first", "stop-first"']);
    });
    it('issues carry the path for locating (key for additional properties)', () => {
        const [i] = validateSchema(svc({ foo: 1 }), '3.13');
        assert.deepStrictEqual(i.path, ['services', 'web', 'foo']);
        assert.strictEqual(i.onKey, true);
    });
});

describe('validate: short volume syntax and image references', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    it('volume specs like volumespec.Parse', () => {
        assert.deepStrictEqual(parseVolumeSpec('/data'), { type: 'volume', target: '/data' });
        assert.deepStrictEqual(parseVolumeSpec('db:/var/lib/db:ro,nocopy'), { type: 'volume', source: 'db', target: '/var/lib/db', read_only: true, volume: { nocopy: true } });
        assert.deepStrictEqual(parseVolumeSpec('./a:/b:rshared,z'), { type: 'bind', source: './a', target: '/b', bind: { propagation: 'rshared' } });
        assert.deepStrictEqual(parseVolumeSpec('C:\\data:/data'), { type: 'bind', source: 'C:\\data', target: '/data' });
        assert.throws(() => parseVolumeSpec(''), /invalid empty volume spec/);
        assert.throws(() => parseVolumeSpec('ab::c'), /invalid spec: ab::c: empty section between colons/); // ('a::b' is a drive letter)
    });
    it('image references (distribution/reference)', () => {
        for (const ok of ['nginx', 'nginx:1.25', 'library/nginx', 'localhost:5000/a/b:c', 'a@sha256:' + 'f'.repeat(64), 'f'.repeat(64), '[::1]:5000/img']) {
            assert.strictEqual(checkImageReference(ok), undefined, ok);
        }
        assert.strictEqual(checkImageReference('Nginx'), 'invalid reference format: repository name (library/Nginx) must be lowercase');
        assert.strictEqual(checkImageReference('nginx::1'), 'invalid reference format');
        assert.strictEqual(checkImageReference('nginx:'), 'invalid reference format');
        assert.strictEqual(checkImageReference('ngi nx'), 'invalid reference format');
        // go-digest: the algorithm's exact length of lowercase hex, not the grammar's "32 or more".
        assert.strictEqual(checkImageReference('nginx@sha256:' + 'a'.repeat(32)), 'invalid checksum digest length');
        assert.strictEqual(checkImageReference('nginx@sha256:' + 'A'.repeat(64)), 'invalid checksum digest format');
        assert.strictEqual(checkImageReference('nginx@md5:' + 'a'.repeat(32)), 'unsupported digest algorithm');
        assert.strictEqual(checkImageReference('nginx@sha512:' + 'b'.repeat(128)), undefined);
        assert.strictEqual(checkImageReference('sha256:' + 'c'.repeat(64)), undefined);
    });
});
