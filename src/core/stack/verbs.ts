/**
 * The service verbs as the CLI sends them (docker/cli `cli/command/service/update.go`, `scale.go`, `rollback.go`): each inspects the service and sends its
 * whole stored spec back with one change and the version just read.
 */
import type { Service, ServiceSpec } from '../specs';
import { errorKind, type CallOptions, type StackEngine } from './engine';

/** Finds a service by exact name or ID (or an unambiguous ID prefix), as the CLI does. */
async function findService(engine: StackEngine, nameOrId: string, options: CallOptions = {}): Promise<Service> {
    try {
        return await engine.inspectService(nameOrId, options);
    } catch (error) {
        if (errorKind(error) === 'notFound') {
            throw new Error(`no such service: ${nameOrId}`);
        }
        throw error;
    }
}

function withTaskTemplate(spec: ServiceSpec, change: (template: ServiceSpec['TaskTemplate']) => ServiceSpec['TaskTemplate']): ServiceSpec {
    return { ...spec, TaskTemplate: change(spec.TaskTemplate) };
}

/**
 * `service update --image`: a rolling update honouring the service's update_config. With `authHeader`
 * (`--with-registry-auth`) the new credentials go with it; without, the engine keeps those of the spec
 * (docker/cli `cli/command/service/update.go`).
 */
export async function updateServiceImage(
    engine: StackEngine,
    nameOrId: string,
    image: string,
    options: CallOptions & { authHeader?: string } = {},
): Promise<{ service: Service; warnings: string[] }> {
    if (!image.trim()) throw new Error('an image is required');
    const { authHeader, ...call } = options;
    const service = await findService(engine, nameOrId, call);
    // The stack labels (com.docker.stack.image included) stay as they are, as with the CLI.
    const spec = withTaskTemplate(service.Spec, (t) => ({ ...t, ContainerSpec: { ...t.ContainerSpec, Image: image } }));
    const params = authHeader ? { authHeader } : { registryAuthFrom: 'spec' as const };
    const result = await engine.updateService(service.ID, service.Version.Index, spec, params, call);
    return { service, warnings: result.warnings };
}

/** `service scale S=N`: replicated → Replicas, replicated job → TotalCompletions. */
export async function scaleService(engine: StackEngine, nameOrId: string, replicas: number, options: CallOptions = {}): Promise<{ service: Service; warnings: string[] }> {
    if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`invalid replicas value ${replicas}: must be a whole number of 0 or more`);
    const service = await findService(engine, nameOrId, options);
    const mode = service.Spec.Mode;
    let newMode: ServiceSpec['Mode'];
    if (mode?.Replicated || !mode) {
        newMode = { ...mode, Replicated: { ...mode?.Replicated, Replicas: replicas } };
    } else if (mode.ReplicatedJob) {
        newMode = { ...mode, ReplicatedJob: { ...mode.ReplicatedJob, TotalCompletions: replicas } };
    } else {
        throw new Error('scale can only be used with replicated or replicated-job mode');
    }
    const result = await engine.updateService(service.ID, service.Version.Index, { ...service.Spec, Mode: newMode }, {}, options);
    return { service, warnings: result.warnings };
}

/** `service rollback`: the engine swaps the spec with the previous one. */
export async function rollbackService(engine: StackEngine, nameOrId: string, options: CallOptions = {}): Promise<{ service: Service; warnings: string[] }> {
    const service = await findService(engine, nameOrId, options);
    if (!service.PreviousSpec) {
        throw new Error(`service ${service.Spec.Name ?? service.ID} does not have a previous spec`);
    }
    const result = await engine.updateService(service.ID, service.Version.Index, service.Spec, { rollback: 'previous' }, options);
    return { service, warnings: result.warnings };
}

/** `service update --force`: new tasks with the same spec (ForceUpdate + 1). */
export async function restartService(engine: StackEngine, nameOrId: string, options: CallOptions = {}): Promise<{ service: Service; warnings: string[] }> {
    const service = await findService(engine, nameOrId, options);
    const spec = withTaskTemplate(service.Spec, (t) => ({ ...t, ForceUpdate: (t.ForceUpdate ?? 0) + 1 }));
    const result = await engine.updateService(service.ID, service.Version.Index, spec, {}, options);
    return { service, warnings: result.warnings };
}

/** Parses the `SERVICE=N` arguments of `scale`. */
export function parseScaleArgument(argument: string): { service: string; replicas: number } {
    const eq = argument.indexOf('=');
    const service = eq === -1 ? '' : argument.slice(0, eq);
    const value = eq === -1 ? '' : argument.slice(eq + 1);
    if (!service || !value) {
        throw new Error(`invalid scale specifier '${argument}'. See --help for usage`);
    }
    if (!/^\d+$/.test(value)) {
        throw new Error(`invalid replicas value ${value}: must be a whole number of 0 or more`);
    }
    return { service, replicas: Number(value) };
}
