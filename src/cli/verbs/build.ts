import { runBuild, type BuildEngine } from '../../core/build/build';
import { formatBytes } from '../../core/build/context';
import { describeStep } from '../../core/build/progress';
import { defaultBuildTag } from '../../core/build/tag';
import { oneDir, stringValue } from '../arguments';
import type { CliIo } from '../io';
import { UsageError, type ParsedArgs, type Verb } from '../verb';

function buildEngine(args: ParsedArgs, io: CliIo): BuildEngine {
    const timeout = stringValue(args, 'timeout');
    const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds');
    // Loaded here so that `scaffold`, `probe` and `--help` never load the Docker client.
    const { connectDocker } = require('../../docker/connect') as typeof import('../../docker/connect');
    return connectDocker({ host: stringValue(args, 'host'), env: io.env, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 });
}

export const build: Verb = {
    options: {
        tag: { type: 'string', short: 't', multiple: true },
        file: { type: 'string', short: 'f' },
        'build-arg': { type: 'string', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
    },
    async run(args, io) {
        const dir = oneDir(args, 'build');
        const tags = (args.values.tag as string[] | undefined) ?? [];
        if (tags.length === 0) tags.push(defaultBuildTag(dir));
        const buildargs: Record<string, string> = {};
        for (const arg of (args.values['build-arg'] as string[] | undefined) ?? []) {
            const eq = arg.indexOf('=');
            if (eq <= 0) throw new UsageError(`--build-arg takes KEY=VALUE (got "${arg}")`);
            buildargs[arg.slice(0, eq)] = arg.slice(eq + 1);
        }
        const quiet = Boolean(args.values.quiet);
        const tty = Boolean(io.stderr.isTTY);
        let status = false;
        const clearStatus = (): void => {
            if (status) io.stderr.write('\r\x1b[K');
            status = false;
        };
        const result = await runBuild(buildEngine(args, io), {
            dir,
            tags,
            dockerfile: stringValue(args, 'file'),
            ...(Object.keys(buildargs).length ? { buildargs } : {}),
            registryConfig: () => (require('../../core/registry/node-io') as typeof import('../../core/registry/node-io')).nodeBuildRegistryConfig(io.env),
            signal: io.signal,
            onContext: (c) => io.stderr.write(`Sending build context: ${c.fileCount} files, ${formatBytes(c.bytes)}${c.excluded ? ` (${c.excluded} left out by .dockerignore)` : ''}\n`),
            onEvent: (e) => {
                if (e.kind === 'step') {
                    if (!quiet) io.stdout.write(`${describeStep(e.step)}\n`);
                    if (tty) {
                        io.stderr.write(`\r\x1b[K${describeStep(e.step).slice(0, 100)}`);
                        status = true;
                    }
                } else if ((e.kind === 'output' || e.kind === 'status') && !quiet) {
                    clearStatus();
                    io.stdout.write(`${e.line}\n`);
                } else if (e.kind === 'notice') {
                    clearStatus();
                    io.stderr.write(`${e.line}\n`);
                }
            },
        }).finally(clearStatus);
        if (quiet) io.stdout.write(`${result.imageId}\n`);
        io.stderr.write(`Built ${result.imageId} as ${result.tags.join(', ')} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
        return 0;
    },
};
