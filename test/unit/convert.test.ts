import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { convertStack, resolveObjectIds, referencedObjectNames, ConversionError } from '../../src/core/compose/convert';
import type { ServiceSpec } from '../../src/core/specs';
import { normalizeImageReference } from '../../src/core/image-reference';
import { convertYaml, files, parseCompose, readText, wire, ROOT } from './convert-helpers';

/** What the Docker CLI sent for the same inputs (test/fixtures/cli-api-capture/README.md). */
const CAPTURE = path.join(ROOT, 'test', 'fixtures', 'cli-api-capture');

function body(rel: string): unknown {
    return JSON.parse(fs.readFileSync(path.join(CAPTURE, rel), 'utf8')).body;
}

describe('convert: worked example of the spec (docker/cli `cli/compose/convert/service.go`)', () => {
    it('demo / nginx:1.25 gives exactly the documented spec and network', () => {
        const out = convertYaml(
            `services: {web: {image: "nginx:1.25", ports: ["8080:80"], environment: ["A=1"], deploy: {replicas: 2}}}`,
            'demo',
        );
        assert.deepStrictEqual(wire(out.services[0].spec), {
            Name: 'demo_web',
            Labels: { 'com.docker.stack.namespace': 'demo', 'com.docker.stack.image': 'nginx:1.25' },
            TaskTemplate: {
                ContainerSpec: {
                    Image: 'nginx:1.25',
                    Labels: { 'com.docker.stack.namespace': 'demo' },
                    Env: ['A=1'],
                    Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
                },
                Resources: {},
                Placement: {},
                Networks: [{ Target: 'demo_default', Aliases: ['web'] }],
                ForceUpdate: 0,
            },
            Mode: { Replicated: { Replicas: 2 } },
            EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] },
        });
        assert.strictEqual(out.networks.length, 1);
        assert.strictEqual(out.networks[0].name, 'demo_default');
        assert.strictEqual(out.networks[0].request.Driver, 'overlay');
        assert.deepStrictEqual({ ...out.networks[0].request.Labels }, { 'com.docker.stack.namespace': 'demo' });
        assert.deepStrictEqual(out.externalNetworks, []);
    });
});

describe('convert: the CLI capture (stack prod)', () => {
    const text = fs.readFileSync(path.join(CAPTURE, 'compose/docker-compose.yaml'), 'utf8');
    const cfgText = fs.readFileSync(path.join(CAPTURE, 'compose/haproxy.cfg'));
    const workingDir = path.join(CAPTURE, 'compose');
    const specs = convertStack(parseCompose(text), {
        stackName: 'prod',
        workingDir,
        readFile: files({ [path.join(workingDir, 'haproxy.cfg')]: cfgText.toString('utf8') }),
        normalizeImages: true,
    });
    const ids = { secrets: new Map<string, string>(), configs: new Map([['prod_haproxy_cfg', 'wvvo4qkqncibpsowjyz15ba27']]) };

    it('network create body equals 004-POST-networks_create', () => {
        assert.deepStrictEqual(specs.networks.map((n) => n.name), ['prod_web']);
        assert.deepStrictEqual(wire(specs.networks[0].request), body('stack-deploy/004-POST-networks_create.json'));
    });
    it('config create body equals 006-POST-configs_create', () => {
        assert.strictEqual(specs.configs.length, 1);
        assert.deepStrictEqual(wire(specs.configs[0].spec), body('stack-deploy/006-POST-configs_create.json'));
    });
    it('service test equals 010-POST-services_create', () => {
        const svc = specs.services.find((s) => s.key === 'test')!;
        assert.deepStrictEqual(wire(resolveObjectIds(svc.spec, ids)), body('stack-deploy/010-POST-services_create.json'));
    });
    it('service proxy equals 012-POST-services_create (config ID resolved)', () => {
        const svc = specs.services.find((s) => s.key === 'proxy')!;
        assert.deepStrictEqual(svc.configNames, ['prod_haproxy_cfg']);
        assert.deepStrictEqual(wire(resolveObjectIds(svc.spec, ids)), body('stack-deploy/012-POST-services_create.json'));
    });
    it('redeploy bodies equal the converted specs too (update sends the full spec)', () => {
        const t = specs.services.find((s) => s.key === 'test')!;
        assert.deepStrictEqual(wire(resolveObjectIds(t.spec, ids)), body('stack-redeploy/009-POST-services_fs10xa3hodw2jtzdkgq5i7mx6_update.json'));
        const p = specs.services.find((s) => s.key === 'proxy')!;
        assert.deepStrictEqual(wire(resolveObjectIds(p.spec, ids)), body('stack-redeploy/011-POST-services_qf9i7tdly1p77jll5rnxnbxon_update.json'));
    });
    it('blog-literal file: service bodies equal literal-deploy (short ports, bind mount, depends_on ignored)', () => {
        const lit = convertStack(parseCompose(fs.readFileSync(path.join(CAPTURE, 'compose/blog-literal.docker-compose.yaml'), 'utf8')), {
            stackName: 'prod',
            workingDir,
            readFile: files({}),
            normalizeImages: true,
        });
        assert.deepStrictEqual(wire(lit.networks[0].request), body('literal-deploy/004-POST-networks_create.json'));
        const bodies = [body('literal-deploy/007-POST-services_create.json'), body('literal-deploy/009-POST-services_create.json')] as ServiceSpec[];
        for (const b of bodies) {
            const svc = lit.services.find((s) => s.name === b.Name)!;
            assert.deepStrictEqual(wire(svc.spec), b);
        }
    });
});

describe('convert: docker/cli full-example.yml', () => {
    const text = readText('test/fixtures/docker-cli/cli/compose/loader/full-example.yml');
    const workingDir = path.join(ROOT, 'test/fixtures/docker-cli/cli/compose/loader');
    const opts = {
        stackName: 'full',
        workingDir,
        env: { HOME: '/home/foo' },
        readFile: files({ [path.join(workingDir, 'config_data')]: 'cfg', [path.join(workingDir, 'secret_data')]: 'sec' }),
    };

    it('as written it fails like the CLI: secret4 has neither file nor driver (reads the working dir)', () => {
        assert.throws(
            () => convertStack(parseCompose(text), opts),
            (e: unknown) => e instanceof ConversionError && e.message === `read ${workingDir}: is a directory` && e.path.join('.') === 'secrets.secret4',
        );
    });

    function fixed(): ReturnType<typeof parseCompose> {
        const c = parseCompose(text);
        c.secrets!.secret4.file = './secret_data';
        c.configs!.config4.file = './config_data';
        return c;
    }

    it('with files given, the service fails on the undeclared volume "datavolume" (mounts convert before networks)', () => {
        assert.throws(
            () => convertStack(fixed(), opts),
            (e: unknown) =>
                e instanceof ConversionError && e.message === 'service foo: undefined volume "datavolume"' && e.path.join('.') === 'services.foo.volumes.5',
        );
    });

    it('with the volume declared, it fails next: other-other-network is not declared at top level', () => {
        const c = fixed();
        c.volumes!.datavolume = null;
        assert.throws(
            () => convertStack(c, opts),
            (e: unknown) =>
                e instanceof ConversionError &&
                e.message === 'service foo: undefined network "other-other-network"' &&
                e.path.join('.') === 'services.foo.networks.other-other-network',
        );
    });

    describe('with other-other-network and datavolume declared', () => {
        const c = fixed();
        c.networks!['other-other-network'] = null;
        c.volumes!.datavolume = null;
        // what the loader delivers for env_file + environment (full-struct_test.go), QUX from the process env
        c.services.foo.resolvedEnvironment = {
            FOO: 'foo_from_env_file',
            BAR: 'bar_from_env_file_2',
            BAZ: 'baz_from_service_def',
            QUX: 'qux_from_environment',
        };
        const out = convertStack(c, opts);
        const spec = out.services[0].spec;
        const cs = spec.TaskTemplate.ContainerSpec!;

        it('networks: the 3 used ones created (sorted by key); declared externals unused → none', () => {
            assert.deepStrictEqual(out.networks.map((n) => n.name), ['full_other-network', 'full_other-other-network', 'full_some-network']);
            assert.deepStrictEqual(out.externalNetworks, []);
            assert.deepStrictEqual(wire(out.networks[0].request), {
                Name: 'full_other-network',
                CheckDuplicate: true,
                Driver: 'overlay',
                Scope: '',
                IPAM: { Driver: 'overlay', Options: null, Config: [{ Subnet: '172.16.238.0/24' }, { Subnet: '2001:3984:3989::/64' }] },
                Internal: false,
                Attachable: false,
                Ingress: false,
                ConfigOnly: false,
                ConfigFrom: null,
                Options: { baz: '1', foo: 'bar' },
                Labels: { foo: 'bar', 'com.docker.stack.namespace': 'full' },
            });
        });
        it('secrets/configs: non-external created with names and labels', () => {
            assert.deepStrictEqual(out.secrets.map((s) => [s.key, s.name]), [['secret1', 'full_secret1'], ['secret4', 'bar']]);
            assert.deepStrictEqual(out.configs.map((s) => [s.key, s.name]), [['config1', 'full_config1'], ['config4', 'foo']]);
            assert.deepStrictEqual(wire(out.secrets[0].spec), {
                Name: 'full_secret1',
                Labels: { foo: 'bar', 'com.docker.stack.namespace': 'full' },
                Data: Buffer.from('sec').toString('base64'),
            });
        });
        it('22 expanded ports, sorted', () => {
            const ports = spec.EndpointSpec!.Ports!;
            assert.strictEqual(ports.length, 22);
            const exp: [number, number][] = [
                [0, 3000], [0, 3001], [0, 3002], [0, 3003], [0, 3004], [0, 3005],
                [5000, 5000], [5001, 5001], [5002, 5002], [5003, 5003], [5004, 5004], [5005, 5005], [5006, 5006],
                [5007, 5007], [5008, 5008], [5009, 5009], [5010, 5010],
                [8000, 8000], [8001, 8001], [9090, 8080], [9091, 8081], [49100, 22],
            ];
            assert.deepStrictEqual(
                wire(ports),
                exp.map(([p, t]) => ({ Protocol: 'tcp', TargetPort: t, ...(p ? { PublishedPort: p } : {}), PublishMode: 'ingress' })),
            );
            assert.strictEqual(spec.EndpointSpec!.Mode, 'dnsrr');
            assert.strictEqual(out.warnings.filter((w) => w.message.startsWith('ignoring IP-address')).length, 2);
        });
        it('env sorted, command split, entrypoint list, caps, ulimits, sysctls, hosts, dns', () => {
            assert.deepStrictEqual(cs.Env, ['BAR=bar_from_env_file_2', 'BAZ=baz_from_service_def', 'FOO=foo_from_env_file', 'QUX=qux_from_environment']);
            assert.deepStrictEqual(cs.Args, ['bundle', 'exec', 'thin', '-p', '3000']);
            assert.deepStrictEqual(cs.Command, ['/code/entrypoint.sh', '-p', '3000']);
            assert.deepStrictEqual(cs.CapabilityAdd, ['ALL']);
            assert.deepStrictEqual(cs.CapabilityDrop, ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
            assert.deepStrictEqual(cs.Ulimits, [{ Name: 'nofile', Hard: 40000, Soft: 20000 }, { Name: 'nproc', Hard: 65535, Soft: 65535 }]);
            assert.deepStrictEqual({ ...cs.Sysctls }, { 'net.core.somaxconn': '1024', 'net.ipv4.tcp_syncookies': '0' });
            assert.deepStrictEqual(cs.Hosts, ['162.242.195.82 somehost', '50.31.209.229 otherhost', 'host-gateway host.docker.internal']);
            assert.deepStrictEqual(cs.DNSConfig, { Nameservers: ['8.8.8.8', '9.9.9.9'], Search: ['dc1.example.com', 'dc2.example.com'] });
            assert.deepStrictEqual({ ...cs.Labels }, {
                'com.docker.stack.namespace': 'full',
                'com.example.description': 'Accounting webapp',
                'com.example.empty-label': '',
                'com.example.number': '42',
            });
            assert.strictEqual(cs.Hostname, 'foo');
            assert.strictEqual(cs.User, 'someone');
            assert.strictEqual(cs.Dir, '/code');
            assert.strictEqual(cs.StopGracePeriod, 20e9);
            assert.strictEqual(cs.StopSignal, 'SIGUSR1');
            assert.strictEqual(cs.TTY, true);
            assert.strictEqual(cs.OpenStdin, true);
            assert.strictEqual(cs.ReadOnly, true);
            assert.deepStrictEqual(cs.Healthcheck, {
                Test: ['CMD-SHELL', 'echo "hello world"'],
                Interval: 10e9,
                Timeout: 1e9,
                StartPeriod: 15e9,
                StartInterval: 1e9,
                Retries: 5,
            });
        });
        it('mounts in compose order, binds resolved against the working dir and HOME', () => {
            assert.deepStrictEqual(wire(cs.Mounts), [
                { Type: 'volume', Target: '/var/lib/mysql' },
                { Type: 'bind', Source: '/opt/data', Target: '/var/lib/mysql' },
                { Type: 'bind', Source: workingDir, Target: '/code' },
                { Type: 'bind', Source: path.join(workingDir, 'static'), Target: '/var/www/html' },
                { Type: 'bind', Source: '/home/foo/configs', Target: '/etc/configs/', ReadOnly: true },
                { Type: 'volume', Source: 'full_datavolume', Target: '/var/lib/mysql', VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'full' } } },
                { Type: 'bind', Source: path.join(workingDir, 'opt'), Target: '/opt', Consistency: 'cached' },
                { Type: 'tmpfs', Target: '/opt', TmpfsOptions: { SizeBytes: 10000 } },
                { Type: 'cluster', Source: 'group:mygroup', Target: '/srv', ClusterOptions: {} },
            ]);
        });
        it('secrets/configs references: names, defaults, octal 0440 = 288, sorted by name', () => {
            assert.deepStrictEqual(wire(cs.Secrets), [
                { File: { Name: 'secret1', UID: '0', GID: '0', Mode: 292 }, SecretID: '', SecretName: 'full_secret1' },
                { File: { Name: 'my_secret', UID: '103', GID: '103', Mode: 288 }, SecretID: '', SecretName: 'my_secret' },
            ]);
            assert.deepStrictEqual(wire(cs.Configs), [
                { File: { Name: 'config1', UID: '0', GID: '0', Mode: 292 }, ConfigID: '', ConfigName: 'full_config1' },
                { File: { Name: '/my_config', UID: '103', GID: '103', Mode: 288 }, ConfigID: '', ConfigName: 'my_config' },
            ]);
            assert.deepStrictEqual(referencedObjectNames(out), { secrets: ['full_secret1', 'my_secret'], configs: ['full_config1', 'my_config'] });
        });
        it('deploy block: mode, labels, resources, restart policy (restart: ignored), placement, update/rollback', () => {
            assert.deepStrictEqual(spec.Mode, { Replicated: { Replicas: 6 } });
            assert.deepStrictEqual({ ...spec.Labels }, { FOO: 'BAR', 'com.docker.stack.image': 'redis', 'com.docker.stack.namespace': 'full' });
            assert.deepStrictEqual(wire(spec.TaskTemplate.Resources), {
                Limits: { NanoCPUs: 1000000, MemoryBytes: 52428800, Pids: 100 },
                Reservations: {
                    NanoCPUs: 100000,
                    MemoryBytes: 20971520,
                    GenericResources: [{ DiscreteResourceSpec: { Kind: 'gpu', Value: 2 } }, { DiscreteResourceSpec: { Kind: 'ssd', Value: 1 } }],
                },
            });
            assert.deepStrictEqual(spec.TaskTemplate.RestartPolicy, { Condition: 'on-failure', Delay: 5e9, MaxAttempts: 3, Window: 120e9 });
            assert.deepStrictEqual(spec.TaskTemplate.Placement, {
                Constraints: ['node=foo'],
                Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.az' } }],
                MaxReplicas: 5,
            });
            const uc = { Parallelism: 3, Delay: 10e9, FailureAction: 'continue', Monitor: 60e9, MaxFailureRatio: 0.3, Order: 'start-first' };
            assert.deepStrictEqual(spec.UpdateConfig, uc);
            assert.deepStrictEqual(spec.RollbackConfig, uc);
            assert.deepStrictEqual(wire(spec.TaskTemplate.LogDriver), { Name: 'syslog', Options: { 'syslog-address': 'tcp://192.168.0.42:123' } });
        });
        it('service networks sorted by target, aliases then the service key, driver_opts', () => {
            assert.deepStrictEqual(wire(spec.TaskTemplate.Networks), [
                { Target: 'full_other-network', Aliases: ['foo'] },
                { Target: 'full_other-other-network', Aliases: ['foo'] },
                { Target: 'full_some-network', Aliases: ['alias1', 'alias3', 'foo'], DriverOpts: { driveropt1: 'optval1', driveropt2: 'optval2' } },
            ]);
        });
        it('image label is the compose string; normalisation is a separate step', () => {
            assert.strictEqual(cs.Image, 'redis');
            assert.strictEqual(normalizeImageReference(cs.Image), 'redis:latest');
        });
    });
});
