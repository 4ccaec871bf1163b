/**
 * Short-syntax parsers the loader needs (for validation and for multi-file merges, which the CLI does on
 * the expanded long form): port specs (go-connections `nat.ParsePortSpec` + swarmopts expansion) and
 * volume specs (docker/cli `internal/volumespec`). Messages are the Go error texts.
 */
import * as path from 'path';
import * as net from 'net';
import type { ServicePortConfig, ServiceVolumeConfig } from './types';

interface PortMapping {
    ip: string;
    hostStart?: number;
    hostEnd?: number;
    containerStart: number;
    containerEnd: number;
    proto: string;
}

/** strconv.ParseUint(s, 10, 16) */
function parseUint16(s: string): number | undefined {
    if (!/^\d+$/.test(s)) return undefined;
    const n = Number(s);
    return n <= 65535 ? n : undefined;
}

/** nat.ParsePortRange */
function parsePortRange(ports: string): [number, number] {
    if (ports === '') throw new Error('empty string specified for ports');
    if (!ports.includes('-')) {
        const n = parseUint16(ports);
        if (n === undefined) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(ports)}: invalid syntax`);
        return [n, n];
    }
    const parts = ports.split('-');
    const a = parseUint16(parts[0]);
    if (a === undefined) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(parts[0])}: invalid syntax`);
    const b = parseUint16(parts[1]);
    if (b === undefined) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(parts[1])}: invalid syntax`);
    if (b < a) throw new Error('invalid range specified for port: ' + ports);
    return [a, b];
}

/** nat.ParsePortSpec (validation and the pieces needed for expansion). Throws Go error texts. */
export function parsePortSpec(raw: string): PortMapping {
    const parts = raw.split(':');
    const n = parts.length;
    let ip = '';
    let hostPort = '';
    let containerPort = parts[n - 1];
    if (n === 2) hostPort = parts[0];
    else if (n === 3) {
        ip = parts[0];
        hostPort = parts[1];
    } else if (n > 3) {
        ip = parts.slice(0, n - 2).join(':');
        hostPort = parts[n - 2];
    }
    // SplitProtoPort
    let proto = '';
    {
        const pp = containerPort.split('/');
        if (containerPort.length === 0 || pp[0].length === 0) {
            proto = '';
            containerPort = '';
        } else if (pp.length === 1) proto = 'tcp';
        else if (pp[1].length === 0) {
            proto = 'tcp';
            containerPort = pp[0];
        } else {
            proto = pp[1];
            containerPort = pp[0];
        }
    }
    if (ip !== '' && ip[0] === '[') {
        const m = /^\[([^\]]*)\]$/.exec(ip);
        if (!m) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
        ip = m[1];
    }
    if (ip !== '' && net.isIP(ip) === 0) throw new Error('invalid IP address: ' + ip);
    if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
    let cs: number, ce: number;
    try {
        [cs, ce] = parsePortRange(containerPort);
    } catch {
        throw new Error('invalid containerPort: ' + containerPort);
    }
    let hs: number | undefined, he: number | undefined;
    if (hostPort.length > 0) {
        try {
            [hs, he] = parsePortRange(hostPort);
        } catch {
            throw new Error('invalid hostPort: ' + hostPort);
        }
    }
    if (hostPort !== '' && ce - cs !== (he as number) - (hs as number)) {
        if (ce !== cs) throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
    const lp = proto.toLowerCase();
    if (lp !== 'tcp' && lp !== 'udp' && lp !== 'sctp') throw new Error('invalid proto: ' + proto);
    const m: PortMapping = { ip, containerStart: cs, containerEnd: ce, proto: lp };
    if (hs !== undefined) {
        m.hostStart = hs;
        m.hostEnd = he;
    }
    return m;
}

/** Expand a short port spec to the long form the CLI loader produces (`mode: ingress`, explicit protocol). */
export function expandPortSpec(raw: string): { ports: ServicePortConfig[]; ignoredIp?: string } {
    const m = parsePortSpec(raw);
    const out: ServicePortConfig[] = [];
    const count = m.containerEnd - m.containerStart;
    for (let i = 0; i <= count; i++) {
        const target = m.containerStart + i;
        if (m.hostStart === undefined) {
            out.push({ mode: 'ingress', target, protocol: m.proto });
        } else if (count === m.hostEnd! - m.hostStart) {
            const p: ServicePortConfig = { mode: 'ingress', target, protocol: m.proto };
            if (m.hostStart + i !== 0) p.published = m.hostStart + i;
            out.push(p);
        } else {
            // single container port with a host range: one entry per host port
            for (let h = m.hostStart; h <= m.hostEnd!; h++) {
                const p: ServicePortConfig = { mode: 'ingress', target, protocol: m.proto };
                if (h !== 0) p.published = h;
                out.push(p);
            }
        }
    }
    const res: { ports: ServicePortConfig[]; ignoredIp?: string } = { ports: out };
    if (m.ip !== '' && !isUnspecifiedIp(m.ip)) {
        // the CLI's logrus text: net.JoinHostPort(ip, hostPort) + ":" + port/proto
        const host = m.ip.includes(':') ? `[${m.ip}]` : m.ip;
        const hp = m.hostStart === undefined ? '' : m.hostStart === m.hostEnd ? `${m.hostStart}` : `${m.hostStart}-${m.hostEnd}`;
        const cp = m.containerStart === m.containerEnd ? `${m.containerStart}` : `${m.containerStart}-${m.containerEnd}`;
        res.ignoredIp = `${host}:${hp}:${cp}/${m.proto}`;
    }
    return res;
}

function isUnspecifiedIp(ip: string): boolean {
    return ip === '0.0.0.0' || /^[0:]+$/.test(ip);
}

// ---------------------------------------------------------------------------------------------
// volumes

const BIND_PROPAGATION = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);

function isLetter(c: string): boolean {
    return /^\p{L}$/u.test(c);
}

function isFilePath(source: string): boolean {
    if (source === '') return false;
    if (source[0] === '.' || source[0] === '/' || source[0] === '~') return true;
    if (source.startsWith('\\\\')) return true;
    const chars = Array.from(source);
    return chars.length > 1 && chars[1] === ':' && isLetter(chars[0]);
}

/** volumespec.Parse — short volume syntax to long form. Throws Go error texts. */
export function parseVolumeSpec(spec: string): ServiceVolumeConfig {
    const vol: ServiceVolumeConfig = { type: '' };
    const chars = Array.from(spec);
    if (chars.length === 0) throw new Error('invalid empty volume spec');
    if (chars.length <= 2) return { type: 'volume', target: spec };
    let buffer: string[] = [];
    const END = '\u0000end';
    const populate = (ch: string): void => {
        const s = buffer.join('');
        if (buffer.length === 0) throw new Error('empty section between colons');
        if (vol.source === undefined && ch === END) {
            vol.target = s;
            return;
        }
        if (vol.source === undefined) {
            vol.source = s;
            return;
        }
        if (vol.target === undefined) {
            vol.target = s;
            return;
        }
        if (ch === ':') throw new Error('too many colons');
        for (const opt of s.split(',')) {
            if (opt === 'ro') vol.read_only = true;
            else if (opt === 'rw') vol.read_only = false;
            else if (opt === 'nocopy') vol.volume = { nocopy: true };
            else if (BIND_PROPAGATION.has(opt)) vol.bind = { propagation: opt };
        }
    };
    try {
        for (const ch of [...chars, END]) {
            if (ch === ':' && buffer.length === 1 && isLetter(buffer[0])) buffer.push(ch);
            else if (ch === ':' || ch === END) {
                populate(ch);
                buffer = [];
            } else buffer.push(ch);
        }
    } catch (e) {
        throw new Error(`invalid spec: ${spec}: ${(e as Error).message}`);
    }
    vol.type = vol.source === undefined ? 'volume' : isFilePath(vol.source) ? 'bind' : 'volume';
    if (vol.read_only === false) delete vol.read_only;
    return vol;
}

/** Go filepath.Clean for POSIX paths. */
export function goClean(p: string): string {
    if (p === '') return '.';
    let c = path.posix.normalize(p);
    if (c.length > 1 && c.endsWith('/')) c = c.slice(0, -1);
    return c;
}

/** Windows-absolute test as the CLI uses it for bind sources (drive letter or UNC). */
export function isWindowsAbs(p: string): boolean {
    return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/**
 * Resolve a bind source like the CLI loader: leading `~` → HOME (first occurrence, the CLI's
 * strings.Replace), then relative → joined to the working dir. Returns undefined for `~` without HOME.
 */
export function resolveBindSource(source: string, workingDir: string, home: string | undefined): string | undefined {
    let p = source;
    if (p.startsWith('~')) {
        if (home === undefined) return undefined;
        p = p.replace('~', home);
    }
    if (p.startsWith('/') || isWindowsAbs(p)) return p;
    return goClean(workingDir + '/' + p);
}
