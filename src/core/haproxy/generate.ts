/**
 * From a compose file written for dockercloud/haproxy (env conventions SERVICE_PORTS, BALANCE, STATS_AUTH, ...)
 * to the equivalent haproxy.cfg for the official HAProxy image with DNS service discovery
 * (resolvers → Docker's DNS 127.0.0.11, server-template over tasks.<service>). Plus a check that the server-template
 * slots of an haproxy.cfg cover the replicas a compose file asks for. Pure: plain objects in, text out.
 */

/** The parts of a compose service this module reads; anything else is ignored. */
interface ComposeServiceLike {
    image?: string;
    environment?: Record<string, string | number | boolean | null | undefined> | string[] | null;
    labels?: Record<string, string | number | boolean | null | undefined> | string[] | null;
    networks?: string[] | Record<string, unknown> | null;
    volumes?: unknown[] | null;
    deploy?: {
        mode?: string;
        replicas?: number | null;
        endpoint_mode?: string;
        labels?: Record<string, string | number | boolean | null | undefined> | string[] | null;
        placement?: { constraints?: string[] | null } | null;
    } | null;
}

export interface ComposeLike {
    services?: Record<string, ComposeServiceLike | null | undefined> | null;
    networks?: Record<string, { external?: unknown; name?: string } | null | undefined> | null;
}

interface GenerateOptions {
    /** With a stack name, backends resolve `tasks.<stack>_<service>`; without, `tasks.<service>` (the stack alias). */
    stackName?: string;
    /** server-template slots for every backend; default max(replicas * 3, 10). */
    slots?: number;
}

interface GeneratedBackend {
    service: string;
    port: number;
    slots: number;
    /** The DNS name the backend resolves, e.g. `tasks.prod_web`. */
    dnsName: string;
    balance: string;
    virtualHosts: string[];
}

interface GenerateWarning {
    message: string;
    service?: string;
}

interface GenerateResult {
    text: string;
    backends: GeneratedBackend[];
    warnings: GenerateWarning[];
    /** The proxy service found (the one with the dockercloud/haproxy image), if any. */
    proxyService?: string;
    /** The changes the compose file needs to run the generated config (image, configs, ports, socket). */
    advice: string[];
}

const DOCKERCLOUD_DEACTIVATE_LABEL = 'com.docker.dockercloud.haproxy.deactivate';

export const ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE =
    'dockercloud/haproxy was deprecated in March 2018 and archived in December 2018: it gets no fixes, its swarm mode ' +
    'was experimental, and it cannot be pulled where no registry is reachable. Use the official HAProxy image ' +
    '(haproxy:2.6 or newer) with DNS service discovery instead: a "resolvers" section pointing at Docker\'s DNS ' +
    '127.0.0.11:53 and "server-template <prefix> <N> tasks.<service>:<port> check resolvers docker init-addr none" in the ' +
    'backend, the file delivered as a swarm config. It needs no Docker socket and no manager placement, and scaling ' +
    'needs no reload. Swarm Stacks can generate that haproxy.cfg from this compose file.';

/** True for `dockercloud/haproxy`, with an optional Docker Hub registry prefix, tag or digest. */
export function isArchivedDockercloudHaproxy(image: string): boolean {
    return /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?dockercloud\/haproxy(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@sha256:[a-fA-F0-9]{64})?$/i.test(
        image.trim(),
    );
}

function defaultSlotsFor(replicas: number): number {
    return Math.max(replicas * 3, 10);
}

type KeyValues = Record<string, string | number | boolean | null | undefined> | string[] | null | undefined;

/** environment / labels as a map; list entries `KEY=VALUE` (a bare `KEY` has no value). */
export function keyValueMap(kv: KeyValues): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    if (kv === null || kv === undefined) return out;
    if (Array.isArray(kv)) {
        for (const entry of kv) {
            if (typeof entry !== 'string') continue;
            const eq = entry.indexOf('=');
            if (eq < 0) out.set(entry, undefined);
            else out.set(entry.slice(0, eq), entry.slice(eq + 1));
        }
    } else {
        for (const [k, v] of Object.entries(kv)) out.set(k, v === null || v === undefined ? undefined : String(v));
    }
    return out;
}

function serviceNetworks(svc: ComposeServiceLike): string[] {
    const n = svc.networks;
    if (n === null || n === undefined) return ['default'];
    const names = Array.isArray(n) ? n.filter((x): x is string => typeof x === 'string') : Object.keys(n);
    return names.length > 0 ? names : ['default'];
}

function isDeactivated(svc: ComposeServiceLike): boolean {
    for (const kv of [svc.labels, svc.deploy?.labels]) {
        const v = keyValueMap(kv).get(DOCKERCLOUD_DEACTIVATE_LABEL);
        if (v !== undefined && v.trim().toLowerCase() === 'true') return true;
    }
    return false;
}

/** Comma-separated list with `\,` as an escaped comma (dockercloud/haproxy's convention). */
function splitSettings(value: string): string[] {
    return value
        .split(/(?<!\\),/)
        .map((s) => s.replace(/\\,/g, ',').trim())
        .filter((s) => s.length > 0);
}

const BALANCE_RE = /^(?:roundrobin|static-rr|leastconn|first|source|uri|random|hdr\([A-Za-z0-9_-]+\)|url_param [A-Za-z0-9_-]+|rdp-cookie(?:\([A-Za-z0-9_-]+\))?)$/;
const TIMEOUT_NAMES = new Set([
    'connect', 'client', 'server', 'queue', 'check', 'http-request', 'http-keep-alive', 'tunnel', 'client-fin', 'server-fin', 'tarpit',
]);
const ONE_LINE_RE = /^[^\r\n]+$/;

/** A name usable as an HAProxy section or server name. */
function haproxyName(name: string): string {
    return name.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

interface VirtualHostRule {
    acl: string;
    host: string;
}

function virtualHostRules(value: string, service: string, warnings: GenerateWarning[]): VirtualHostRule[] {
    const rules: VirtualHostRule[] = [];
    for (const raw of value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
        const host = raw.replace(/^[a-z]+:\/\//i, '').split('/')[0]?.split(':')[0]?.toLowerCase() ?? '';
        if (/^\*\.[a-z0-9.-]+$/.test(host)) {
            rules.push({ host, acl: `req.hdr(host),field(1,:) -m end -i ${host.slice(1)}` });
        } else if (/^[a-z0-9.-]+$/.test(host)) {
            rules.push({ host, acl: `req.hdr(host),field(1,:) -i ${host}` });
        } else {
            warnings.push({ service, message: `VIRTUAL_HOST "${raw}" of service "${service}" is not translated (only "host" and "*.domain" are).` });
        }
    }
    return rules;
}

/**
 * The modern haproxy.cfg for a compose file that follows the dockercloud/haproxy conventions: one backend per app
 * service with SERVICE_PORTS (unless labelled com.docker.dockercloud.haproxy.deactivate=true), discovered through
 * Docker's DNS (`tasks.<name>`), balance from BALANCE, stats page from STATS_PORT / STATS_AUTH.
 */
export function generateHaproxyConfig(compose: ComposeLike, options: GenerateOptions = {}): GenerateResult {
    const warnings: GenerateWarning[] = [];
    const advice: string[] = [];
    const services = Object.entries(compose.services ?? {}).filter(
        (e): e is [string, ComposeServiceLike] => e[1] !== null && e[1] !== undefined && typeof e[1] === 'object',
    );
    if (options.slots !== undefined && (!Number.isInteger(options.slots) || options.slots < 1)) {
        throw new Error(`slots must be a whole number >= 1 (got ${String(options.slots)})`);
    }
    if (options.stackName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(options.stackName)) {
        throw new Error(`"${options.stackName}" is not a valid stack name`);
    }

    const proxies = services.filter(([, s]) => typeof s.image === 'string' && isArchivedDockercloudHaproxy(s.image));
    const proxy = proxies[0];
    if (proxies.length > 1) {
        warnings.push({ message: `Several services use dockercloud/haproxy (${proxies.map(([k]) => k).join(', ')}); the settings of "${proxies[0]?.[0]}" are used.` });
    }
    if (proxy === undefined) {
        warnings.push({ message: 'No service uses the dockercloud/haproxy image: the proxy settings are its defaults.' });
    }
    const penv = proxy ? keyValueMap(proxy[1].environment) : new Map<string, string | undefined>();
    const penvGet = (k: string): string | undefined => {
        const v = penv.get(k);
        return v === undefined || v.trim() === '' ? undefined : v.trim();
    };

    // --- proxy-wide settings
    const checkBalance = (value: string | undefined, where: string, service?: string): string | undefined => {
        if (value === undefined) return undefined;
        if (BALANCE_RE.test(value)) return value;
        warnings.push({ ...(service ? { service } : {}), message: `BALANCE "${value}" ${where} is not a known algorithm; using roundrobin.` });
        return 'roundrobin';
    };
    const proxyBalance = checkBalance(penvGet('BALANCE'), 'on the proxy', proxy?.[0]) ?? 'roundrobin';

    let maxconn = 4096;
    const maxconnRaw = penvGet('MAXCONN');
    if (maxconnRaw !== undefined) {
        if (/^[0-9]+$/.test(maxconnRaw) && Number(maxconnRaw) > 0) maxconn = Number(maxconnRaw);
        else warnings.push({ message: `MAXCONN "${maxconnRaw}" is not a positive number; using 4096.` });
    }

    const timeouts = new Map<string, string>([['connect', '5000'], ['client', '50000'], ['server', '50000']]);
    const timeoutRaw = penvGet('TIMEOUT');
    if (timeoutRaw !== undefined) {
        for (const item of splitSettings(timeoutRaw)) {
            const m = /^([a-z-]+)\s+([0-9]+(?:us|ms|s|m|h|d)?)$/.exec(item);
            if (m && m[1] !== undefined && m[2] !== undefined && TIMEOUT_NAMES.has(m[1])) timeouts.set(m[1], m[2]);
            else warnings.push({ message: `TIMEOUT item "${item}" is not understood (expected e.g. "connect 5000").` });
        }
    }
    if (!timeouts.has('check')) timeouts.set('check', '2000');

    let mode: 'http' | 'tcp' = 'http';
    const modeRaw = penvGet('MODE');
    if (modeRaw !== undefined) {
        if (modeRaw === 'tcp' || modeRaw === 'http') mode = modeRaw;
        else warnings.push({ message: `MODE "${modeRaw}" is not http or tcp; using http.` });
    }

    const options_ = ['redispatch'];
    const optionRaw = penvGet('OPTION');
    if (optionRaw !== undefined) {
        options_.length = 0;
        for (const o of splitSettings(optionRaw)) {
            if (/^[a-z][a-z0-9-]*(?: [^\r\n]+)?$/.test(o)) options_.push(o);
            else warnings.push({ message: `OPTION "${o}" is not understood.` });
        }
    }
    const settingLines = (name: string, value: string | undefined, service?: string): string[] => {
        if (value === undefined) return [];
        const lines = splitSettings(value).filter((l) => ONE_LINE_RE.test(l));
        if (lines.length > 0) {
            warnings.push({ ...(service ? { service } : {}), message: `${name} is copied as is; check it with haproxy -c.` });
        }
        return lines;
    };
    const extraGlobal = settingLines('EXTRA_GLOBAL_SETTINGS', penvGet('EXTRA_GLOBAL_SETTINGS'));
    const extraDefaults = settingLines('EXTRA_DEFAULT_SETTINGS', penvGet('EXTRA_DEFAULT_SETTINGS'));

    let statsPort = 1936;
    const statsPortRaw = penvGet('STATS_PORT');
    if (statsPortRaw !== undefined) {
        const n = Number(statsPortRaw);
        if (Number.isInteger(n) && n >= 1 && n <= 65535 && n !== 80) statsPort = n;
        else warnings.push({ message: `STATS_PORT "${statsPortRaw}" is not a usable port; using 1936.` });
    }
    let statsAuth = penvGet('STATS_AUTH');
    if (statsAuth === undefined || !/^[^\s:]+:\S+$/.test(statsAuth)) {
        if (statsAuth !== undefined) warnings.push({ message: 'STATS_AUTH is not "user:password"; using stats:stats.' });
        statsAuth = 'stats:stats';
        warnings.push({ message: 'The stats page uses dockercloud/haproxy\'s default credentials stats:stats; set STATS_AUTH to change them.' });
    }
    const proxyHealth = penvGet('HEALTH_CHECK');

    // --- app services
    const proxyNets = proxy ? new Set(serviceNetworks(proxy[1])) : undefined;
    const externalNets = new Set(
        Object.entries(compose.networks ?? {})
            .filter(([, n]) => n !== null && n !== undefined && n.external !== undefined && n.external !== false)
            .map(([k]) => k),
    );
    const backends: GeneratedBackend[] = [];
    const backendLines: string[] = [];
    const frontendRules: string[] = [];
    let defaultBackend: string | undefined;
    const withoutHost: string[] = [];

    for (const [key, svc] of services) {
        if (proxy !== undefined && key === proxy[0]) continue;
        const env = keyValueMap(svc.environment);
        const portsRaw = env.get('SERVICE_PORTS');
        if (portsRaw === undefined) continue;
        if (isDeactivated(svc)) {
            warnings.push({ service: key, message: `Service "${key}" is labelled ${DOCKERCLOUD_DEACTIVATE_LABEL}=true: no backend.` });
            continue;
        }
        const ports = portsRaw.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
        const valid = ports.map(Number).filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535);
        const port = valid[0];
        if (port === undefined || valid.length !== ports.length) {
            warnings.push({ service: key, message: `SERVICE_PORTS "${portsRaw}" of service "${key}" has an invalid port.` });
        }
        if (port === undefined) continue;
        if (valid.length > 1) {
            warnings.push({ service: key, message: `Service "${key}" lists several SERVICE_PORTS; only port ${port} is routed.` });
        }
        for (const unsupported of ['TCP_PORTS', 'SSL_CERT', 'FORCE_SSL', 'EXCLUDE_PORTS', 'VIRTUAL_HOST_WEIGHT', 'APPSESSION', 'COOKIE']) {
            if (env.get(unsupported) !== undefined) {
                warnings.push({ service: key, message: `${unsupported} of service "${key}" is not translated.` });
            }
        }
        if (proxyNets !== undefined && !serviceNetworks(svc).some((n) => proxyNets.has(n))) {
            warnings.push({ service: key, message: `Service "${key}" shares no network with the proxy: HAProxy cannot resolve its tasks.` });
        }
        if (options.stackName === undefined && serviceNetworks(svc).some((n) => externalNets.has(n))) {
            warnings.push({
                service: key,
                message: `Service "${key}" is on an external network, where another stack's "${key}" answers to tasks.${key} too; give the stack name to resolve tasks.<stack>_${key}.`,
            });
        }
        const global = svc.deploy?.mode === 'global';
        const replicas = typeof svc.deploy?.replicas === 'number' ? svc.deploy.replicas : 1;
        const slots = options.slots ?? defaultSlotsFor(global ? 1 : replicas);
        if (global) {
            warnings.push({ service: key, message: `Service "${key}" is global (one task per node): ${slots} slots must cover the number of nodes.` });
        } else if (slots < replicas) {
            warnings.push({ service: key, message: `${slots} server slots are fewer than the ${replicas} replicas of "${key}": HAProxy would reach only ${slots} of them.` });
        }
        const balance = checkBalance(env.get('BALANCE')?.trim() || undefined, `on service "${key}"`, key) ?? proxyBalance;
        const health = env.get('HEALTH_CHECK')?.trim() || proxyHealth;
        let checkOpts = 'check inter 2000 rise 2 fall 3';
        if (health !== undefined) {
            if (/^check(?:\s+[A-Za-z0-9_.:-]+)*$/.test(health)) checkOpts = health;
            else warnings.push({ service: key, message: `HEALTH_CHECK "${health}" must start with "check" and hold server options; using "${checkOpts}".` });
        }
        const dnsName = `tasks.${options.stackName !== undefined ? `${options.stackName}_` : ''}${key}`;
        const name = haproxyName(key);
        const vhosts = virtualHostRules(env.get('VIRTUAL_HOST') ?? '', key, warnings);
        backends.push({ service: key, port, slots, dnsName, balance, virtualHosts: vhosts.map((v) => v.host) });

        backendLines.push('', `backend ${name}`, `    balance ${balance}`);
        if (mode === 'http') {
            backendLines.push('    # health checks are TCP connects, as with dockercloud/haproxy; for HTTP checks add: option httpchk GET /');
        }
        for (const line of settingLines('EXTRA_SETTINGS', env.get('EXTRA_SETTINGS'), key)) backendLines.push(`    ${line}`);
        backendLines.push(
            `    # ${slots} slots filled from the A records of ${dnsName} (one per running task of "${key}")`,
            `    server-template ${name} ${slots} ${dnsName}:${port} ${checkOpts} resolvers docker init-addr none resolve-prefer ipv4`,
        );
        if (vhosts.length > 0 && mode === 'http') {
            vhosts.forEach((v, i) => frontendRules.push(`    acl host_${name}_${i} ${v.acl}`));
            frontendRules.push(`    use_backend ${name} if ${vhosts.map((_, i) => `host_${name}_${i}`).join(' || ')}`);
        } else {
            withoutHost.push(key);
            if (defaultBackend === undefined) defaultBackend = name;
        }
    }
    if (withoutHost.length > 1) {
        warnings.push({
            message: `Services ${withoutHost.join(', ')} have no VIRTUAL_HOST; dockercloud/haproxy mixed them in one backend, here "${withoutHost[0]}" gets the traffic. Set VIRTUAL_HOST to route by host name.`,
        });
    }
    if (backends.length === 0) {
        warnings.push({ message: 'No service sets SERVICE_PORTS: the configuration has no backend and answers 503.' });
    }

    // --- text
    const L: string[] = [];
    L.push(
        '# Generated by Swarm Stacks: the official HAProxy image with DNS service discovery, in place of dockercloud/haproxy.',
        '# Docker\'s embedded DNS (127.0.0.11) answers tasks.<service> with one A record per running task; server-template',
        '# fills its slots from them, so scaling within the slots needs no reload.',
        '',
        'global',
        '    log stdout format raw local0 info',
        `    maxconn ${maxconn}`,
        ...extraGlobal.map((l) => `    ${l}`),
        '',
        'defaults',
        `    mode ${mode}`,
        '    log global',
        mode === 'http' ? '    option httplog' : '    option tcplog',
        '    option dontlognull',
        ...options_.map((o) => `    option ${o}`),
        '    retries 3',
        ...[...timeouts].map(([k, v]) => `    timeout ${k} ${v}`),
        ...extraDefaults.map((l) => `    ${l}`),
        '',
        'resolvers docker',
        '    nameserver dns1 127.0.0.11:53',
        '    resolve_retries 3',
        '    timeout resolve 1s',
        '    timeout retry 1s',
        '    hold other 10s',
        '    hold refused 10s',
        '    hold nx 10s',
        '    hold timeout 10s',
        '    hold valid 1s',
        '    hold obsolete 1s',
        '    accepted_payload_size 8192',
        '',
        'frontend default',
        '    bind *:80',
        ...frontendRules,
    );
    if (defaultBackend !== undefined) L.push(`    default_backend ${defaultBackend}`);
    else if (mode === 'http') L.push('    http-request return status 503 content-type text/plain string "no backend"');
    else L.push('    tcp-request connection reject');
    L.push(
        '',
        'frontend stats',
        '    mode http',
        `    bind *:${statsPort}`,
        '    stats enable',
        '    stats uri /',
        '    stats refresh 5s',
        '    stats show-legends',
        `    stats auth ${statsAuth}`,
        ...backendLines,
        '',
    );

    // --- what the compose file must change
    if (proxy !== undefined) {
        const [pkey, psvc] = proxy;
        advice.push(`Replace the image of "${pkey}" with the official HAProxy image (e.g. haproxy:2.6).`);
        advice.push(`Deliver this file to "${pkey}" as a swarm config with target /usr/local/etc/haproxy/haproxy.cfg.`);
        if ((psvc.volumes ?? []).some((v) => (typeof v === 'string' ? v : JSON.stringify(v)).includes('docker.sock'))) {
            advice.push(`Remove the Docker socket volume of "${pkey}": discovery goes through DNS now.`);
        }
        if ((psvc.deploy?.placement?.constraints ?? []).some((c) => /node\.role\s*==\s*manager/.test(c))) {
            advice.push(`The "node.role == manager" constraint of "${pkey}" is no longer needed.`);
        }
        advice.push(
            `Publish the ports of "${pkey}" (80 and ${statsPort}) with mode: host where the kernel has no IPVS (the ingress routing mesh needs it).`,
        );
    }
    const vipServices = backends.map((b) => b.service).filter((k) => compose.services?.[k]?.deploy?.endpoint_mode !== 'dnsrr');
    if (vipServices.length > 0) {
        advice.push(
            `Where the kernel has no IPVS, set deploy.endpoint_mode: dnsrr on ${vipServices.map((k) => `"${k}"`).join(', ')} (tasks.<service> resolves either way; a virtual IP needs IPVS).`,
        );
    }
    if (backends.length > 0) advice.push('SERVICE_PORTS and the other dockercloud/haproxy variables are no longer read; they may stay.');

    return { text: L.join('\n'), backends, warnings, ...(proxy ? { proxyService: proxy[0] } : {}), advice };
}

interface SlotProblem {
    /** 0-based line of the server-template line in the cfg text. */
    line: number;
    /** 0-based column and length of the slot count on that line (for a diagnostic range). */
    character: number;
    length: number;
    /** The compose service key the line resolves. */
    service: string;
    slots: number;
    replicas: number;
    message: string;
}

/** The compose service key a `tasks.<name>` refers to: `<key>` or `<stack>_<key>`. */
function serviceForDnsName(name: string, keys: string[], stackName?: string): string | undefined {
    if (stackName !== undefined) {
        const pre = `${stackName}_`;
        if (name.startsWith(pre) && keys.includes(name.slice(pre.length))) return name.slice(pre.length);
        return keys.includes(name) ? name : undefined;
    }
    if (keys.includes(name)) return name;
    return keys.filter((k) => name.endsWith(`_${k}`)).sort((a, b) => b.length - a.length)[0];
}

/**
 * Finds `server-template <prefix> <N> tasks.<svc>[:<port>]` lines and reports those whose N is below the replicas
 * the compose file asks for that service (global services are skipped: their task count is the node count).
 */
export function checkServerTemplateSlots(
    haproxyCfgText: string,
    compose: ComposeLike,
    options: { stackName?: string } = {},
): SlotProblem[] {
    const services = compose.services ?? {};
    const keys = Object.keys(services);
    const problems: SlotProblem[] = [];
    const lines = haproxyCfgText.split(/\r?\n/);
    lines.forEach((text, line) => {
        const m = /^(\s*server-template\s+\S+\s+)([0-9]+)(?:-([0-9]+))?(\s+)tasks\.([^\s:#]+)/.exec(text);
        if (!m || m[1] === undefined || m[2] === undefined || m[5] === undefined) return;
        const first = Number(m[2]);
        const slots = m[3] !== undefined ? Number(m[3]) - first + 1 : first;
        const service = serviceForDnsName(m[5], keys, options.stackName);
        if (service === undefined) return;
        const svc = services[service];
        if (!svc || svc.deploy?.mode === 'global') return;
        const replicas = typeof svc.deploy?.replicas === 'number' ? svc.deploy.replicas : 1;
        if (slots >= replicas) return;
        problems.push({
            line,
            character: m[1].length,
            length: m[2].length + (m[3] !== undefined ? m[3].length + 1 : 0),
            service,
            slots,
            replicas,
            message: `server-template has ${slots} slots for tasks.${m[5]}, but service "${service}" asks for ${replicas} replicas: HAProxy reaches only ${slots} of them. Use at least ${replicas} slots (${defaultSlotsFor(replicas)} leaves room to scale).`,
        });
    });
    return problems;
}
