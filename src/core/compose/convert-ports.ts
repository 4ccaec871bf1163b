/**
 * `ports:` → `EndpointSpec.Ports` (stack-deploy-spec §2.3).
 */
import type { PortConfig } from '../specs';
import type { ServicePortConfig } from './types';
import { compareBytes, ConversionError, goSprint, isRecord } from './convert-util';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function parseUint16(s: string): number | undefined {
    if (!/^[0-9]+$/.test(s)) return undefined;
    const n = Number(s);
    return n <= 65535 ? n : undefined;
}

/** go-connections `ParsePortRange`. */
function parsePortRange(s: string): [number, number] | string {
    if (s === '') return 'empty string specified for ports';
    if (!s.includes('-')) {
        const n = parseUint16(s);
        if (n === undefined) return `strconv.ParseUint: parsing "${s}": invalid syntax`;
        return [n, n];
    }
    const i = s.indexOf('-');
    const a = parseUint16(s.slice(0, i));
    const b = parseUint16(s.slice(i + 1));
    if (a === undefined || b === undefined) return `strconv.ParseUint: parsing "${s}": invalid syntax`;
    if (b < a) return `invalid range specified for port: ${s}`;
    return [a, b];
}

function isIP(s: string): boolean {
    if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s)) return true;
    if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
    // loose IPv6 check: at most one '::', 8 groups max
    const dbl = s.split('::').length - 1;
    if (dbl > 1) return false;
    const groups = s.split(':').filter((g) => g !== '');
    return groups.length <= 8 && groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g) || /^\d+\.\d+\.\d+\.\d+$/.test(g));
}

function isUnspecifiedIP(s: string): boolean {
    return s === '0.0.0.0' || /^[0:]+$/.test(s) && s.includes('::') || s === '::';
}

export interface PortWarning {
    message: string;
    path: (string | number)[];
}

/**
 * Parse one short-syntax port (`[[ip:]host:]container[/proto]`) into port configs with
 * `PublishMode: "ingress"` and an explicit protocol. Throws plain Errors with the CLI texts.
 */
export function parseShortPort(spec: string, warn?: (m: string) => void): PortConfig[] {
    const parts = spec.split(':');
    const n = parts.length;
    const containerPart = parts[n - 1];
    let rawIP = '';
    let hostPort = '';
    if (n === 2) hostPort = parts[0];
    else if (n === 3) {
        rawIP = parts[0];
        hostPort = parts[1];
    } else if (n > 3) {
        rawIP = parts.slice(0, n - 2).join(':');
        hostPort = parts[n - 2];
    }
    let ip = rawIP;
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip !== '' && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
    if (containerPart === '') throw new Error(`no port specified: ${spec}<empty>`);
    let proto = 'tcp';
    let cPort = containerPart;
    const slash = containerPart.indexOf('/');
    if (slash >= 0) {
        cPort = containerPart.slice(0, slash);
        const p = containerPart.slice(slash + 1);
        if (p !== '') proto = p;
    }
    proto = proto.toLowerCase();
    if (!PROTOCOLS.has(proto)) throw new Error(`invalid proto: ${proto}`);
    const cr = parsePortRange(cPort);
    if (typeof cr === 'string') throw new Error(`invalid containerPort: ${cPort}`);
    const [cStart, cEnd] = cr;
    let hStart = 0;
    let hEnd = 0;
    if (hostPort !== '') {
        const hr = parsePortRange(hostPort);
        if (typeof hr === 'string') throw new Error(`invalid hostPort: ${hostPort}`);
        [hStart, hEnd] = hr;
    }
    if (hostPort !== '' && cEnd - cStart !== hEnd - hStart && cEnd !== cStart) {
        throw new Error(`invalid ranges specified for container and host Ports: ${cPort} and ${hostPort}`);
    }
    if (ip !== '' && !isUnspecifiedIP(ip) && warn) {
        // emitted once per binding by the CLI; we report it once per entry
        warn(`ignoring IP-address (${spec}) service will listen on '0.0.0.0'`);
    }
    const out: PortConfig[] = [];
    for (let i = 0; i <= cEnd - cStart; i++) {
        const target = cStart + i;
        if (hostPort === '') {
            out.push(portConfig(proto, target, 0, 'ingress'));
        } else if (cEnd === cStart && hStart !== hEnd) {
            for (let h = hStart; h <= hEnd; h++) out.push(portConfig(proto, target, h, 'ingress'));
        } else {
            out.push(portConfig(proto, target, hStart + i, 'ingress'));
        }
    }
    return out;
}

function portConfig(protocol: string, target: number, published: number, mode: string): PortConfig {
    const p: PortConfig = {};
    if (protocol) p.Protocol = protocol;
    if (target) p.TargetPort = target;
    if (published) p.PublishedPort = published;
    if (mode) p.PublishMode = mode;
    return p;
}

/** Engine ordering: PublishedPort, TargetPort, Protocol, PublishMode (ascending). */
export function comparePorts(a: PortConfig, b: PortConfig): number {
    return (
        (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0) ||
        (a.TargetPort ?? 0) - (b.TargetPort ?? 0) ||
        compareBytes(a.Protocol ?? '', b.Protocol ?? '') ||
        compareBytes(a.PublishMode ?? '', b.PublishMode ?? '')
    );
}

/**
 * Convert a service's `ports:` list: short entries are expanded (ingress, explicit protocol),
 * long entries are copied as written (empty protocol/mode stay empty); the result is sorted.
 */
export function convertPorts(
    ports: (number | string | ServicePortConfig)[] | undefined,
    basePath: (string | number)[],
    svcName: string,
    warn?: (m: string, path: (string | number)[]) => void,
): PortConfig[] {
    const out: PortConfig[] = [];
    (ports ?? []).forEach((entry, i) => {
        if (typeof entry === 'number' || typeof entry === 'string') {
            try {
                out.push(...parseShortPort(goSprint(entry), warn ? (m) => warn(m, [...basePath, i]) : undefined));
            } catch (e) {
                throw new ConversionError(`service ${svcName}: ${(e as Error).message}`, [...basePath, i]);
            }
        } else if (isRecord(entry)) {
            const e = entry as ServicePortConfig;
            out.push(portConfig(e.protocol ?? '', e.target ?? 0, e.published ?? 0, e.mode ?? ''));
        } else {
            throw new ConversionError(`invalid type ${typeof entry} for port`, [...basePath, i]);
        }
    });
    return out.sort(comparePorts);
}
