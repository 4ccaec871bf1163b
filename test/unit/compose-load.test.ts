/**
 * loadCompose / validateComposeText: the docker/cli full example against its golden, environment and .env
 * precedence, versions, YAML value semantics, schema messages, multi-file merges, warnings, locate(), timing.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadCompose, validateComposeText, type LoadOptions } from '../../src/core/compose/load';
import { formatDiagnostic, type Diagnostic } from '../../src/core/diagnostics';
import { expandPortSpec } from '../../src/core/compose/short-syntax';
import { formatDurationNs, parseBytes, parseDurationNs } from '../../src/core/compose/values';
import type { ServiceConfig } from '../../src/core/compose/types';

const ROOT = path.resolve(__dirname, '..', '..', '..');
// docker/cli's loader test data, under its repository paths (see test/fixtures/docker-cli/README.md).
const CLI = path.join(ROOT, 'test', 'fixtures', 'docker-cli', 'cli', 'compose', 'loader');

/** In-memory files for readFile. */
function mem(files: Record<string, string>): LoadOptions['readFile'] {
    return (p: string) => {
        if (Object.prototype.hasOwnProperty.call(files, p)) return files[p];
        const e = new Error(`ENOENT: no such file or directory, open '${p}'`) as NodeJS.ErrnoException;
        e.code = 'ENOENT';
        throw e;
    };
}

function load(text: string | Record<string, string>, opts: LoadOptions = {}, extraFiles: Record<string, string> = {}) {
    const files = typeof text === 'string' ? { '/p/docker-compose.yml': text } : text;
    return loadCompose(
        Object.entries(files).map(([p, t]) => ({ path: p, text: t })),
        { env: {}, dotEnv: false, readFile: mem(extraFiles), ...opts },
    );
}

const errors = (d: Diagnostic[]) => d.filter((x) => x.severity === 'error');
const messages = (d: Diagnostic[]) => errors(d).map((x) => x.message);

describe('compose load: docker/cli full-example.yml', function () {
    // generous for busy machines
    this.timeout(30_000);
    const file = path.join(CLI, 'full-example.yml');
    const golden = JSON.parse(fs.readFileSync(path.join(CLI, 'testdata', 'full-example.json.golden'), 'utf8'));
    const env = { HOME: '/bar', QUX: 'qux_from_environment' };
    const res = loadCompose([file], { env, dotEnv: false, cliParity: true });
    const gs = golden.services.foo;
    const svc = res.config?.services.foo as ServiceConfig;

    it('loads without errors in CLI-parity mode', () => {
        assert.deepStrictEqual(errors(res.diagnostics), []);
        assert.ok(res.config);
        assert.strictEqual(res.version, '3.13');
        assert.strictEqual(res.workingDir, CLI);
        assert.deepStrictEqual(res.files, [file]);
    });

    it('default mode adds only the deploy-time reference errors the CLI would hit in conversion', () => {
        const r = loadCompose([file], { env, dotEnv: false });
        assert.deepStrictEqual(messages(r.diagnostics).sort(), ['undefined network "other-other-network"', 'undefined volume "datavolume"']);
    });

    it('env precedence FOO/BAR/BAZ/QUX matches the golden', () => {
        assert.deepStrictEqual({ ...svc.resolvedEnvironment }, gs.environment);
        assert.deepStrictEqual({ ...svc.resolvedEnvironment }, { BAR: 'bar_from_env_file_2', BAZ: 'baz_from_service_def', FOO: 'foo_from_env_file', QUX: 'qux_from_environment' });
    });

    it('octal modes are 288, uid/gid strings, as in the golden', () => {
        // our model keeps the short form as written; the CLI's golden has the long form
        const long = (l: unknown[] | undefined) => (l ?? []).map((x) => (typeof x === 'string' ? { source: x } : x));
        assert.deepStrictEqual(long(svc.configs), gs.configs);
        assert.deepStrictEqual(long(svc.secrets), gs.secrets);
        assert.strictEqual((svc.configs?.[1] as { mode: number }).mode, 288);
    });

    it('durations, sizes and numbers normalise to the golden values', () => {
        const d = svc.deploy!;
        const norm = (s: string | undefined) => formatDurationNs(parseDurationNs(s!));
        assert.strictEqual(norm(d.update_config!.monitor), gs.deploy.update_config.monitor); // 60s → 1m0s
        assert.strictEqual(norm(d.rollback_config!.delay), gs.deploy.rollback_config.delay);
        assert.strictEqual(norm(d.restart_policy!.window), gs.deploy.restart_policy.window); // 120s → 2m0s
        assert.strictEqual(norm(svc.stop_grace_period), gs.stop_grace_period);
        assert.strictEqual(norm(svc.healthcheck!.start_interval), gs.healthcheck.start_interval);
        assert.strictEqual(String(parseBytes(d.resources!.limits!.memory!)), gs.deploy.resources.limits.memory);
        assert.strictEqual(String(parseBytes(d.resources!.reservations!.memory!)), gs.deploy.resources.reservations.memory);
        assert.strictEqual(d.resources!.limits!.cpus, gs.deploy.resources.limits.cpus);
        assert.strictEqual(d.replicas, 6);
        assert.strictEqual(d.update_config!.max_failure_ratio, 0.3);
        assert.deepStrictEqual(d.placement, gs.deploy.placement);
        assert.strictEqual(svc.healthcheck!.retries, 5);
        assert.deepStrictEqual(svc.ulimits, gs.ulimits);
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(svc.sysctls as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
            gs.sysctls,
        );
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(svc.labels as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)])),
            gs.labels,
        );
    });

    it('short ports expand to the 22 golden entries', () => {
        const expanded = (svc.ports ?? []).flatMap((p) => (typeof p === 'object' ? [p] : expandPortSpec(String(p)).ports));
        assert.deepStrictEqual(expanded, gs.ports);
    });

    it('bind sources are resolved against the first file dir and HOME', () => {
        const wd = res.workingDir;
        const vols = svc.volumes ?? [];
        assert.strictEqual(vols[2], `${wd}:/code`);
        assert.strictEqual(vols[3], `${wd}/static:/var/www/html`);
        assert.strictEqual(vols[4], '/bar/configs:/etc/configs/:ro');
        assert.strictEqual(vols[1], '/opt/data:/var/lib/mysql');
        assert.strictEqual((vols[6] as { source: string }).source, gs.volumes[6].source.replace('/foo', wd));
        assert.strictEqual((vols[8] as { source: string }).source, 'group:mygroup');
        const cfg = res.config!;
        assert.strictEqual(cfg.configs!.config1.file, golden.configs.config1.file.replace('/foo', wd));
        assert.strictEqual(cfg.secrets!.secret1.file, golden.secrets.secret1.file.replace('/foo', wd));
    });

    it('unsupported / deprecated warnings use the CLI texts and sit on the key', () => {
        const w = res.diagnostics.filter((d) => d.code === 'unsupported-option').map((d) => d.message.split(' (')[0]);
        assert.deepStrictEqual(
            w.map((m) => m.replace('Ignoring unsupported options: ', '')).sort(),
            ['build', 'cgroup_parent', 'devices', 'domainname', 'external_links', 'ipc', 'links', 'mac_address', 'network_mode', 'pid', 'privileged', 'restart', 'security_opt'],
        );
        const build = res.diagnostics.find((d) => d.message === 'Ignoring unsupported options: build')!;
        assert.deepStrictEqual(build.range, { start: { line: 5, character: 4 }, end: { line: 5, character: 9 } });
        const dep = res.diagnostics.filter((d) => d.code === 'deprecated-option').map((d) => d.message);
        assert.deepStrictEqual(dep, [
            'Ignoring deprecated options: container_name: Setting the container name is not supported.',
            "Ignoring deprecated options: expose: Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
        ]);
    });

    it('locate() maps merged-config paths to source ranges', () => {
        const l = res.locate(['services', 'foo', 'image'])!;
        assert.strictEqual(l.file, file);
        assert.strictEqual(l.range.start.line + 1, 164);
        const p = res.locate(['services', 'foo', 'ports', 3])!;
        assert.strictEqual(p.range.start.line + 1, 224);
        // unknown deeper path → nearest parent
        assert.strictEqual(res.locate(['services', 'foo', 'deploy', 'nope'])!.range.start.line + 1, 49);
    });
});

describe('compose load: environment (docker/cli `cli/compose/loader/loader.go`) and .env', function () {
    // generous for busy machines
    this.timeout(30_000);
    const compose = `services:
  web:
    image: nginx
    env_file: [a.env, ./b.env]
    environment:
      FROM_MAP: map
      EMPTY: ""
      NULLED:
      NUM: 2.5
`;
    const files = {
        '/p/a.env': '\uFEFF# comment\n  A=1\nSHARED=from_a\nPASS\nMISSING_IN_PROCESS\nQUOTED="q" \nEMPTY_FILE=\n',
        '/p/b.env': 'SHARED=from_b\n',
    };
    it('env_file layering, KEY-only lines, quotes kept, process env wins for empty/null values', () => {
        const r = load(compose, { env: { PASS: 'p', EMPTY: 'shell', NULLED: 'shell2', EMPTY_FILE: 'shell3', A: 'ignored' } }, files);
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.deepStrictEqual({ ...r.config!.services.web.resolvedEnvironment }, {
            A: '1',
            SHARED: 'from_b',
            PASS: 'p',
            QUOTED: '"q" ',
            EMPTY_FILE: 'shell3',
            FROM_MAP: 'map',
            EMPTY: 'shell',
            NULLED: 'shell2',
            NUM: '2.5',
        });
    });
    it('null stays null when not in the process env; list form', () => {
        const r = load('services:\n  web:\n    image: nginx\n    environment: [A=1, B=, C]\n', { env: {} });
        assert.deepStrictEqual({ ...r.config!.services.web.resolvedEnvironment }, { A: '1', B: '', C: null });
    });
    it('env_file errors are located', () => {
        const r = load('services:\n  web:\n    image: nginx\n    env_file: bad.env\n', {}, { '/p/bad.env': 'GOOD=1\nBAD KEY=2\n' });
        const e = errors(r.diagnostics)[0];
        assert.strictEqual(e.message, "invalid env file (/p/bad.env): variable 'BAD KEY' contains whitespaces");
        assert.strictEqual(e.range.start.line, 3);
    });
    it('booleans in environment are a schema error', () => {
        const r = load('services:\n  web:\n    image: nginx\n    environment:\n      X: true\n');
        assert.deepStrictEqual(messages(r.diagnostics), ['services.web.environment.X must be a string, number or null']);
    });

    const dotCompose = 'services:\n  web:\n    image: nginx\n    labels: {tag: "v${TAG}"}\n    environment:\n      TAG: ""\n';
    const dotFiles = { '/p/.env': '# tags\nexport TAG=1.25 # inline comment\nOTHER=\'x y\'\n' };
    it('.env is read beside the first file for interpolation (beyond the CLI) and reported', () => {
        const r = load(dotCompose, { dotEnv: true, env: {} }, dotFiles);
        assert.strictEqual(r.dotEnvFile, '/p/.env');
        assert.deepStrictEqual(r.config!.services.web.labels, { tag: 'v1.25' });
        // .env never feeds the container environment precedence
        assert.deepStrictEqual({ ...r.config!.services.web.resolvedEnvironment }, { TAG: '' });
    });
    it('the process env wins over .env', () => {
        const r = load(dotCompose, { dotEnv: true, env: { TAG: '1.27' } }, dotFiles);
        assert.deepStrictEqual(r.config!.services.web.labels, { tag: 'v1.27' });
        assert.deepStrictEqual({ ...r.config!.services.web.resolvedEnvironment }, { TAG: '1.27' });
    });
    it('dotEnv: false gives strict CLI parity', () => {
        const r = load(dotCompose, { dotEnv: false, env: {} }, dotFiles);
        assert.strictEqual(r.dotEnvFile, undefined);
        assert.deepStrictEqual(r.config!.services.web.labels, { tag: 'v' });
    });
    it('no .env file → dotEnvFile undefined', () => {
        assert.strictEqual(load(dotCompose, { dotEnv: true }).dotEnvFile, undefined);
    });
});

describe('compose load: versions (docker/cli `cli/compose/schema/schema.go`)', function () {
    // generous for busy machines
    this.timeout(30_000);
    const body = 'services:\n  web:\n    image: nginx\n';
    const cases: [string, string | RegExp | undefined, string][] = [
        ['', undefined, '3.13'],
        ['version: "3"\n', undefined, '3.13'],
        ['version: ""\n', undefined, '3.13'],
        ['version: "3.0"\n', undefined, '3.0'],
        ['version: "3.8"\n', undefined, '3.8'],
        ['version: "3.10"\n', undefined, '3.10'],
        ['version: "2"\n', 'unsupported Compose file version: 2', '2'],
        ['version: "2.0"\n', 'unsupported Compose file version: 2.0', '2.0'],
        ['version: "1.0"\n', 'unsupported Compose file version: 1.0', '1.0'],
        ['version: "3.14"\n', 'unsupported Compose file version: 3.14', '3.14'],
        ['version: 3\n', 'version must be a string', '3.13'],
        ['version: 3.8\n', 'version must be a string', '3.13'],
    ];
    for (const [head, err, v] of cases) {
        it(`${JSON.stringify(head.trim() || '(no version)')} → ${err ?? 'ok'} (${v})`, () => {
            const r = load(head + body);
            assert.strictEqual(r.version, v);
            if (err === undefined) assert.deepStrictEqual(errors(r.diagnostics), []);
            else assert.deepStrictEqual(messages(r.diagnostics), [err]);
        });
    }
    it('a v1 layout (no services key) is rejected by the schema', () => {
        assert.deepStrictEqual(messages(load('web:\n  image: nginx\n').diagnostics), ['(root) Additional property web is not allowed']);
    });
    it('keys newer than the declared version are rejected', () => {
        assert.deepStrictEqual(messages(load('version: "3.6"\n' + body + '    deploy:\n      rollback_config: {parallelism: 1}\n').diagnostics), [
            'services.web.deploy Additional property rollback_config is not allowed',
        ]);
        assert.deepStrictEqual(messages(load('version: "3.3"\nx-foo: 1\n' + body).diagnostics), ['(root) Additional property x-foo is not allowed']);
        assert.deepStrictEqual(errors(load('version: "3.4"\nx-foo: 1\n' + body).diagnostics), []);
        assert.deepStrictEqual(messages(load('version: "3.12"\n' + body + '    oom_score_adj: 5\n').diagnostics), ['services.web Additional property oom_score_adj is not allowed']);
    });
    it('later files must have the same normalised version', () => {
        const r = load({ '/p/a.yml': 'version: "3.8"\n' + body, '/p/b.yml': body });
        assert.deepStrictEqual(messages(r.diagnostics), ['version mismatched between two composefiles : 3.8 and 3.13']);
        assert.strictEqual(errors(r.diagnostics)[0].file, '/p/b.yml');
        assert.deepStrictEqual(errors(load({ '/p/a.yml': 'version: "3"\n' + body, '/p/b.yml': body }).diagnostics), []);
    });
});

describe('compose load: YAML value semantics (go-yaml v3)', function () {
    // generous for busy machines
    this.timeout(30_000);
    it('octal / hex / binary ints as Go ParseInt(s, 0, 64)', () => {
        const r = load(`services:
  web:
    image: nginx
    secrets:
      - {source: a, mode: 0440}
      - {source: b, mode: 0o644}
      - {source: c, mode: 0x1A4}
      - {source: d, mode: 420}
secrets: {a: {file: ./a}, b: {file: ./b}, c: {file: ./c}, d: {file: ./d}}
`);
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.deepStrictEqual(
            (r.config!.services.web.secrets as { mode: number }[]).map((s) => s.mode),
            [288, 420, 420, 420],
        );
    });
    it('YAML 1.2 booleans only: yes/no/on/off are strings (schema error), True is a boolean', () => {
        assert.deepStrictEqual(messages(load('services:\n  web:\n    image: nginx\n    tty: yes\n').diagnostics), ['services.web.tty must be a boolean']);
        assert.deepStrictEqual(messages(load('services:\n  web:\n    image: nginx\n    tty: off\n').diagnostics), ['services.web.tty must be a boolean']);
        assert.strictEqual(load('services:\n  web:\n    image: nginx\n    tty: True\n').config!.services.web.tty, true);
        assert.strictEqual(load('services:\n  web:\n    image: nginx\n    tty: "${X:-yes}"\n').config!.services.web.tty, true); // cast after interpolation
    });
    it('quoted numbers stay strings; merge keys and anchors work', () => {
        const r = load(`x-base: &base
  image: nginx
  labels: {a: "1"}
services:
  web:
    <<: *base
    labels: {b: "2"}
    deploy: {replicas: 2}
`);
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.strictEqual(r.config!.services.web.image, 'nginx');
        assert.deepStrictEqual(r.config!.services.web.labels, { b: '2' });
        assert.strictEqual(r.config!.services.web.deploy!.replicas, 2);
        assert.deepStrictEqual(messages(load('services:\n  web:\n    image: nginx\n    deploy: {replicas: "2"}\n').diagnostics), ['services.web.deploy.replicas must be a integer']);
    });
});

describe('compose load: schema messages (cli/compose/schema wording)', function () {
    // generous for busy machines
    this.timeout(30_000);
    const cases: [string, string][] = [
        ['services:\n  web:\n    image: nginx\n    ports: ["8000:8000/http"]\n', "services.web.ports.0 Does not match format 'ports'"],
        ['services:\n  web:\n    image: nginx\n    ports: [65536]\n', "services.web.ports.0 Does not match format 'ports'"],
        ['services:\n  web:\n    image: nginx\n    ports: [{target: "x"}]\n', 'services.web.ports.0.target must be a integer'],
        ['services:\n  web:\n    image: nginx\n    ports: [{target: 80, host_ip: x}]\n', 'services.web.ports.0 Additional property host_ip is not allowed'],
        ['services:\n  web:\n    image: nginx\n    expose: ["80/xyz"]\n', "services.web.expose.0 Does not match format 'expose'"],
        ['services:\n  web:\n    image: nginx\n    stop_grace_period: 10\n', 'services.web.stop_grace_period must be a string'],
        ['services:\n  web:\n    image: nginx\n    healthcheck: {interval: 5 minutes}\n', "services.web.healthcheck.interval Does not match format 'duration'"],
        ['services:\n  web:\n    image: 5\n', 'services.web.image must be a string'],
        ['services:\n  web:\n    image: nginx\n    environment: 5\n', 'services.web.environment must be a mapping'],
        ['services:\n  web:\n    image: nginx\n    cap_add: x\n', 'services.web.cap_add must be a list'],
        ['services:\n  web:\n    image: nginx\n    volumes: [{source: /a, target: /b}]\n', 'services.web.volumes.0 type is required'],
        ['services:\n  web:\n    image: nginx\n    dns: [1.1.1.1, 1.1.1.1]\n', 'services.web.dns array items[0,1] must be unique'],
        ['services: []\n', 'services must be a mapping'],
        ['profiles: [a]\nservices:\n  web:\n    image: nginx\n', '(root) Additional property profiles is not allowed'],
        ['services:\n  web:\n    image: nginx\n    platform: linux/amd64\n', 'services.web Additional property platform is not allowed'],
        ['services:\n  web:\n    image: nginx\n    deploy: {resources: {limits: {memory: 512}}}\n', 'services.web.deploy.resources.limits.memory must be a string'],
    ];
    for (const [text, msg] of cases) {
        it(msg, () => {
            const r = load(text);
            assert.deepStrictEqual(messages(r.diagnostics), [msg]);
            assert.strictEqual(r.config, undefined);
        });
    }
    it('ranges: additional property on the key, type errors on the value', () => {
        const r = load('services:\n  web:\n    image: nginx\n    imagee: x\n    tty: maybe\n');
        const [a, b] = errors(r.diagnostics);
        assert.deepStrictEqual(a.range, { start: { line: 3, character: 4 }, end: { line: 3, character: 10 } });
        assert.deepStrictEqual(b.range, { start: { line: 4, character: 9 }, end: { line: 4, character: 14 } });
        assert.strictEqual(formatDiagnostic(a), '/p/docker-compose.yml:4:5: error: services.web Additional property imagee is not allowed');
    });
    it('x- fields are allowed at the root and in services (3.7+)', () => {
        assert.deepStrictEqual(errors(load('x-a: 1\nservices:\n  web:\n    image: nginx\n    x-b: {c: 1}\n').diagnostics), []);
    });
});

describe('compose load: loader errors and extra checks', function () {
    // generous for busy machines
    this.timeout(30_000);
    it('forbidden keys: fatal, located, CLI text', () => {
        const r = load('services:\n  web:\n    image: nginx\n    volumes_from: [db]\n    cpu_shares: 2\n');
        assert.deepStrictEqual(messages(r.diagnostics), [
            'compose file contains unsupported options: volumes_from: To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.',
            'compose file contains unsupported options: cpu_shares: Set resource limits using deploy.resources',
        ]);
    });
    it('external.name + name, and the deprecation warning by version', () => {
        const r = load('version: "3.5"\nservices:\n  web:\n    image: nginx\n    secrets: [s]\nsecrets:\n  s:\n    external: {name: real}\n');
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.ok(r.diagnostics.some((d) => d.message === 'secret s: secret.external.name is deprecated in favor of secret.name'));
        const r2 = load('version: "3.4"\nservices:\n  web:\n    image: nginx\nnetworks:\n  n:\n    external: {name: real}\n');
        assert.ok(!r2.diagnostics.some((d) => d.code === 'external-name-deprecated'));
    });
    it('image checks (CLI texts)', () => {
        assert.deepStrictEqual(messages(load('services:\n  web:\n    image: ""\n').diagnostics), ['invalid image reference for service web: no image specified']);
        assert.deepStrictEqual(errors(load('services:\n  web:\n    image: "registry.example.com:5000/team/app:1.2@sha256:' + 'a'.repeat(64) + '"\n').diagnostics), []);
    });
    it('extra checks can be switched off (cliParity) but the CLI-equivalent ones stay', () => {
        const text = 'services:\n  web:\n    image: nginx\n    networks: [nope]\n    depends_on: [db]\n  db:\n    extends: x\n';
        const strict = load(text, { cliParity: true });
        assert.deepStrictEqual(messages(strict.diagnostics).sort(), [
            'compose file contains unsupported options: extends: Support for `extends` is not implemented yet.',
            'invalid image reference for service db: no image specified',
        ]);
        const full = load(text);
        assert.ok(messages(full.diagnostics).includes('undefined network "nope"'));
        assert.ok(full.diagnostics.some((d) => d.code === 'depends-on-ignored' && d.severity === 'warning'));
    });
    it('docker.sock, ignored keys and IP-address warnings are located', () => {
        const r = load('services:\n  web:\n    image: nginx\n    tmpfs: /run\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n    ports: ["127.0.0.1:80:80"]\n');
        assert.deepStrictEqual(errors(r.diagnostics), []);
        const sock = r.diagnostics.find((d) => d.code === 'docker-sock')!;
        assert.strictEqual(sock.message, 'mounting /var/run/docker.sock gives the service root on the host');
        assert.strictEqual(sock.range.start.line, 4);
        assert.ok(r.diagnostics.some((d) => d.message === "ignoring IP-address (127.0.0.1:80:80/tcp) service will listen on '0.0.0.0'"));
        assert.ok(r.diagnostics.some((d) => d.code === 'ignored-option' && d.range.start.line === 3));
    });
    it('oom_score_adj (3.13) loads and is said to be ignored, as docker stack deploy ignores it', () => {
        const r = load('version: "3.13"\nservices:\n  web:\n    image: nginx\n    oom_score_adj: 100\n');
        assert.deepStrictEqual(errors(r.diagnostics), []);
        const ignored = r.diagnostics.find((d) => d.code === 'ignored-option')!;
        assert.strictEqual(ignored.message, 'oom_score_adj is ignored by docker stack deploy: the service is created without it');
        assert.strictEqual(ignored.severity, 'warning');
        assert.strictEqual(ignored.range.start.line, 4);
    });
    it('interpolation errors are located on the value', () => {
        const r = load('services:\n  web:\n    image: nginx\n    command: ["echo", "${A:?A is required}"]\n');
        const e = errors(r.diagnostics)[0];
        assert.strictEqual(e.message, 'invalid interpolation format for services.web.command.[]: "required variable A is missing a value: A is required"; you may need to escape any $ with another $');
        assert.deepStrictEqual(e.range.start, { line: 3, character: 22 });
    });
    it('the forgotten-error quirk is a warning, the value is the CLI one', () => {
        const r = load('services:\n  web:\n    image: "nginx${A:?x}$B"\n', { env: { B: ':1' } });
        assert.strictEqual(r.config!.services.web.image, 'nginx:1');
        assert.ok(r.diagnostics.some((d) => d.code === 'interpolation-error-forgotten'));
    });
});

describe('compose load: multi-file merge (docker/cli cli/compose/loader/merge.go, merge_test.go cases with own inputs)', function () {
    // generous for busy machines
    this.timeout(30_000);
    const base = (svc: string, top = '') => `services:\n  web:\n${svc}${top}`;
    const merge = (a: string, b: string, opts: LoadOptions = {}) => {
        const r = load({ '/p/a.yml': a, '/p/b.yml': b }, opts);
        assert.deepStrictEqual(errors(r.diagnostics), [], JSON.stringify(r.diagnostics));
        return r;
    };

    const table: [string, string, string, string, unknown][] = [
        ['later non-zero scalar wins', '    user: a\n', '    user: b\n', 'user', 'b'],
        ['zero value cannot override (tty: false)', '    tty: true\n', '    tty: false\n', 'tty', true],
        ['replicas: 0 does override', '    deploy: {replicas: 3}\n', '    deploy: {replicas: 0}\n', 'deploy', { replicas: 0 }],
        ['command is replaced', '    command: [a, b]\n', '    command: [c]\n', 'command', ['c']],
        ['empty command does not replace', '    command: [a, b]\n', '    command: []\n', 'command', ['a', 'b']],
        ['maps merge key by key (labels, list form normalised)', '    labels: [a=1, b=2]\n', '    labels: {b: "3", c: "4"}\n', 'labels', { a: '1', b: '3', c: '4' }],
        ['other lists are appended', '    cap_add: [NET_ADMIN]\n', '    cap_add: [SYS_NICE]\n', 'cap_add', ['NET_ADMIN', 'SYS_NICE']],
        ['string_or_list dns appended', '    dns: 1.1.1.1\n', '    dns: [8.8.8.8]\n', 'dns', ['1.1.1.1', '8.8.8.8']],
        [
            'ports keyed by published, later wins, sorted',
            '    ports: ["9090:90", "8080:80"]\n',
            '    ports: ["8080:81"]\n',
            'ports',
            [
                { mode: 'ingress', target: 81, protocol: 'tcp', published: 8080 },
                { mode: 'ingress', target: 90, protocol: 'tcp', published: 9090 },
            ],
        ],
        [
            'secrets keyed by source, sorted',
            '    secrets: [b, {source: a, target: x}]\n',
            '    secrets: [{source: a, target: y}]\n',
            'secrets',
            [{ source: 'a', target: 'y' }, { source: 'b' }],
        ],
        [
            'volumes keyed by target (long form), sorted',
            '    volumes: ["/src:/data", "cache:/cache"]\n',
            '    volumes: [{type: bind, source: /other, target: /data}]\n',
            'volumes',
            [
                { type: 'volume', source: 'cache', target: '/cache' },
                { type: 'bind', source: '/other', target: '/data' },
            ],
        ],
        [
            'logging: same driver merges options',
            '    logging: {driver: syslog, options: {a: "1"}}\n',
            '    logging: {driver: syslog, options: {b: "2"}}\n',
            'logging',
            { driver: 'syslog', options: { a: '1', b: '2' } },
        ],
        ['logging: no driver merges options', '    logging: {driver: syslog, options: {a: "1"}}\n', '    logging: {options: {a: "2"}}\n', 'logging', { driver: 'syslog', options: { a: '2' } }],
        ['logging: different driver replaces', '    logging: {driver: syslog, options: {a: "1"}}\n', '    logging: {driver: json-file}\n', 'logging', { driver: 'json-file' }],
        [
            'ulimits: an entry is replaced whole',
            '    ulimits: {nproc: 10, nofile: {soft: 1, hard: 2}}\n',
            '    ulimits: {nofile: {soft: 3, hard: 4}}\n',
            'ulimits',
            { nproc: 10, nofile: { soft: 3, hard: 4 } },
        ],
        [
            'service networks: aliases replaced',
            '    networks: {front: {aliases: [a, b]}, back: null}\n',
            '    networks: {front: {aliases: [c]}}\n',
            'networks',
            { front: { aliases: ['c'] }, back: null },
        ],
        ['environment merged key by key', '    environment: [A=1, B=2]\n', '    environment: {B: "3"}\n', 'resolvedEnvironment', { A: '1', B: '3' }],
    ];
    const tops = 'networks: {front: {}, back: {}}\nsecrets: {a: {file: ./a}, b: {file: ./b}}\nvolumes: {cache: {}}\n';
    for (const [name, a, b, key, want] of table) {
        it(name, () => {
            const r = merge(base('    image: nginx\n' + a, tops), base(b));
            assert.deepStrictEqual((r.config!.services.web as Record<string, unknown>)[key], want);
        });
    }
    it('top-level entries are replaced whole (no deep merge)', () => {
        const r = merge(base('    image: nginx\n', 'networks:\n  n: {driver: overlay, labels: {a: "1"}}\n  m: {}\n'), 'networks:\n  n: {attachable: true}\n');
        assert.deepStrictEqual(r.config!.networks, { n: { attachable: true }, m: {} });
    });
    it('services are sorted by name; a service only in the override is added', () => {
        const r = merge('services:\n  zeta: {image: a}\n  alpha: {image: b}\n', 'services:\n  mid: {image: c}\n');
        assert.deepStrictEqual(Object.keys(r.config!.services), ['alpha', 'mid', 'zeta']);
    });
    it('QUIRK kept: unpublished ports collapse into one — with a warning', () => {
        const r = merge(base('    image: nginx\n    ports: ["80", "443"]\n'), base('    ports: ["53/udp"]\n'));
        assert.deepStrictEqual(r.config!.services.web.ports, [{ mode: 'ingress', target: 53, protocol: 'udp' }]);
        assert.ok(r.diagnostics.some((d) => d.code === 'merge-ports-collapsed'));
    });
    it('relative paths resolve against the first file dir; locate() points into the overriding file', () => {
        const r = load(
            { '/p/a.yml': base('    image: nginx\n'), '/q/b.yml': base('    image: redis\n    volumes: ["./data:/data"]\n    env_file: x.env\n') },
            {},
            { '/p/x.env': 'X=1\n' },
        );
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.strictEqual(r.workingDir, '/p');
        assert.deepStrictEqual(r.config!.services.web.volumes, ['/p/data:/data']);
        assert.deepStrictEqual({ ...r.config!.services.web.resolvedEnvironment }, { X: '1' });
        assert.strictEqual(r.locate(['services', 'web', 'image'])!.file, '/q/b.yml');
    });
});

describe('validateComposeText', function () {
    // generous for busy machines
    this.timeout(30_000);
    const typical = fs.readFileSync(path.join(CLI, 'full-example.yml'), 'utf8');
    it('returns diagnostics only, never throws', () => {
        assert.doesNotThrow(() => validateComposeText('/w/c.yml', typical, { env: {}, dotEnv: false, readFile: mem({}) }));
        const d = validateComposeText('/w/c.yml', 'services: {web: {image: nginx, tty: nope}}', { env: {}, dotEnv: false });
        assert.deepStrictEqual(d.map((x) => x.message), ['services.web.tty must be a boolean']);
    });
    it('a 500-service file loads (its time: bench/codelens.ts)', function () {
        this.timeout(30_000);
        let text = 'version: "3.13"\nservices:\n';
        for (let i = 0; i < 500; i++) {
            text += `  svc${i}:\n    image: registry.example.com/app${i}:1.0\n    environment: {A: "1", B: "${i}"}\n    ports: ["${10000 + i}:80"]\n    networks: [front]\n    deploy:\n      replicas: 2\n      resources: {limits: {cpus: "0.5", memory: 256M}}\n      update_config: {parallelism: 1, delay: 10s}\n    healthcheck: {test: ["CMD", "true"], interval: 30s}\n`;
        }
        text += 'networks:\n  front: {}\n';
        const r = loadCompose([{ path: '/w/big.yml', text }], { env: {}, dotEnv: false });
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.strictEqual(Object.keys(r.config!.services).length, 500);
    });
    it('formatDiagnostic is file:line:col: severity: message (1-based)', () => {
        assert.strictEqual(
            formatDiagnostic({ file: 'a.yml', range: { start: { line: 0, character: 4 }, end: { line: 0, character: 6 } }, severity: 'warning', message: 'm', code: 'c' }),
            'a.yml:1:5: warning: m',
        );
    });
    it('partial: an override file alone does not need an image or the base declarations', () => {
        const override = 'services:\n  web:\n    networks: [front]\n    secrets: [pw]\n    deploy: {replicas: 3}\n';
        assert.deepStrictEqual(messages(validateComposeText('/w/o.yml', override, { env: {}, dotEnv: false, partial: true })), []);
        assert.deepStrictEqual(messages(validateComposeText('/w/o.yml', override, { env: {}, dotEnv: false })).sort(), [
            'invalid image reference for service web: no image specified',
            'undefined network "front"',
            'undefined secret "pw"',
        ]);
    });
    it('no files → the CLI message', () => {
        assert.deepStrictEqual(loadCompose([], {}).diagnostics.map((d) => d.message), ['specify a Compose file (with --compose-file)']);
    });
});

describe('compose load: files on disk (test/fixtures/load/app)', function () {
    this.timeout(30_000);
    const dir = path.join(ROOT, 'test', 'fixtures', 'load', 'app');
    it('base + override with .env and env_file, default readFile', () => {
        const r = loadCompose(['docker-compose.yml', 'docker-compose.prod.yml'], { cwd: dir, env: { HOME: '/h' } });
        assert.deepStrictEqual(errors(r.diagnostics), []);
        assert.strictEqual(r.dotEnvFile, path.join(dir, '.env'));
        assert.deepStrictEqual(r.files, [path.join(dir, 'docker-compose.yml'), path.join(dir, 'docker-compose.prod.yml')]);
        const web = r.config!.services.web;
        assert.strictEqual(web.image, 'nginx:1.27');
        assert.strictEqual(web.deploy!.replicas, 4); // cast after interpolation from .env
        assert.deepStrictEqual(web.ports, [
            { mode: 'ingress', target: 8080, protocol: 'tcp', published: 8080 },
            { mode: 'ingress', target: 443, protocol: 'tcp', published: 8443 },
        ]);
        assert.deepStrictEqual(web.resolvedEnvironment, { APP_NAME: 'demo', MODE: 'prod' });
        // the service is in both files, so its keyed lists come out in the CLI's merged long form
        assert.deepStrictEqual(web.volumes, [{ type: 'bind', source: `${dir}/html`, target: '/usr/share/nginx/html', read_only: true }]);
        assert.strictEqual(r.locate(['services', 'web', 'deploy', 'replicas'])!.file, path.join(dir, 'docker-compose.prod.yml'));
    });
    it('a missing file is a located error, not an exception', () => {
        const r = loadCompose(['nope.yml'], { cwd: dir });
        assert.deepStrictEqual(messages(r.diagnostics), [`open ${path.join(dir, 'nope.yml')}: no such file or directory`]);
    });
});
