/**
 * `ports:` → `EndpointSpec.Ports` (docker/cli `cli/compose/loader/loader.go`, `opts/swarmopts/port.go`).
 */
import type { PortConfig } from '../specs';
import type { ServicePortConfig } from './types';
import { compareBytes, ConversionError, goSprint, isRecord } from './convert-util';
import { expandPortSpec } from './short-syntax';

/**
 * Parse one short-syntax port (`[[ip:]host:]container[/proto]`) into port configs with
 * `PublishMode: "ingress"` and an explicit protocol, with the loader's parser (one parser of the short
 * syntax for validation, merging and conversion). Throws plain Errors with the CLI texts.
 */
export function parseShortPort(spec: string, warn?: (m: string) => void): PortConfig[] {
    const { ports, ignoredIp } = expandPortSpec(spec);
    if (ignoredIp !== undefined && warn) {
        // emitted once per binding by the CLI; we report it once per entry
        warn(`ignoring IP-address (${ignoredIp}) service will listen on '0.0.0.0'`);
    }
    return ports.map((p) => portConfig(p.protocol ?? '', p.target ?? 0, p.published ?? 0, p.mode ?? ''));
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
    warn?: (m: string, path: (string | number)[]) => void,
): PortConfig[] {
    const out: PortConfig[] = [];
    (ports ?? []).forEach((entry, i) => {
        if (typeof entry === 'number' || typeof entry === 'string') {
            try {
                out.push(...parseShortPort(goSprint(entry), warn ? (m) => warn(m, [...basePath, i]) : undefined));
            } catch (e) {
                throw new ConversionError((e as Error).message, [...basePath, i]);
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
