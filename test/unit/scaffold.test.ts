import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { haproxyCheck } from './support/haproxy-check';
import {
    applyScaffold,
    conflicts,
    DEFAULT_SCAFFOLD_VALUES,
    imageRepository,
    planScaffold,
    renderTemplate,
    SCAFFOLD_VARIANTS,
    ScaffoldDecision,
    ScaffoldInput,
    ScaffoldInputError,
    ScaffoldPlan,
    TEMPLATE_FILES,
    validateAppName,
    validateScaffoldInput,
} from '../../src/core/scaffold/plan';
import { existingFileReader, fileWriter, resolveInside, templateReader, templatesDir } from '../../src/core/scaffold/node-fs';
import { checkServerTemplateSlots, generateHaproxyConfig } from '../../src/core/haproxy/generate';
import { placeComposeLenses } from '../../src/core/compose/lens-placement';
import { loadCompose } from '../../src/core/compose/load';
import { rotationRequested } from '../../src/core/stack/rotation';


function repoRoot(): string {
    let dir = __dirname;
    for (let i = 0; i < 6; i++) {
        if (fs.existsSync(path.join(dir, 'media', 'templates'))) return dir;
        dir = path.dirname(dir);
    }
    throw new Error('media/templates not found above ' + __dirname);
}

const readTemplate = templateReader(templatesDir(repoRoot()));

function input(overrides: Partial<ScaffoldInput> = {}): ScaffoldInput {
    return {
        variant: 'haproxy-dns',
        targetDir: '/tmp/project',
        appName: 'web',
        replicas: 4,
        port: 8080,
        publishedPort: 80,
        statsPort: 8404,
        image: 'web:latest',
        baseImage: 'node:20-alpine',
        haproxyImage: 'haproxy:2.6',
        ...overrides,
    };
}

const nothing = (): undefined => undefined;

function file(plan: ScaffoldPlan, relPath: string): string {
    const f = plan.files.find((x) => x.relPath === relPath);
    assert.ok(f, `${relPath} in plan`);
    return f.content;
}


describe('scaffold: plan', () => {
    it('creates every file of the variant when the folder is empty', () => {
        const plan = planScaffold(input(), readTemplate, nothing);
        assert.deepEqual(plan.files.map((f) => f.relPath), [...TEMPLATE_FILES['haproxy-dns']]);
        assert.ok(plan.files.every((f) => f.action === 'create'));
        const blog = planScaffold(input({ variant: 'blog-faithful', haproxyImage: 'dockercloud/haproxy', statsPort: 1936 }), readTemplate, nothing);
        assert.deepEqual(blog.files.map((f) => f.relPath), [...TEMPLATE_FILES['blog-faithful']]);
        assert.ok(!blog.files.some((f) => f.relPath === 'haproxy.cfg'));
    });

    it('marks identical files skip-identical and different ones conflict (CRLF-only differences are identical)', () => {
        const first = planScaffold(input(), readTemplate, nothing);
        const current = new Map(first.files.map((f) => [f.relPath, f.content]));
        current.set('index.js', file(first, 'index.js').replace(/\n/g, '\r\n'));
        current.set('haproxy.cfg', 'my own config\n');
        current.delete('README.md');
        const plan = planScaffold(input(), readTemplate, (p) => current.get(p));
        const actions = Object.fromEntries(plan.files.map((f) => [f.relPath, f.action]));
        assert.equal(actions['index.js'], 'skip-identical');
        assert.equal(actions['Dockerfile'], 'skip-identical');
        assert.equal(actions['haproxy.cfg'], 'conflict');
        assert.equal(actions['README.md'], 'create');
        assert.deepEqual(conflicts(plan), ['haproxy.cfg']);
    });

    it('never replaces a changed file without an explicit overwrite decision', async () => {
        const current = new Map([['haproxy.cfg', 'mine\n'], ['Dockerfile', 'FROM scratch\n']]);
        const plan = planScaffold(input(), readTemplate, (p) => current.get(p));
        const writes: string[] = [];
        const write = (p: string, content: string): void => {
            writes.push(p);
            current.set(p, content);
        };
        for (const decisions of [new Map<string, ScaffoldDecision>(), new Map<string, ScaffoldDecision>([['haproxy.cfg', 'skip']])]) {
            writes.length = 0;
            const r = await applyScaffold(plan, decisions, write);
            assert.ok(!writes.includes('haproxy.cfg') && !writes.includes('Dockerfile'));
            assert.equal(current.get('haproxy.cfg'), 'mine\n');
            assert.deepEqual(
                r.skipped.filter((s) => s.reason === 'kept-existing').map((s) => s.relPath).sort(),
                ['Dockerfile', 'haproxy.cfg'],
            );
        }
        writes.length = 0;
        const r = await applyScaffold(plan, new Map([['haproxy.cfg', 'overwrite']]), write);
        assert.ok(r.written.includes('haproxy.cfg'));
        assert.ok(!r.written.includes('Dockerfile'));
        assert.equal(current.get('haproxy.cfg'), file(plan, 'haproxy.cfg'));
    });

    it('writes nothing twice: identical files are skipped and a declined new file is not written', async () => {
        const first = planScaffold(input(), readTemplate, nothing);
        const current = new Map(first.files.map((f) => [f.relPath, f.content]));
        current.delete('README.md');
        current.delete('index.js');
        const plan = planScaffold(input(), readTemplate, (p) => current.get(p));
        const writes: string[] = [];
        const r = await applyScaffold(plan, new Map([['README.md', 'skip']]), async (p) => {
            writes.push(p);
        });
        assert.deepEqual(writes, ['index.js']);
        assert.deepEqual(r.written, ['index.js']);
        assert.deepEqual(r.skipped.find((s) => s.relPath === 'README.md'), { relPath: 'README.md', reason: 'declined' });
        assert.equal(r.skipped.filter((s) => s.reason === 'identical').length, TEMPLATE_FILES['haproxy-dns'].length - 2);
    });
});

describe('scaffold: input validation', () => {
    it('accepts a valid input', () => {
        assert.deepEqual(validateScaffoldInput(input()), []);
        assert.deepEqual(validateScaffoldInput(input({ stackName: 'prod', slots: 4, statsAuth: 'admin:s3cret' })), []);
        assert.deepEqual(validateScaffoldInput(input({ image: 'registry.local:5000/team/web:1.0', baseImage: 'swarm-stacks-testbed/node:20' })), []);
    });

    it('rejects app names that are not compose/DNS names', () => {
        for (const bad of ['', 'Web', 'my_app', '1app', 'app-', 'a b', 'proxy', 'x'.repeat(64)]) {
            assert.ok(validateAppName(bad), `"${bad}" should be rejected`);
        }
        for (const good of ['web', 'my-app2', 'a']) assert.equal(validateAppName(good), undefined);
    });

    it('rejects bad ports, replicas and slots with clear messages', () => {
        const cases: [Partial<ScaffoldInput>, RegExp][] = [
            [{ port: 0 }, /app port must be a whole number from 1 to 65535 \(got 0\)/],
            [{ publishedPort: 65536 }, /published port/],
            [{ statsPort: 1.5 }, /stats port/],
            [{ publishedPort: 8404 }, /must differ/],
            [{ replicas: 0 }, /Replicas must be a whole number/],
            [{ replicas: 2.5 }, /Replicas/],
            [{ replicas: 20, slots: 10 }, /Server slots \(10\) must be at least the replicas \(20\)/],
            [{ image: 'Web:Latest' }, /app image "Web:Latest" is not a valid image name/],
            [{ statsAuth: 'nopassword' }, /user:password/],
            [{ stackName: 'prod!' }, /stack name/],
            [{ stackName: ' prod' }, /stack name/],
        ];
        for (const [o, re] of cases) {
            const problems = validateScaffoldInput(input(o));
            assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(o)} → ${JSON.stringify(problems)}`);
        }
    });

    it('planScaffold throws a ScaffoldInputError listing every problem', () => {
        assert.throws(
            () => planScaffold(input({ appName: 'Bad_Name', port: 0, replicas: 0 }), readTemplate, nothing),
            (err: unknown) => err instanceof ScaffoldInputError && err.problems.length === 3,
        );
    });
});

describe('scaffold: rendering', () => {
    const variants: ScaffoldInput[] = [
        input(),
        input({ stackName: 'prod', statsAuth: 'admin:pw', slots: 7, replicas: 7, baseImage: 'swarm-stacks-testbed/node:20', haproxyImage: 'swarm-stacks-testbed/haproxy:2.6' }),
        input({ variant: 'blog-faithful', ...DEFAULT_SCAFFOLD_VALUES['blog-faithful'] }),
    ];

    it('leaves no {{ in any file', () => {
        for (const v of variants) {
            for (const f of planScaffold(v, readTemplate, nothing).files) {
                assert.ok(!f.content.includes('{{'), `${v.variant}/${f.relPath} keeps a placeholder`);
                assert.ok(!f.content.includes('}}'), `${v.variant}/${f.relPath} keeps a placeholder end`);
            }
        }
    });

    it('renderTemplate refuses unknown placeholders', () => {
        assert.equal(renderTemplate('a {{x}} b {{ x }}', { x: '1' }), 'a 1 b 1');
        assert.throws(() => renderTemplate('{{nope}}', {}, 't'), /t: no value for \{\{nope\}\}/);
    });

    it('renders the shared files from common/ for both variants', () => {
        const dns = planScaffold(input(), readTemplate, nothing);
        const blog = planScaffold(input({ variant: 'blog-faithful', haproxyImage: 'dockercloud/haproxy', statsPort: 1936 }), readTemplate, nothing);
        for (const f of ['index.js', 'package.json', 'Dockerfile', '.dockerignore']) {
            assert.equal(file(dns, f), file(blog, f), f);
        }
    });

    it('renders the Dockerfile, package.json and .dockerignore', () => {
        const plan = planScaffold(input({ baseImage: 'swarm-stacks-testbed/node:20' }), readTemplate, nothing);
        const df = file(plan, 'Dockerfile');
        assert.match(df, /^FROM swarm-stacks-testbed\/node:20$/m);
        assert.match(df, /^EXPOSE 8080$/m);
        assert.match(df, /^CMD \["node", "index.js"\]$/m);
        assert.match(df, /init: true/);
        const pkg = JSON.parse(file(plan, 'package.json')) as { name: string; dependencies?: unknown };
        assert.equal(pkg.name, 'web');
        assert.equal(pkg.dependencies, undefined);
        const ignore = file(plan, '.dockerignore').split('\n');
        for (const e of ['node_modules', '.git', '*.log', 'docker-compose*.y*ml', 'haproxy.cfg', 'README.md']) assert.ok(ignore.includes(e), e);
        assert.match(file(plan, 'index.js'), /process\.env\.PORT \|\| 8080/);
        assert.equal(imageRepository('registry:5000/team/web:1.0'), 'registry:5000/team/web');
        assert.equal(imageRepository('web'), 'web');
        assert.match(file(plan, 'README.md'), /docker service update --image web:v2 prod_web/);
    });

    it('generates a compose file with the expected keys (haproxy-dns)', () => {
        const plan = planScaffold(input({ replicas: 8, haproxyImage: 'swarm-stacks-testbed/haproxy:2.6' }), readTemplate, nothing);
        const c = parseYaml(file(plan, 'docker-compose.yaml')) as Record<string, any>;
        assert.equal(c.version, '3.8');
        const app = c.services.web;
        assert.equal(app.image, 'web:latest');
        assert.equal(app.init, true);
        assert.deepEqual(app.networks, ['web']);
        assert.equal(app.deploy.replicas, 8);
        assert.equal(app.deploy.endpoint_mode, 'dnsrr');
        assert.deepEqual(app.deploy.update_config, { parallelism: 2, delay: '10s', order: 'start-first', failure_action: 'rollback' });
        assert.deepEqual(app.deploy.restart_policy, { condition: 'on-failure', max_attempts: 3, window: '120s' });
        const proxy = c.services.proxy;
        assert.equal(proxy.image, 'swarm-stacks-testbed/haproxy:2.6');
        assert.deepEqual(proxy.configs, [{ source: 'haproxy_cfg', target: '/usr/local/etc/haproxy/haproxy.cfg' }]);
        assert.deepEqual(proxy.ports, [
            { target: 80, published: 80, protocol: 'tcp', mode: 'host' },
            { target: 8404, published: 8404, protocol: 'tcp', mode: 'host' },
        ]);
        assert.equal(proxy.healthcheck, undefined);
        assert.equal(proxy.volumes, undefined);
        assert.deepEqual(c.networks, { web: { driver: 'overlay' } });
        assert.deepEqual(c.configs, { haproxy_cfg: { file: './haproxy.cfg' } });
        // The project rotates its HAProxy config: an edited haproxy.cfg deploys with no renaming, and no file says to rename.
        assert.deepEqual(c['x-swarm-stacks'], { 'rotate-configs': true });
        assert.equal(rotationRequested(c as Parameters<typeof rotationRequested>[0]), true);
        for (const f of plan.files) assert.doesNotMatch(f.content, /\brename\b/i, f.relPath);
    });

    it('the app builds from the project folder, the proxy does not, and that adds no diagnostic', () => {
        for (const variant of SCAFFOLD_VARIANTS) {
            const plan = planScaffold(input({ variant, ...DEFAULT_SCAFFOLD_VALUES[variant] }), readTemplate, nothing);
            const text = file(plan, 'docker-compose.yaml');
            const placed = placeComposeLenses(text).services;
            assert.equal(placed.find((s) => s.key === 'web')?.buildContextHint, '.', variant);
            assert.equal(placed.find((s) => s.key === 'proxy')?.buildContextHint, undefined, variant);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-build-'));
            try {
                fs.writeFileSync(path.join(dir, 'haproxy.cfg'), variant === 'haproxy-dns' ? file(plan, 'haproxy.cfg') : '');
                const loaded = loadCompose([{ path: path.join(dir, 'docker-compose.yaml'), text }], { env: {}, dotEnv: false });
                assert.deepEqual(loaded.diagnostics.filter((d) => d.code === 'unsupported-option').map((d) => d.message), [], variant);
                // docker stack deploy's own report stays available in CLI parity.
                const parity = loadCompose([{ path: path.join(dir, 'docker-compose.yaml'), text }], { env: {}, dotEnv: false, cliParity: true });
                assert.deepEqual(parity.diagnostics.filter((d) => d.code === 'unsupported-option').map((d) => d.message), ['Ignoring unsupported options: build'], variant);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    it('generates a blog-faithful compose file that the haproxy generator understands', () => {
        const plan = planScaffold(input({ variant: 'blog-faithful', ...DEFAULT_SCAFFOLD_VALUES['blog-faithful'], replicas: 20 }), readTemplate, nothing);
        const c = parseYaml(file(plan, 'docker-compose.yaml')) as Record<string, any>;
        assert.equal(c.services.web.init, true);
        assert.deepEqual(c.services.web.environment, ['SERVICE_PORTS=8080']);
        assert.equal(c.services.proxy.image, 'dockercloud/haproxy');
        assert.deepEqual(c.services.proxy.environment, ['BALANCE=leastconn']);
        const g = generateHaproxyConfig(c);
        assert.deepEqual(g.backends.map((b) => [b.service, b.port, b.slots, b.balance]), [['web', 8080, 60, 'leastconn']]);
        assert.match(file(plan, 'README.md'), /archived/);
    });

    it('points HAProxy at tasks.<app> by default and tasks.<stack>_<app> with a stack name', () => {
        const plain = file(planScaffold(input({ replicas: 4 }), readTemplate, nothing), 'haproxy.cfg');
        assert.match(plain, /^\s+server-template app 12 tasks\.web:8080 check .*resolvers docker init-addr none/m);
        assert.match(plain, /^\s+balance leastconn$/m);
        assert.match(plain, /^\s+option httpchk GET \/$/m);
        assert.match(plain, /^\s+nameserver dns1 127\.0\.0\.11:53$/m);
        assert.match(plain, /^\s+stats uri \/stats$/m);
        assert.match(plain, /^\s+# stats auth/m);
        const staged = file(planScaffold(input({ stackName: 'prod', slots: 50, statsAuth: 'admin:pw' }), readTemplate, nothing), 'haproxy.cfg');
        assert.match(staged, /server-template app 50 tasks\.prod_web:8080 /);
        assert.match(staged, /^\s+stats auth admin:pw$/m);
    });

    it('keeps slots >= replicas: the generated pair passes the slot check', () => {
        for (const replicas of [1, 4, 20, 50]) {
            const plan = planScaffold(input({ replicas }), readTemplate, nothing);
            const compose = parseYaml(file(plan, 'docker-compose.yaml')) as Parameters<typeof checkServerTemplateSlots>[1];
            assert.deepEqual(checkServerTemplateSlots(file(plan, 'haproxy.cfg'), compose), []);
        }
    });

    it('generates an haproxy.cfg that `haproxy -c` accepts', function () {
        this.timeout(20000);
        for (const v of [input(), input({ stackName: 'prod', statsAuth: 'admin:pw', publishedPort: 8080, statsPort: 9000, replicas: 30 })]) {
            const out = haproxyCheck(file(planScaffold(v, readTemplate, nothing), 'haproxy.cfg'));
            assert.match(out, /Configuration file is valid/);
            assert.doesNotMatch(out, /WARNING/);
        }
    });
});

describe('scaffold: the generated app', () => {
    it('answers <h1>I\'m HOSTNAME</h1> finishes an in-flight request on SIGTERM, then exits 0 (idle keep-alive connection open)', async function () {
        this.timeout(15000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-app-'));
        try {
            const plan = planScaffold(input(), readTemplate, nothing);
            fs.writeFileSync(path.join(dir, 'index.js'), file(plan, 'index.js'));
            const child = spawn(process.execPath, ['index.js'], { cwd: dir, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
            const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
            try {
                const port = await new Promise<number>((resolve, reject) => {
                    let out = '';
                    const t = setTimeout(() => reject(new Error(`no port in ${out}`)), 5000);
                    child.stdout.on('data', (c: Buffer) => {
                        out += c.toString();
                        const m = /listening on port (\d+)/.exec(out);
                        if (m) {
                            clearTimeout(t);
                            resolve(Number(m[1]));
                        }
                    });
                });
                const agent = new http.Agent({ keepAlive: true });
                const body = await new Promise<string>((resolve, reject) => {
                    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
                        let b = '';
                        res.on('data', (c: Buffer) => (b += c.toString()));
                        res.on('end', () => resolve(b));
                    }).on('error', reject);
                });
                assert.equal(body.trim(), `<h1>I'm ${os.hostname()}</h1>`);
                // A request in flight when SIGTERM arrives (headers half sent) is still answered, with Connection: close.
                const sock = net.connect(port, '127.0.0.1');
                await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
                let raw = '';
                sock.on('data', (c: Buffer) => (raw += c.toString()));
                const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
                sock.write('GET / HTTP/1.1\r\nHost: test\r\n');
                await new Promise((r) => setTimeout(r, 100));
                const t0 = Date.now();
                child.kill('SIGTERM');
                await new Promise((r) => setTimeout(r, 200));
                sock.write('\r\n');
                await closed;
                assert.match(raw, /^HTTP\/1\.1 200 OK/);
                assert.match(raw, /connection: close/i);
                assert.match(raw, /<h1>I'm /);
                const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 5000))]);
                agent.destroy();
                assert.equal(code, 0);
                assert.ok(Date.now() - t0 < 5000);
            } finally {
                if (child.exitCode === null) child.kill('SIGKILL');
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('scaffold: node-fs', () => {
    it('reads existing files, writes new ones with folders, refuses paths outside the target', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-scaffold-'));
        try {
            fs.writeFileSync(path.join(dir, 'haproxy.cfg'), 'mine\n');
            const plan = planScaffold(input({ targetDir: dir }), readTemplate, existingFileReader(dir));
            assert.deepEqual(conflicts(plan), ['haproxy.cfg']);
            const r = await applyScaffold(plan, new Map(), fileWriter(dir));
            assert.equal(r.written.length, TEMPLATE_FILES['haproxy-dns'].length - 1);
            assert.equal(fs.readFileSync(path.join(dir, 'haproxy.cfg'), 'utf8'), 'mine\n');
            assert.equal(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8'), file(plan, '.dockerignore'));
            const again = planScaffold(input({ targetDir: dir }), readTemplate, existingFileReader(dir));
            assert.ok(again.files.filter((f) => f.relPath !== 'haproxy.cfg').every((f) => f.action === 'skip-identical'));
            await fileWriter(dir)('sub/x.txt', 'x');
            assert.equal(fs.readFileSync(path.join(dir, 'sub', 'x.txt'), 'utf8'), 'x');
            assert.throws(() => resolveInside(dir, '../evil'), /outside/);
            assert.throws(() => resolveInside(dir, '/etc/passwd'), /Not a relative path/);
            assert.throws(() => existingFileReader(dir)('../x'), /outside/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('refuses to plan or write through a symbolic link in the target folder, dangling or not, naming it', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-scaffold-'));
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-stacks-outside-'));
        try {
            const dangling = path.join(dir, 'README.md');
            fs.symlinkSync(path.join(outside, 'README.md'), dangling);
            assert.throws(
                () => planScaffold(input({ targetDir: dir }), readTemplate, existingFileReader(dir)),
                (e: unknown) => e instanceof Error && e.message.startsWith(`${dangling} is a symbolic link`),
            );
            // An overwrite (as --force decides) goes through the same writer: no write through the link either.
            await assert.rejects(fileWriter(dir)('README.md', 'template'), /README\.md is a symbolic link/);
            fs.writeFileSync(path.join(outside, 'package.json'), 'theirs');
            fs.symlinkSync(path.join(outside, 'package.json'), path.join(dir, 'package.json'));
            await assert.rejects(fileWriter(dir)('package.json', 'template'), /package\.json is a symbolic link/);
            fs.symlinkSync(outside, path.join(dir, 'sub'));
            await assert.rejects(fileWriter(dir)('sub/x.txt', 'x'), /sub is a symbolic link/);
            assert.deepEqual(fs.readdirSync(outside), ['package.json']);
            assert.equal(fs.readFileSync(path.join(outside, 'package.json'), 'utf8'), 'theirs');
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });
});
