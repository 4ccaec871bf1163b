/** Table tests, one block per mapping rule of docker/cli's conversion (`cli/compose/convert/*.go`) and the quirks an interchangeable implementation must decide on. */
import * as assert from 'assert';
import { ConversionError, convertStack, resolveObjectIds, convertRestartPolicy, convertExtraHosts, shlexSplit, effectiveCapabilities } from '../../src/core/compose/convert';
import type { ContainerSpec, ServiceSpec } from '../../src/core/specs';
import { convertYaml, files, parseCompose, wire } from './convert-helpers';

function svc(yamlService: string, top = '', stack = 's'): ServiceSpec {
    const text = `services:\n  web:\n${yamlService.replace(/^/gm, '    ')}\n${top}`;
    return convertYaml(text, stack).services[0].spec;
}
function cs(yamlService: string, top = ''): ContainerSpec {
    return svc(yamlService, top).TaskTemplate.ContainerSpec!;
}
function fails(yamlService: string, message: string, pathStr?: string, top = ''): void {
    assert.throws(
        () => svc(yamlService, top),
        (e: unknown) => {
            assert.ok(e instanceof ConversionError, String(e));
            assert.strictEqual(e.message, message);
            if (pathStr !== undefined) assert.strictEqual(e.path.join('.'), pathStr);
            return true;
        },
    );
}

describe('convert rules: skeleton (docker/cli `cli/compose/convert/service.go`)', () => {
    it('minimal service has every always-present field', () => {
        assert.deepStrictEqual(wire(svc('image: x')), {
            Name: 's_web',
            Labels: { 'com.docker.stack.image': 'x', 'com.docker.stack.namespace': 's' },
            TaskTemplate: {
                ContainerSpec: {
                    Image: 'x',
                    Labels: { 'com.docker.stack.namespace': 's' },
                    Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
                },
                Resources: {},
                Placement: {},
                Networks: [{ Target: 's_default', Aliases: ['web'] }],
                ForceUpdate: 0,
            },
            Mode: { Replicated: {} },
            EndpointSpec: {},
        });
    });
    it('stack label overrides a user label of that key; deploy.labels go to Spec.Labels', () => {
        const s = svc('image: x\nlabels: {com.docker.stack.namespace: evil, a: 1}\ndeploy: {labels: [b=2, c]}');
        assert.deepStrictEqual({ ...s.TaskTemplate.ContainerSpec!.Labels }, { a: '1', 'com.docker.stack.namespace': 's' });
        assert.deepStrictEqual({ ...s.Labels }, { b: '2', c: '', 'com.docker.stack.image': 'x', 'com.docker.stack.namespace': 's' });
    });
    it('normalizeImages option changes ContainerSpec.Image only', () => {
        const out = convertStack(parseCompose('services: {a: {image: nginx}}'), { stackName: 's', workingDir: '/', readFile: files({}), normalizeImages: true });
        assert.strictEqual(out.services[0].spec.TaskTemplate.ContainerSpec!.Image, 'nginx:latest');
        assert.strictEqual(out.services[0].spec.Labels!['com.docker.stack.image'], 'nginx');
    });
});

describe('convert rules: scalar container fields (docker/cli `cli/compose/convert/service.go`)', () => {
    const cases: [string, string, keyof ContainerSpec, unknown][] = [
        ['hostname', 'hostname: "{{.Task.Slot}}"', 'Hostname', '{{.Task.Slot}}'],
        ['user', 'user: "1000:1000"', 'User', '1000:1000'],
        ['working_dir', 'working_dir: /app', 'Dir', '/app'],
        ['stop_grace_period', 'stop_grace_period: 1m30s', 'StopGracePeriod', 90e9],
        ['stop_grace_period 0 kept', 'stop_grace_period: "0"', 'StopGracePeriod', 0],
        ['stop_signal', 'stop_signal: SIGINT', 'StopSignal', 'SIGINT'],
        ['tty', 'tty: true', 'TTY', true],
        ['tty false omitted', 'tty: false', 'TTY', undefined],
        ['stdin_open', 'stdin_open: true', 'OpenStdin', true],
        ['read_only', 'read_only: true', 'ReadOnly', true],
        ['init true', 'init: true', 'Init', true],
        ['init false is kept (pointer)', 'init: false', 'Init', false],
        ['init absent', '{}', 'Init', undefined],
        ['isolation verbatim', 'isolation: whatever', 'Isolation', 'whatever'],
        // No Docker CLI reads it from a compose file (docker/cli cli/compose/types/types.go, v28.0 to v29.7.2).
        ['oom_score_adj is not converted, as by the Docker CLI', 'oom_score_adj: -500', 'OomScoreAdj', undefined],
        ['entrypoint string → shell split', `entrypoint: "sh -c 'echo a  b' # c"`, 'Command', ['sh', '-c', 'echo a  b']],
        ['entrypoint list verbatim', 'entrypoint: [a, "b c"]', 'Command', ['a', 'b c']],
        ['entrypoint empty → absent', 'entrypoint: ""', 'Command', undefined],
        ['command string', 'command: node -e "setInterval(()=>{},1e9)"', 'Args', ['node', '-e', 'setInterval(()=>{},1e9)']],
        ['command list', 'command: ["1", "2"]', 'Args', ['1', '2']],
        ['sysctls map', 'sysctls: {a.b: 1, c: null}', 'Sysctls', { 'a.b': '1', c: '' }],
        ['sysctls list', 'sysctls: [a.b=1, c]', 'Sysctls', { 'a.b': '1', c: '' }],
        ['ulimits sorted, single and soft/hard', 'ulimits: {nproc: 5, core: {soft: 1, hard: 2}}', 'Ulimits', [{ Name: 'core', Hard: 2, Soft: 1 }, { Name: 'nproc', Hard: 5, Soft: 5 }]],
        ['dns string', 'dns: 1.1.1.1', 'DNSConfig', { Nameservers: ['1.1.1.1'] }],
        ['dns invalid entries dropped', 'dns: [1.1.1.1, not-an-ip, "::1", 010.1.1.1]', 'DNSConfig', { Nameservers: ['1.1.1.1', '::1'] }],
        ['dns only invalid → DNSConfig {}', 'dns: [nope]', 'DNSConfig', {}],
        ['dns_search string', 'dns_search: example.com', 'DNSConfig', { Search: ['example.com'] }],
        ['no dns → absent', '{}', 'DNSConfig', undefined],
    ];
    for (const [name, y, field, expected] of cases) {
        it(name, () => assert.deepStrictEqual((wire(cs(`image: x\n${y === '{}' ? '' : y}`)) as Record<string, unknown>)[field as string], expected));
    }
});

describe('convert rules: environment (docker/cli `cli/compose/loader/loader.go`)', () => {
    const cases: [string, string, string[] | undefined][] = [
        ['list sorted byte-wise', 'environment: [b=1, B=2, a=, c]', ['B=2', 'a=', 'b=1', 'c']],
        ['map with null and numbers', 'environment: {Z: 2.5, Y: null, X: 10, W: ""}', ['W=', 'X=10', 'Y', 'Z=2.5']],
        ['value with = kept', 'environment: ["A=b=c"]', ['A=b=c']],
        ['empty → absent', 'environment: []', undefined],
        ['byte order (UTF-8): é after z', 'environment: [é=1, z=1, Z=1]', ['Z=1', 'z=1', 'é=1']],
    ];
    for (const [name, y, exp] of cases) it(name, () => assert.deepStrictEqual(cs(`image: x\n${y}`).Env, exp));
    it('resolvedEnvironment from the loader wins over environment', () => {
        const c = parseCompose('services: {a: {image: x, environment: [A=1]}}');
        c.services.a.resolvedEnvironment = { B: '2', A: null };
        const out = convertStack(c, { stackName: 's', workingDir: '/', readFile: files({}) });
        assert.deepStrictEqual(out.services[0].spec.TaskTemplate.ContainerSpec!.Env, ['A', 'B=2']);
    });
    it('QUIRK kept: empty/null value takes the process env when given', () => {
        const c = parseCompose('services: {a: {image: x, environment: {A: "", B: null, C: "c"}}}');
        const out = convertStack(c, { stackName: 's', workingDir: '/', readFile: files({}), env: { A: 'pa', B: 'pb', C: 'pc' } });
        assert.deepStrictEqual(out.services[0].spec.TaskTemplate.ContainerSpec!.Env, ['A=pa', 'B=pb', 'C=c']);
    });
});

describe('convert rules: extra_hosts, capabilities, shlex (docker/cli `cli/compose/loader/loader.go`)', () => {
    const hosts: [string, unknown, string[]][] = [
        ['list host:ip keeps order', ['b:1.1.1.1', 'a:2.2.2.2'], ['1.1.1.1 b', '2.2.2.2 a']],
        ['list host=ip and v6 brackets', ['h=::1', 'g:[::2]', 'nosep'], ['::1 h', '::2 g']],
        ['map sorted', { b: '1.1.1.1', a: '2.2.2.2' }, ['2.2.2.2 a', '1.1.1.1 b']],
        ['host-gateway', ['host.docker.internal:host-gateway'], ['host-gateway host.docker.internal']],
    ];
    for (const [name, input, exp] of hosts) it(`extra_hosts ${name}`, () => assert.deepStrictEqual(convertExtraHosts(input as never), exp));

    const caps: [string, string[], string[], string[], string[]][] = [
        ['spec example', ['SYS_NICE', 'CAP_NET_ADMIN'], ['CHOWN', 'CAP_NET_ADMIN'], ['CAP_NET_ADMIN', 'CAP_SYS_NICE'], ['CAP_CHOWN']],
        ['ALL in add', ['all', 'chown'], ['ALL'], ['ALL'], []],
        ['ALL in drop', [' net_raw '], ['chown', 'ALL'], ['CAP_NET_RAW'], ['ALL']],
        ['RESET dropped, dedupe', ['RESET', 'a', 'CAP_A'], [], ['CAP_A'], []],
    ];
    for (const [name, add, drop, ea, ed] of caps) {
        it(`capabilities ${name}`, () => assert.deepStrictEqual(effectiveCapabilities(add, drop), { add: ea, drop: ed }));
    }
    it('capabilities on the spec (empty lists omitted)', () => {
        const c = cs('image: x\ncap_add: [net_admin]');
        assert.deepStrictEqual(c.CapabilityAdd, ['CAP_NET_ADMIN']);
        assert.strictEqual(c.CapabilityDrop, undefined);
    });
    const sh: [string, string[]][] = [
        [`a "b c" 'd e' f\\ g`, ['a', 'b c', 'd e', 'f g']],
        ['a#b # comment\nc', ['a#b', 'c']],
        [`"" x`, ['', 'x']],
        [`"a\\"b"`, ['a"b']],
    ];
    for (const [input, exp] of sh) it(`shlex ${JSON.stringify(input)}`, () => assert.deepStrictEqual(shlexSplit(input), exp));
    it('shlex unclosed quote is an error', () => fails('image: x\ncommand: "a \'b"', 'service web: EOF found when expecting closing quote', 'services.web.command'));
});

describe('convert rules: ports (docker/cli `cli/compose/loader/loader.go`, `opts/swarmopts/port.go`)', () => {
    const p = (y: string): unknown => wire(svc(`image: x\nports: ${y}`).EndpointSpec);
    const I = (t: number, pub?: number, proto = 'tcp') => ({ Protocol: proto, TargetPort: t, ...(pub ? { PublishedPort: pub } : {}), PublishMode: 'ingress' });
    const cases: [string, string, unknown][] = [
        ['number', '[80]', { Ports: [I(80)] }],
        ['host:container', '["8080:80"]', { Ports: [I(80, 8080)] }],
        ['udp upper-case', '["53:53/UDP"]', { Ports: [I(53, 53, 'udp')] }],
        ['sctp', '["9:9/sctp"]', { Ports: [I(9, 9, 'sctp')] }],
        ['container range', '["3000-3001"]', { Ports: [I(3000), I(3001)] }],
        ['range pairs', '["9090-9091:8080-8081"]', { Ports: [I(8080, 9090), I(8081, 9091)] }],
        ['host range, single container', '["8000-8002:80"]', { Ports: [I(80, 8000), I(80, 8001), I(80, 8002)] }],
        ['ip ignored', '["127.0.0.1:81:81", "[::1]:82:82"]', { Ports: [I(81, 81), I(82, 82)] }],
        ['long kept as written', '[{target: 53, published: 10053, protocol: udp}, {target: 22, published: 10022, mode: host}]', { Ports: [{ TargetPort: 22, PublishedPort: 10022, PublishMode: 'host' }, { Protocol: 'udp', TargetPort: 53, PublishedPort: 10053 }] }],
        ['sorted by published, target, proto, mode', '["2:9/udp", "2:9", "1:10", {target: 9, published: 2, protocol: tcp, mode: host}]', { Ports: [I(10, 1), { Protocol: 'tcp', TargetPort: 9, PublishedPort: 2, PublishMode: 'host' }, I(9, 2), I(9, 2, 'udp')] }],
    ];
    for (const [name, y, exp] of cases) it(name, () => assert.deepStrictEqual(p(y), exp));
    it('endpoint_mode lower-cased', () => assert.deepStrictEqual(wire(svc('image: x\ndeploy: {endpoint_mode: DNSRR}').EndpointSpec), { Mode: 'dnsrr' }));
    it('ip warning', () => {
        const out = convertYaml('services: {a: {image: x, ports: ["127.0.0.1:81:81", "0.0.0.0:82:82"]}}');
        assert.deepStrictEqual(out.warnings.map((w) => [w.message, w.path.join('.')]), [["ignoring IP-address (127.0.0.1:81:81/tcp) service will listen on '0.0.0.0'", 'services.a.ports.0']]);
    });
    const errs: [string, string][] = [
        ['"1-3:1-2"', 'service web: invalid ranges specified for container and host Ports: 1-2 and 1-3'],
        ['"80/http"', 'service web: invalid proto: http'],
        ['"65536"', 'service web: invalid containerPort: 65536'],
        ['"nope:1:2"', 'service web: invalid IP address: nope'],
    ];
    for (const [y, m] of errs) it(`error ${y}`, () => fails(`image: x\nports: [${y}]`, m, 'services.web.ports.0'));
});

describe('convert rules: networks and aliases (docker/cli `cli/command/stack/deploy_composefile.go`, `cli/compose/convert/compose.go`, `cli/compose/convert/service.go`)', () => {
    it('only used networks are created; name:, driver, labels, options, internal, attachable, IPAM', () => {
        const out = convertYaml(`
services:
  a: {image: x, networks: {front: {aliases: [other]}, ext: null, named: null}}
networks:
  front: {driver: bridge, labels: [k=v, com.docker.stack.namespace=x], driver_opts: {mtu: 1400}, internal: true, attachable: true, ipam: {config: [{subnet: 10.0.0.0/24}, {}]}}
  named: {name: exact-name}
  ext: {external: true}
  unused: {}
`, 's');
        assert.deepStrictEqual(out.networks.map((n) => n.name), ['s_front', 'exact-name']);
        const f = out.networks[0].request;
        assert.deepStrictEqual(
            [f.Driver, { ...f.Labels }, { ...f.Options }, f.Internal, f.Attachable, f.IPAM],
            ['bridge', { 'com.docker.stack.namespace': 's', k: 'v' }, { mtu: '1400' }, true, true, { Driver: '', Options: null, Config: [{ Subnet: '10.0.0.0/24' }, {}] }],
        );
        assert.strictEqual(out.networks[1].request.IPAM, null);
        assert.deepStrictEqual(out.externalNetworks, ['ext']);
        assert.deepStrictEqual(wire(out.services[0].spec.TaskTemplate.Networks), [
            { Target: 'exact-name', Aliases: ['a'] },
            { Target: 'ext', Aliases: ['a'] },
            { Target: 's_front', Aliases: ['other', 'a'] },
        ]);
    });
    it('external names: name:, deprecated external.name, key; host/bridge get no alias', () => {
        const out = convertYaml(`
services: {a: {image: x, networks: [n1, n2, h]}}
networks:
  n1: {external: {name: legacy}}
  n2: {external: true, name: modern}
  h: {external: true, name: host}
`);
        assert.deepStrictEqual(out.externalNetworks, ['host', 'legacy', 'modern']);
        assert.deepStrictEqual(wire(out.services[0].spec.TaskTemplate.Networks), [{ Target: 'host' }, { Target: 'legacy', Aliases: ['a'] }, { Target: 'modern', Aliases: ['a'] }]);
    });
    it('undefined network → CLI error, nothing created (QUIRK avoided)', () => fails('image: x\nnetworks: [nope]', 'service web: undefined network "nope"', 'services.web.networks.0'));
    it('declared default is used and can be renamed', () => {
        const out = convertYaml('services: {a: {image: x}}\nnetworks: {default: {name: mynet, driver: overlay}}');
        assert.deepStrictEqual(out.networks.map((n) => n.name), ['mynet']);
        assert.deepStrictEqual(out.services[0].spec.TaskTemplate.Networks, [{ Target: 'mynet', Aliases: ['a'] }]);
    });
});

describe('convert rules: deploy (docker/cli `cli/compose/convert/service.go`)', () => {
    const modes: [string, string, unknown][] = [
        ['absent', '{}', { Replicated: {} }],
        ['replicas 0 kept', '{replicas: 0}', { Replicated: { Replicas: 0 } }],
        ['replicated', '{mode: replicated, replicas: 3}', { Replicated: { Replicas: 3 } }],
        ['global', '{mode: global}', { Global: {} }],
        ['replicated-job', '{mode: replicated-job, replicas: 2}', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 2 } }],
        ['replicated-job no replicas', '{mode: replicated-job}', { ReplicatedJob: {} }],
        ['global-job', '{mode: global-job}', { GlobalJob: {} }],
    ];
    for (const [name, d, exp] of modes) it(`mode ${name}`, () => assert.deepStrictEqual(svc(`image: x\ndeploy: ${d}`).Mode, exp));
    it('global + replicas error', () => fails('image: x\ndeploy: {mode: global, replicas: 1}', 'service web: replicas can only be used with replicated or replicated-job mode', 'services.web.deploy.replicas'));
    it('mode is case-sensitive', () => fails('image: x\ndeploy: {mode: Global}', 'service web: unknown mode: Global', 'services.web.deploy.mode'));

    const res: [string, string, unknown][] = [
        ['cpus 0.5 / 512M', '{limits: {cpus: "0.5", memory: 512M}}', { Limits: { NanoCPUs: 5e8, MemoryBytes: 536870912 } }],
        ['cpus 1/2 and 1e-3', '{limits: {cpus: "1/2"}, reservations: {cpus: "1e-3"}}', { Limits: { NanoCPUs: 5e8 }, Reservations: { NanoCPUs: 1e6 } }],
        ['empty limits → {}', '{limits: {}}', { Limits: {} }],
        ['pids', '{limits: {pids: 10}}', { Limits: { Pids: 10 } }],
        ['generic resources', '{reservations: {generic_resources: [{discrete_resource_spec: {kind: gpu, value: 1}}]}}', { Reservations: { GenericResources: [{ DiscreteResourceSpec: { Kind: 'gpu', Value: 1 } }] } }],
    ];
    for (const [name, r, exp] of res) it(`resources ${name}`, () => assert.deepStrictEqual(wire(svc(`image: x\ndeploy: {resources: ${r}}`).TaskTemplate.Resources), exp));
    it('cpus too precise', () => fails('image: x\ndeploy: {resources: {limits: {cpus: "0.0000000001"}}}', 'service web: value is too precise', 'services.web.deploy.resources.limits.cpus'));
    it('cpus not rational', () => fails('image: x\ndeploy: {resources: {limits: {cpus: "abc"}}}', 'service web: failed to parse abc as a rational number'));

    it('restart_policy present (even {}) wins over restart:', () => {
        assert.deepStrictEqual(svc('image: x\nrestart: always\ndeploy: {restart_policy: {}}').TaskTemplate.RestartPolicy, {});
        assert.deepStrictEqual(
            svc('image: x\ndeploy: {restart_policy: {condition: any, delay: "0s", max_attempts: 0, window: 1m}}').TaskTemplate.RestartPolicy,
            { Condition: 'any', Delay: 0, MaxAttempts: 0, Window: 60e9 },
        );
    });
    const legacy: [string, unknown][] = [
        ['no', undefined],
        ['always', { Condition: 'any' }],
        ['unless-stopped', { Condition: 'any' }],
        ['always:3', { Condition: 'any', MaxAttempts: 3 }],
        ['on-failure', { Condition: 'on-failure' }],
        ['on-failure:5', { Condition: 'on-failure', MaxAttempts: 5 }],
        ['on-failure:0', { Condition: 'on-failure' }],
    ];
    for (const [r, exp] of legacy) it(`QUIRK kept: legacy restart "${r}"`, () => assert.deepStrictEqual(convertRestartPolicy(r, undefined, ['services', 'a']), exp));
    const legacyErr: [string, string][] = [
        ['sometimes', "invalid restart policy: unknown policy 'sometimes' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')"],
        ['on-failure:x', 'invalid restart policy format: maximum retry count must be an integer'],
        [':3', 'invalid restart policy format: no policy provided before colon'],
        ['on-failure:-1', 'invalid restart policy: maximum retry count cannot be negative'],
    ];
    for (const [r, m] of legacyErr) it(`legacy restart error "${r}"`, () => fails(`image: x\nrestart: "${r}"`, `service web: ${m}`, 'services.web.restart'));

    it('update_config: Parallelism defaults to 1, zero values serialised as the CLI does', () => {
        assert.deepStrictEqual(wire(svc('image: x\ndeploy: {update_config: {}}').UpdateConfig), { Parallelism: 1, MaxFailureRatio: 0, Order: '' });
        assert.deepStrictEqual(wire(svc('image: x\ndeploy: {rollback_config: {parallelism: 0, delay: 1s, monitor: 2s, failure_action: rollback, max_failure_ratio: 0.5, order: stop-first}}').RollbackConfig), {
            Parallelism: 0, Delay: 1e9, FailureAction: 'rollback', Monitor: 2e9, MaxFailureRatio: 0.5, Order: 'stop-first',
        });
        assert.strictEqual(svc('image: x').UpdateConfig, undefined);
    });
    it('placement: constraints verbatim, preferences, max_replicas_per_node (0 omitted)', () => {
        assert.deepStrictEqual(svc('image: x\ndeploy: {placement: {constraints: [node.role==manager], preferences: [{spread: a}], max_replicas_per_node: 0}}').TaskTemplate.Placement, {
            Constraints: ['node.role==manager'],
            Preferences: [{ Spread: { SpreadDescriptor: 'a' } }],
        });
    });
});

describe('convert rules: healthcheck and logging (docker/cli `cli/compose/convert/service.go`)', () => {
    const hc: [string, string, unknown][] = [
        ['string → CMD-SHELL', '{test: "curl -f x"}', { Test: ['CMD-SHELL', 'curl -f x'] }],
        ['list verbatim', '{test: [CMD, a], interval: 5s, timeout: 2s, start_period: 1s, start_interval: 1s, retries: 3}', { Test: ['CMD', 'a'], Interval: 5e9, Timeout: 2e9, StartPeriod: 1e9, StartInterval: 1e9, Retries: 3 }],
        ['disable', '{disable: true}', { Test: ['NONE'] }],
        ['empty', '{}', {}],
    ];
    for (const [name, h, exp] of hc) it(`healthcheck ${name}`, () => assert.deepStrictEqual(cs(`image: x\nhealthcheck: ${h}`).Healthcheck, exp));
    it('healthcheck test + disable error', () => fails('image: x\nhealthcheck: {disable: true, test: x}', "service web: test and disable can't be set at the same time", 'services.web.healthcheck'));
    it('logging options stringified; absent → no LogDriver', () => {
        assert.deepStrictEqual(wire(svc('image: x\nlogging: {driver: json-file, options: {max-file: 3, max-size: 1m}}').TaskTemplate.LogDriver), { Name: 'json-file', Options: { 'max-file': '3', 'max-size': '1m' } });
        assert.deepStrictEqual(svc('image: x\nlogging: {}').TaskTemplate.LogDriver, {});
        assert.strictEqual(svc('image: x').TaskTemplate.LogDriver, undefined);
    });
});

describe('convert rules: volumes → mounts (docker/cli `cli/compose/convert/volume.go`)', () => {
    const top = 'volumes:\n  data: {labels: {a: b}, driver: local, driver_opts: {type: tmpfs}}\n  plain: null\n  ext: {external: true}\n  extn: {external: {name: other}}\n  named: {name: exact}\n';
    const m = (v: string): unknown => wire(cs(`image: x\nvolumes: [${v}]`, top).Mounts);
    const NS = { 'com.docker.stack.namespace': 's' };
    const cases: [string, string, unknown][] = [
        ['anonymous', '/data', [{ Type: 'volume', Target: '/data' }]],
        ['short anonymous (≤2 chars)', '/d', [{ Type: 'volume', Target: '/d' }]],
        ['named + driver + labels', '"data:/d:ro"', [{ Type: 'volume', Source: 's_data', Target: '/d', ReadOnly: true, VolumeOptions: { Labels: { a: 'b', ...NS }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } } } }]],
        ['named null config', '"plain:/d:nocopy"', [{ Type: 'volume', Source: 's_plain', Target: '/d', VolumeOptions: { NoCopy: true, Labels: NS } }]],
        ['external', '"ext:/d"', [{ Type: 'volume', Source: 'ext', Target: '/d', VolumeOptions: {} }]],
        ['external.name', '"extn:/d"', [{ Type: 'volume', Source: 'other', Target: '/d', VolumeOptions: {} }]],
        ['name:', '"named:/d"', [{ Type: 'volume', Source: 'exact', Target: '/d', VolumeOptions: { Labels: NS } }]],
        ['bind absolute + propagation, unknown option ignored', '"/host:/c:rw,z,rshared"', [{ Type: 'bind', Source: '/host', Target: '/c', BindOptions: { Propagation: 'rshared' } }]],
        ['bind relative', '"./a:/c"', [{ Type: 'bind', Source: '/work/dir/a', Target: '/c' }]],
        ['long bind', '{type: bind, source: ../b, target: /c, read_only: true, bind: {propagation: rprivate}}', [{ Type: 'bind', Source: '/work/b', Target: '/c', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } }]],
        ['tmpfs', '{type: tmpfs, target: /t, tmpfs: {size: 1024}}', [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } }]],
        ['volume subpath', '{type: volume, source: plain, target: /t, volume: {subpath: sub}}', [{ Type: 'volume', Source: 's_plain', Target: '/t', VolumeOptions: { Subpath: 'sub', Labels: NS } }]],
        ['npipe', '{type: npipe, source: \'\\\\.\\pipe\\x\', target: \'\\\\.\\pipe\\x\'}', [{ Type: 'npipe', Source: '\\\\.\\pipe\\x', Target: '\\\\.\\pipe\\x' }]],
        ['cluster named', '{type: cluster, source: plain, target: /c}', [{ Type: 'cluster', Source: 's_plain', Target: '/c', ClusterOptions: {} }]],
        ['windows drive letter is not a separator', '"c:\\\\data:/d"', [{ Type: 'bind', Source: 'c:\\data', Target: '/d' }]],
        ['order kept', '"/b", "/a"', [{ Type: 'volume', Target: '/b' }, { Type: 'volume', Target: '/a' }]],
    ];
    for (const [name, v, exp] of cases) it(name, () => assert.deepStrictEqual(m(v), exp));
    const errs: [string, string][] = [
        ['"undeclared:/d"', 'undefined volume "undeclared"'],
        ['"/x:/y:ro:z"', 'invalid spec: /x:/y:ro:z: too many colons'],
        ['"/x::/y"', 'invalid spec: /x::/y: empty section between colons'],
        ['{type: tmpfs, source: x, target: /t}', 'invalid tmpfs source, source must be empty'],
        ['{type: bind, source: /x, target: /t, volume: {nocopy: true}}', 'volume options are incompatible with type bind'],
        ['{type: volume, source: plain, target: /t, bind: {propagation: shared}}', 'bind options are incompatible with type volume'],
        ['{type: bind, target: /t}', 'invalid mount config for type "bind": field Source must not be empty'],
        ['{type: npipe, target: /t}', 'invalid npipe source, source cannot be empty'],
        ['{type: cluster, target: /t}', 'invalid cluster source, source cannot be empty'],
        ['{type: weird, target: /t}', 'volume type must be volume, bind, tmpfs, npipe, or cluster'],
    ];
    for (const [v, msg] of errs) it(`error: ${msg}`, () => fails(`image: x\nvolumes: [${v}]`, `service web: ${msg}`, 'services.web.volumes.0', top));
});

describe('convert rules: secrets, configs, credential_spec (docker/cli `cli/compose/convert/compose.go`, `cli/compose/convert/service.go`)', () => {
    const top = `
secrets:
  s1: {file: ./s1.txt, labels: [l=1]}
  s2: {name: exact-s2, file: /abs/s2}
  ext: {external: true}
  drv: {driver: vault, driver_opts: {path: 1}, template_driver: golang}
configs:
  c1: {file: c1.txt, template_driver: golang}
  c2: {external: {name: legacy-c2}}
`;
    const opts = { stackName: 's', workingDir: '/w', readFile: files({ '/w/s1.txt': 'one', '/abs/s2': 'two', '/w/c1.txt': 'cfg' }) };
    const conv = (service: string) => convertStack(parseCompose(`services:\n  web:\n${service.replace(/^/gm, '    ')}\n${top}`), opts);

    it('object specs: names, labels, base64 data, driver, templating, a secret\'s file; externals skipped', () => {
        const out = conv('image: x');
        assert.deepStrictEqual(wire(out.secrets), [
            { key: 's1', name: 's_s1', spec: { Name: 's_s1', Labels: { 'com.docker.stack.namespace': 's', l: '1' }, Data: 'b25l' }, file: '/w/s1.txt' },
            { key: 's2', name: 'exact-s2', spec: { Name: 'exact-s2', Labels: { 'com.docker.stack.namespace': 's' }, Data: 'dHdv' }, file: '/abs/s2' },
            { key: 'drv', name: 's_drv', spec: { Name: 's_drv', Labels: { 'com.docker.stack.namespace': 's' }, Driver: { Name: 'vault', Options: { path: '1' } }, Templating: { Name: 'golang' } } },
        ]);
        assert.deepStrictEqual(wire(out.configs), [{ key: 'c1', name: 's_c1', spec: { Name: 's_c1', Labels: { 'com.docker.stack.namespace': 's' }, Data: 'Y2Zn', Templating: { Name: 'golang' } } }]);
    });
    it('references: target default = source key, uid/gid "0", mode 0444, sorted by name; IDs resolved', () => {
        const out = conv('image: x\nsecrets: [s2, {source: s1, target: t, uid: "1", gid: "2", mode: 0400}, ext]\nconfigs: [c2, {source: c1, mode: 0755}]');
        const spec = out.services[0].spec;
        assert.deepStrictEqual(wire(spec.TaskTemplate.ContainerSpec!.Secrets), [
            { File: { Name: 's2', UID: '0', GID: '0', Mode: 292 }, SecretID: '', SecretName: 'exact-s2' },
            { File: { Name: 'ext', UID: '0', GID: '0', Mode: 292 }, SecretID: '', SecretName: 'ext' },
            { File: { Name: 't', UID: '1', GID: '2', Mode: 256 }, SecretID: '', SecretName: 's_s1' },
        ]);
        assert.deepStrictEqual(out.services[0].secretNames, ['exact-s2', 'ext', 's_s1']);
        assert.deepStrictEqual(out.services[0].configNames, ['legacy-c2', 's_c1']);
        const ids = { secrets: new Map([['exact-s2', 'A'], ['ext', 'B'], ['s_s1', 'C']]), configs: new Map([['legacy-c2', 'D'], ['s_c1', 'E']]) };
        const r = resolveObjectIds(spec, ids);
        assert.deepStrictEqual(r.TaskTemplate.ContainerSpec!.Secrets!.map((x) => x.SecretID), ['A', 'B', 'C']);
        assert.deepStrictEqual(wire(r.TaskTemplate.ContainerSpec!.Configs), [
            { File: { Name: 'c2', UID: '0', GID: '0', Mode: 292 }, ConfigID: 'D', ConfigName: 'legacy-c2' },
            { File: { Name: 'c1', UID: '0', GID: '0', Mode: 493 }, ConfigID: 'E', ConfigName: 's_c1' },
        ]);
        assert.strictEqual(spec.TaskTemplate.ContainerSpec!.Secrets![0].SecretID, '', 'input spec not mutated');
        assert.throws(() => resolveObjectIds(spec, { secrets: new Map(), configs: new Map() }, 'web'), /^ConversionError: service web: secret not found: exact-s2$/);
        assert.throws(() => resolveObjectIds(spec, { secrets: ids.secrets, configs: new Map() }), /^ConversionError: config not found: legacy-c2$/);
    });
    it('credential_spec config: runtime ref + Config set to the ID', () => {
        const out = conv('image: x\nconfigs: [c1]\ncredential_spec: {config: c1}');
        const spec = out.services[0].spec;
        assert.deepStrictEqual(wire(spec.TaskTemplate.ContainerSpec!.Configs), [
            { File: { Name: 'c1', UID: '0', GID: '0', Mode: 292 }, ConfigID: '', ConfigName: 's_c1' },
            { Runtime: {}, ConfigID: '', ConfigName: 's_c1' },
        ]);
        const r = resolveObjectIds(spec, { secrets: new Map(), configs: new Map([['s_c1', 'ID1']]) });
        assert.deepStrictEqual(r.TaskTemplate.ContainerSpec!.Privileges!.CredentialSpec, { Config: 'ID1', File: '', Registry: '' });
    });
    it('credential_spec file/registry copied', () => {
        assert.deepStrictEqual(conv('image: x\ncredential_spec: {file: a.json}').services[0].spec.TaskTemplate.ContainerSpec!.Privileges!.CredentialSpec, { Config: '', File: 'a.json', Registry: '' });
    });
    const errs: [string, string][] = [
        ['secrets: [nope]', 'service web: undefined secret "nope"'],
        ['configs: [nope]', 'service web: undefined config "nope"'],
        ['secrets: [s1, {source: s2, target: s1}]', 'service web: duplicate secret target for exact-s2 not allowed'],
        ['credential_spec: {config: c1, file: x}', 'service web: invalid credential spec: cannot specify both "Config" and "File"'],
        ['credential_spec: {config: c1, file: x, registry: y}', 'service web: invalid credential spec: cannot specify both "Config", "File", and "Registry"'],
    ];
    for (const [y, msg] of errs) it(`error: ${msg}`, () => assert.throws(() => conv(`image: x\n${y}`), (e: unknown) => e instanceof ConversionError && e.message === msg));
    it('driver + file conflict; missing file; no file nor driver', () => {
        const run = (t: string) => () => convertStack(parseCompose(`services: {a: {image: x}}\n${t}`), opts);
        assert.throws(run('secrets: {k: {driver: d, file: f}}'), (e: unknown) => e instanceof ConversionError && e.message === 'secret k: secret.driver and secret.file conflict; only use secret.driver');
        assert.throws(run('configs: {k: {file: missing}}'), (e: unknown) => e instanceof ConversionError && e.message === 'open /w/missing: no such file or directory' && e.path.join('.') === 'configs.k.file');
        assert.throws(run('secrets: {k: {name: n}}'), (e: unknown) => e instanceof ConversionError && e.message === 'read /w: is a directory');
    });
});
