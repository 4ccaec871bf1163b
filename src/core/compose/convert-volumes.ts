/**
 * Service `volumes:` → `ContainerSpec.Mounts` (docker/cli `cli/compose/convert/volume.go`).
 */
import type { Mount } from '../specs';
import type { ServiceVolumeConfig, VolumeConfig } from './types';
import { absPath, isAbsAnyOS, isRecord, toOptionMap, toStringMap } from './convert-util';
import { parseVolumeSpec } from './short-syntax';

// One parser of the short syntax serves the loader and the conversion.
export { parseVolumeSpec };

interface MountContext {
    stackName: string;
    workingDir: string;
    volumes: Record<string, VolumeConfig | null> | undefined;
    /** HOME for `~` expansion of bind sources; undefined → left as is (CLI warns). */
    home: string | undefined;
    warn?: (message: string) => void;
}

function isExternal(v: VolumeConfig | null | undefined): boolean {
    if (!v) return false;
    return v.external === true || isRecord(v.external);
}

/** Name of a top-level volume: `name`, deprecated `external.name`, the key for externals, else `<stack>_<key>`. */
export function volumeName(key: string, v: VolumeConfig | null | undefined, stackName: string): string {
    if (v?.name) return v.name;
    if (v && isRecord(v.external) && typeof v.external.name === 'string' && v.external.name !== '') return v.external.name;
    if (isExternal(v)) return key;
    return `${stackName}_${key}`;
}

/** Loader step for binds: `~` → HOME, relative → joined to the working dir. */
function resolveBindSource(source: string, ctx: MountContext): string {
    let p = source;
    if (p.startsWith('~')) {
        if (ctx.home === undefined) ctx.warn?.("cannot expand '~', because the environment lacks HOME");
        else p = ctx.home + p.slice(1);
    }
    if (!isAbsAnyOS(p)) p = absPath(ctx.workingDir, p);
    return p;
}

/** Convert one volume entry (short string or long object) to a Mount. Throws Errors with CLI texts. */
export function convertVolume(entry: string | ServiceVolumeConfig, ctx: MountContext): Mount {
    const vol = typeof entry === 'string' ? parseVolumeSpec(entry) : entry;
    const type = vol.type ?? '';
    const opt = (k: 'bind' | 'volume' | 'tmpfs' | 'image' | 'cluster'): boolean => vol[k] !== undefined && vol[k] !== null;
    const reject = (kinds: ('bind' | 'volume' | 'tmpfs' | 'image' | 'cluster')[], t: string): void => {
        for (const k of kinds) if (opt(k)) throw new Error(`${k} options are incompatible with type ${t}`);
    };
    let source = vol.source ?? '';
    if (type === 'bind') {
        if (source === '') throw new Error('invalid mount config for type "bind": field Source must not be empty');
        source = resolveBindSource(source, ctx);
    }
    const base = (): Mount => {
        const m: Mount = {};
        if (type) m.Type = type;
        if (source) m.Source = source;
        if (vol.target) m.Target = vol.target;
        if (vol.read_only) m.ReadOnly = true;
        if (vol.consistency) m.Consistency = vol.consistency;
        return m;
    };
    switch (type) {
        case 'volume':
        case '': {
            reject(['tmpfs', 'bind', 'cluster', 'image'], 'volume');
            const m = base();
            if (source === '') return m;
            const stackVol = ctx.volumes?.[source];
            if (!ctx.volumes || !(source in ctx.volumes)) throw new Error(`undefined volume "${source}"`);
            m.Source = volumeName(source, stackVol, ctx.stackName);
            const vo: NonNullable<Mount['VolumeOptions']> = {};
            if (vol.volume?.nocopy) vo.NoCopy = true;
            if (vol.volume?.subpath) vo.Subpath = vol.volume.subpath;
            if (!isExternal(stackVol)) {
                vo.Labels = { ...toStringMap(stackVol?.labels), 'com.docker.stack.namespace': ctx.stackName };
                if ((stackVol?.driver ?? '') !== '' || (stackVol?.driver_opts !== undefined && stackVol?.driver_opts !== null)) {
                    const d: { Name?: string; Options?: Record<string, string> } = {};
                    if (stackVol?.driver) d.Name = stackVol.driver;
                    const o = toOptionMap(stackVol?.driver_opts);
                    if (o && Object.keys(o).length > 0) d.Options = o;
                    vo.DriverConfig = d as { Name: string; Options?: Record<string, string> };
                }
            }
            m.VolumeOptions = vo;
            return m;
        }
        case 'bind': {
            reject(['volume', 'tmpfs', 'cluster', 'image'], 'bind');
            const m = base();
            if (opt('bind')) {
                m.BindOptions = {};
                if (vol.bind?.propagation) m.BindOptions.Propagation = vol.bind.propagation;
            }
            return m;
        }
        case 'tmpfs': {
            if (source !== '') throw new Error('invalid tmpfs source, source must be empty');
            reject(['bind', 'volume', 'cluster', 'image'], 'tmpfs');
            const m = base();
            if (opt('tmpfs')) {
                m.TmpfsOptions = {};
                if (vol.tmpfs?.size) m.TmpfsOptions.SizeBytes = vol.tmpfs.size;
            }
            return m;
        }
        case 'npipe': {
            if (source === '') throw new Error('invalid npipe source, source cannot be empty');
            reject(['volume', 'tmpfs', 'cluster', 'image'], 'npipe');
            const m = base();
            if (opt('bind')) {
                m.BindOptions = {};
                if (vol.bind?.propagation) m.BindOptions.Propagation = vol.bind.propagation;
            }
            return m;
        }
        case 'image': {
            if (source === '') throw new Error('invalid image source, source cannot be empty');
            reject(['volume', 'bind', 'tmpfs', 'cluster'], 'image');
            const m = base();
            if (opt('image')) {
                m.ImageOptions = {};
                if (vol.image?.subpath) m.ImageOptions.Subpath = vol.image.subpath;
            }
            return m;
        }
        case 'cluster': {
            if (source === '') throw new Error('invalid cluster source, source cannot be empty');
            reject(['tmpfs', 'bind', 'volume', 'image'], 'cluster');
            const m = base();
            m.ClusterOptions = {};
            if (!source.startsWith('group:')) {
                if (!ctx.volumes || !(source in ctx.volumes)) throw new Error(`undefined volume "${source}"`);
                m.Source = volumeName(source, ctx.volumes[source], ctx.stackName);
            }
            return m;
        }
        default:
            throw new Error('volume type must be volume, bind, tmpfs, npipe, or cluster');
    }
}
