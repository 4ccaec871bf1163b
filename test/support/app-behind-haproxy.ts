/**
 * The files of a test stack shaped like the haproxy-dns template (media/templates/haproxy-dns): an app with DNS round
 * robin behind HAProxy, both on the overlay network `web`, HAProxy's configuration from a config. Shared by the engine
 * and VS Code tests. The app ignores SIGTERM, so each of its tasks takes the whole stop grace period (10 s) to stop,
 * as an app finishing its requests does: a removal that waits for the tasks waits that long.
 */
export function appBehindHaproxy(options: { stack: string; nodeImage: string; haproxyImage: string; replicas: number; publishedPort?: number }): Record<'docker-compose.yaml' | 'haproxy.cfg', string> {
    const listen = options.publishedPort ?? 8080;
    const compose = [
        'version: "3.8"',
        'services:',
        '  app:',
        `    image: ${options.nodeImage}`,
        '    init: true',
        '    command: ["node", "-e", "process.on(\'SIGTERM\', () => {}); require(\'http\').createServer((q, r) => r.end(require(\'os\').hostname())).listen(8080)"]',
        '    stop_grace_period: 10s',
        '    networks: [web]',
        '    deploy:',
        '      endpoint_mode: dnsrr',
        `      replicas: ${options.replicas}`,
        '  proxy:',
        `    image: ${options.haproxyImage}`,
        '    configs:',
        '      - source: haproxy_cfg',
        '        target: /usr/local/etc/haproxy/haproxy.cfg',
        ...(options.publishedPort ? ['    ports:', `      - { target: ${listen}, published: ${listen}, protocol: tcp, mode: host }`] : []),
        '    networks: [web]',
        '    deploy:',
        '      mode: global',
        'networks:',
        '  web:',
        '    driver: overlay',
        'configs:',
        '  haproxy_cfg:',
        '    file: ./haproxy.cfg',
        '',
    ];
    const haproxy = [
        'defaults',
        '    mode http',
        '    timeout connect 5s',
        '    timeout client 30s',
        '    timeout server 30s',
        'resolvers docker',
        '    nameserver dns1 127.0.0.11:53',
        'frontend web',
        `    bind *:${listen}`,
        '    default_backend app',
        'backend app',
        `    server-template app 5 tasks.${options.stack}_app:8080 check resolvers docker init-addr none`,
        '',
    ];
    return { 'docker-compose.yaml': compose.join('\n'), 'haproxy.cfg': haproxy.join('\n') };
}
