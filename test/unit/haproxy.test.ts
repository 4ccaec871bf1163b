import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { haproxyCheck } from './support/haproxy-check';
import {
    ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE,
    checkServerTemplateSlots,
    ComposeLike,
    generateHaproxyConfig,
    isArchivedDockercloudHaproxy,
    keyValueMap,
} from '../../src/core/haproxy/generate';

/** The inputs of the Docker CLI capture: the blog's compose file, and the verified working pair. */
const CAPTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'cli-api-capture', 'compose');

function loadYaml(file: string): ComposeLike {
    return parseYaml(fs.readFileSync(file, 'utf8')) as ComposeLike;
}


/** The blog's compose file, as the Docker CLI capture used it (test/fixtures/cli-api-capture/README.md). */
function blogLiteral(): ComposeLike {
    return loadYaml(path.join(CAPTURE, 'blog-literal.docker-compose.yaml'));
}

describe('haproxy: isArchivedDockercloudHaproxy', () => {
    it('recognises dockercloud/haproxy with any tag, digest or Docker Hub prefix', () => {
        for (const yes of ['dockercloud/haproxy', 'dockercloud/haproxy:latest', 'dockercloud/haproxy:1.6.7', 'docker.io/dockercloud/haproxy', `dockercloud/haproxy@sha256:${'a'.repeat(64)}`, ' dockercloud/haproxy ']) {
            assert.equal(isArchivedDockercloudHaproxy(yes), true, yes);
        }
        for (const no of ['haproxy', 'haproxy:2.6', 'dockercloud/haproxy-x', 'myregistry:5000/dockercloud/haproxy', 'dockercloud/hello-world', 'other/dockercloud/haproxy']) {
            assert.equal(isArchivedDockercloudHaproxy(no), false, no);
        }
        assert.match(ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE, /archived/);
        assert.match(ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE, /server-template/);
    });
});

describe('haproxy: generateHaproxyConfig', () => {
    it('turns the blog\'s literal compose file into a leastconn backend over tasks.test', () => {
        const g = generateHaproxyConfig(blogLiteral());
        assert.equal(g.proxyService, 'proxy');
        assert.deepEqual(g.backends, [
            { service: 'test', port: 8080, slots: 60, dnsName: 'tasks.test', balance: 'leastconn', virtualHosts: [] },
        ]);
        assert.match(g.text, /^backend test$/m);
        assert.match(g.text, /^\s+balance leastconn$/m);
        assert.match(g.text, /^\s+server-template test 60 tasks\.test:8080 check inter 2000 rise 2 fall 3 resolvers docker init-addr none/m);
        assert.match(g.text, /^\s+nameserver dns1 127\.0\.0\.11:53$/m);
        assert.match(g.text, /^\s+default_backend test$/m);
        assert.match(g.text, /^\s+bind \*:1936$/m);
        assert.match(g.text, /^\s+stats auth stats:stats$/m);
        assert.ok(g.warnings.some((w) => /stats:stats/.test(w.message)));
        assert.ok(g.advice.some((a) => /Docker socket/.test(a)));
        assert.ok(g.advice.some((a) => /node\.role == manager/.test(a)));
        assert.ok(g.advice.some((a) => /mode: host/.test(a)));
        assert.deepEqual(checkServerTemplateSlots(g.text, blogLiteral()), []);
    });

    it('resolves tasks.<stack>_<service> with a stack name and honours a slot choice', () => {
        const g = generateHaproxyConfig(blogLiteral(), { stackName: 'prod', slots: 25 });
        assert.equal(g.backends[0]?.dnsName, 'tasks.prod_test');
        assert.match(g.text, /server-template test 25 tasks\.prod_test:8080 /);
        const few = generateHaproxyConfig(blogLiteral(), { slots: 5 });
        assert.ok(few.warnings.some((w) => w.service === 'test' && /5 server slots are fewer than the 20 replicas/.test(w.message)));
        assert.throws(() => generateHaproxyConfig(blogLiteral(), { slots: 0 }), /slots/);
    });

    it('reads environment maps, per-service BALANCE, STATS_*, TIMEOUT, MAXCONN, HEALTH_CHECK, OPTION and the deactivate label', () => {
        const compose: ComposeLike = {
            services: {
                lb: {
                    image: 'dockercloud/haproxy:1.6.7',
                    environment: {
                        BALANCE: 'roundrobin',
                        STATS_AUTH: 'admin:secret',
                        STATS_PORT: 9000,
                        TIMEOUT: 'connect 3000, client 20s, server 40000',
                        MAXCONN: '2000',
                        HEALTH_CHECK: 'check inter 1000 rise 1 fall 2',
                        OPTION: 'redispatch, forwardfor',
                        EXTRA_GLOBAL_SETTINGS: 'tune.bufsize 32768',
                    },
                    networks: { front: null },
                },
                api: { image: 'api', environment: { SERVICE_PORTS: '3000', BALANCE: 'source', VIRTUAL_HOST: 'api.example.com' }, deploy: { replicas: 4 }, networks: ['front'] },
                site: { image: 'site', environment: ['SERVICE_PORTS=80', 'VIRTUAL_HOST=*.example.org'], networks: ['front'] },
                web: { image: 'web', environment: ['SERVICE_PORTS=8080, 8443'], deploy: { replicas: 2 }, networks: ['front'] },
                admin: { image: 'admin', environment: ['SERVICE_PORTS=80'], deploy: { labels: ['com.docker.dockercloud.haproxy.deactivate=true'] }, networks: ['front'] },
                worker: { image: 'worker', networks: ['back'] },
                db: { image: 'db', environment: { SERVICE_PORTS: '5432' }, networks: ['back'] },
            },
            networks: { front: {}, back: {} },
        };
        const g = generateHaproxyConfig(compose);
        assert.deepEqual(
            g.backends.map((b) => [b.service, b.port, b.balance, b.slots]),
            [['api', 3000, 'source', 12], ['site', 80, 'roundrobin', 10], ['web', 8080, 'roundrobin', 10], ['db', 5432, 'roundrobin', 10]],
        );
        assert.match(g.text, /^\s+maxconn 2000$/m);
        assert.match(g.text, /^\s+tune\.bufsize 32768$/m);
        assert.match(g.text, /^\s+timeout connect 3000$/m);
        assert.match(g.text, /^\s+timeout client 20s$/m);
        assert.match(g.text, /^\s+option forwardfor$/m);
        assert.match(g.text, /^\s+bind \*:9000$/m);
        assert.match(g.text, /^\s+stats auth admin:secret$/m);
        assert.match(g.text, /server-template api 12 tasks\.api:3000 check inter 1000 rise 1 fall 2 resolvers docker/);
        assert.match(g.text, /acl host_api_0 req\.hdr\(host\),field\(1,:\) -i api\.example\.com/);
        assert.match(g.text, /acl host_site_0 req\.hdr\(host\),field\(1,:\) -m end -i \.example\.org/);
        assert.match(g.text, /^\s+default_backend web$/m);
        assert.doesNotMatch(g.text, /backend admin/);
        assert.ok(g.warnings.some((w) => w.service === 'admin' && /deactivate/.test(w.message)));
        assert.ok(g.warnings.some((w) => w.service === 'web' && /only port 8080/.test(w.message)));
        assert.ok(g.warnings.some((w) => w.service === 'db' && /no network with the proxy/.test(w.message)));
        assert.ok(!g.warnings.some((w) => /stats:stats/.test(w.message)));
    });

    it('warns about unknown BALANCE values, a missing proxy and no SERVICE_PORTS', () => {
        const g = generateHaproxyConfig({
            services: { app: { image: 'x', environment: ['SERVICE_PORTS=80', 'BALANCE=fastest'] } },
        });
        assert.ok(g.warnings.some((w) => /BALANCE "fastest"/.test(w.message)));
        assert.ok(g.warnings.some((w) => /No service uses the dockercloud\/haproxy image/.test(w.message)));
        assert.equal(g.backends[0]?.balance, 'roundrobin');
        const none = generateHaproxyConfig({ services: { proxy: { image: 'dockercloud/haproxy' }, app: { image: 'x' } } });
        assert.deepEqual(none.backends, []);
        assert.ok(none.warnings.some((w) => /No service sets SERVICE_PORTS/.test(w.message)));
        assert.match(none.text, /http-request return status 503/);
    });

    it('warns that tasks.<service> is shared on an external network without a stack name', () => {
        const compose: ComposeLike = {
            services: {
                proxy: { image: 'dockercloud/haproxy', networks: ['shared'] },
                app: { image: 'x', environment: ['SERVICE_PORTS=80'], networks: ['shared'] },
            },
            networks: { shared: { external: true } },
        };
        assert.ok(generateHaproxyConfig(compose).warnings.some((w) => /external network/.test(w.message)));
        assert.ok(!generateHaproxyConfig(compose, { stackName: 'prod' }).warnings.some((w) => /external network/.test(w.message)));
    });

    it('produces configurations that `haproxy -c` accepts (tasks.* need not resolve thanks to init-addr none)', function () {
        this.timeout(20000);
        const multi: ComposeLike = {
            services: {
                lb: { image: 'dockercloud/haproxy', environment: { BALANCE: 'leastconn', STATS_AUTH: 'a:b', TIMEOUT: 'connect 1s, client 10s, server 10s', OPTION: 'redispatch, forwardfor' } },
                api: { image: 'api', environment: { SERVICE_PORTS: '3000', VIRTUAL_HOST: 'api.example.com, *.api.example.com' }, deploy: { replicas: 3 } },
                web: { image: 'web', environment: { SERVICE_PORTS: '80', BALANCE: 'source', HEALTH_CHECK: 'check inter 500' } },
            },
        };
        for (const [compose, opts] of [[blogLiteral(), {}], [blogLiteral(), { stackName: 'prod' }], [multi, {}]] as const) {
            const out = haproxyCheck(generateHaproxyConfig(compose, opts).text);
            assert.match(out, /Configuration file is valid/);
            assert.doesNotMatch(out, /WARNING/);
        }
        const none = generateHaproxyConfig({ services: { proxy: { image: 'dockercloud/haproxy' } } });
        assert.match(haproxyCheck(none.text), /Configuration file is valid/);
    });

    it('keyValueMap reads lists and maps', () => {
        assert.deepEqual([...keyValueMap(['A=1', 'B=x=y', 'C'])], [['A', '1'], ['B', 'x=y'], ['C', undefined]]);
        assert.deepEqual([...keyValueMap({ A: 1, B: null, C: true })], [['A', '1'], ['B', undefined], ['C', 'true']]);
        assert.equal(keyValueMap(undefined).size, 0);
    });
});

describe('haproxy: checkServerTemplateSlots', () => {
    const cfg = [
        'backend app',                                                            // 0
        '    balance leastconn',                                                  // 1
        '    server-template app 60 tasks.test:8080 check resolvers docker init-addr none', // 2
        '',                                                                       // 3
        'backend other',                                                          // 4
        '    server-template o 1-5 tasks.prod_other:80 check resolvers docker',  // 5
        '#   server-template c 1 tasks.test:8080',                                // 6
        '    server-template g 2 tasks.glob:80 check',                            // 7
        '    server-template x 2 tasks.unknown:80 check',                         // 8
    ].join('\n');

    it('finds nothing when slots cover the replicas (the verified capture: 60 slots, 20 replicas)', () => {
        const text = fs.readFileSync(path.join(CAPTURE, 'haproxy.cfg'), 'utf8');
        assert.deepEqual(checkServerTemplateSlots(text, loadYaml(path.join(CAPTURE, 'docker-compose.yaml'))), []);
        const compose: ComposeLike = { services: { test: { deploy: { replicas: 20 } }, other: { deploy: { replicas: 5 } }, glob: { deploy: { mode: 'global' } } } };
        assert.deepEqual(checkServerTemplateSlots(cfg, compose), []);
    });

    it('reports the line, range and service when replicas exceed the slots', () => {
        const compose: ComposeLike = { services: { test: { deploy: { replicas: 80 } }, other: { deploy: { replicas: 6 } }, glob: { deploy: { mode: 'global', replicas: 99 } } } };
        const problems = checkServerTemplateSlots(cfg, compose);
        assert.deepEqual(
            problems.map((p) => [p.line, p.service, p.slots, p.replicas, p.character, p.length]),
            [[2, 'test', 60, 80, 24, 2], [5, 'other', 5, 6, 22, 3]],
        );
        assert.equal(cfg.split('\n')[2]?.slice(24, 26), '60');
        assert.equal(cfg.split('\n')[5]?.slice(22, 25), '1-5');
        assert.match(problems[0].message, /60 slots for tasks\.test, but service "test" asks for 80 replicas/);
    });

    it('matches tasks.<stack>_<svc> strictly when the stack name is known', () => {
        const compose: ComposeLike = { services: { other: { deploy: { replicas: 9 } } } };
        assert.equal(checkServerTemplateSlots(cfg, compose, { stackName: 'prod' }).length, 1);
        assert.equal(checkServerTemplateSlots(cfg, compose, { stackName: 'staging' }).length, 0);
    });

    it('checks the captured working pair when the replicas grow past its slots', () => {
        const file = path.join(CAPTURE, 'docker-compose.yaml');
        const compose = loadYaml(file) as { services: Record<string, { deploy: { replicas?: number } }> };
        compose.services['test'].deploy.replicas = 61;
        const text = fs.readFileSync(path.join(CAPTURE, 'haproxy.cfg'), 'utf8');
        const problems = checkServerTemplateSlots(text, compose);
        assert.equal(problems.length, 1);
        assert.equal(problems[0]?.service, 'test');
        assert.match(text.split('\n')[problems[0].line], /server-template app 60 tasks\.test:8080/);
    });
});
