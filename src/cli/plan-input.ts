import type { DeployOptions } from '../core/stack/deploy';
import { nodeFingerprintKey } from '../core/stack/fingerprint-key-node';
import { lintCompose } from '../core/stack/lint';
import { RESOLVE_IMAGE_MODES, type ResolveImageMode } from '../core/stack/plan';
import { rotationRequested } from '../core/stack/rotation';
import { composeFiles } from './arguments';
import { registryAuthOf } from './engine';
import type { CliIo } from './io';
import { printDiagnostics } from './output';
import { ReportedFailure, UsageError, type Options, type ParsedArgs } from './verb';

/**
 * The options that decide a deploy's plan: `deploy` and `diff` take them all, so that `diff` shows exactly what
 * `deploy` with the same options would do.
 */
export const PLAN_OPTIONS: Options = {
    'compose-file': { type: 'string', short: 'c', multiple: true },
    prune: { type: 'boolean' },
    'resolve-image': { type: 'string' },
    'no-dotenv': { type: 'boolean' },
    'with-registry-auth': { type: 'boolean' },
    'rotate-configs': { type: 'boolean' },
};

/** The compose files read and validated, and the plan's options, as `deploy` and `diff` share them. */
export function planInputOf(
    args: ParsedArgs,
    io: CliIo,
    stack: string,
    verb: 'deploy' | 'diff',
): { files: string[]; loaded: ReturnType<typeof lintCompose>; specs: NonNullable<ReturnType<typeof lintCompose>['specs']>; options: Omit<DeployOptions, 'history'> } {
    const files = composeFiles(args);
    const mode = (args.values['resolve-image'] as string | undefined) ?? 'always';
    const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
    printDiagnostics(io, loaded.diagnostics);
    if (loaded.load.dotEnvFile) io.stderr.write(`Read variables from ${loaded.load.dotEnvFile} (the environment wins; --no-dotenv turns this off)\n`);
    if (!loaded.specs) {
        const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
        throw new ReportedFailure(`swarm-stacks: ${errors} error${errors === 1 ? '' : 's'} in the compose file${files.length > 1 ? 's' : ''}; nothing was ${verb === 'diff' ? 'compared' : 'deployed'}`);
    }
    if (!RESOLVE_IMAGE_MODES.includes(mode as ResolveImageMode)) throw new UsageError(`invalid option ${mode} for flag --resolve-image`);
    const withRegistryAuth = Boolean(args.values['with-registry-auth']);
    return {
        files,
        loaded,
        specs: loaded.specs,
        options: {
            resolveImage: mode as ResolveImageMode,
            prune: Boolean(args.values.prune),
            signal: io.signal,
            // Read only when they may be sent: without the flag no credential helper runs.
            ...(withRegistryAuth ? { registryAuth: registryAuthOf(io) } : {}),
            withRegistryAuth,
            rotateConfigs: Boolean(args.values['rotate-configs']) || rotationRequested(loaded.load.config),
            secretFingerprintKey: nodeFingerprintKey(io.env),
        },
    };
}
