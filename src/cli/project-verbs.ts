/**
 * The project verbs of the command line: `scaffold` (a new load-balanced project), `build` (an image through the
 * Engine API) and `probe` (how requests spread over replicas). Registered with addVerb when this module loads.
 */
import * as fs from 'fs';
import * as path from 'path';
import { addVerb, UsageError, type CliIo, type ParsedArgs, type Verb } from './main';
import { runBuild, type BuildEngine } from '../core/build/build';
import { formatBytes } from '../core/build/context';
import { describeStep } from '../core/build/progress';
import { defaultBuildTag } from '../core/build/tag';
import { applyScaffold, conflicts, planScaffold, SCAFFOLD_VARIANTS, type ScaffoldDecision, type ScaffoldVariant } from '../core/scaffold/plan';
import { completeScaffoldInput, findTemplatesDir, validateRegistry } from '../core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../core/scaffold/node-fs';
import { probe, probeDuring, renderBarChart, renderTextTable, renderVersionShift, summarize } from '../core/probe/probe';

function stringValue(args: ParsedArgs, name: string): string | undefined {
    const v = args.values[name];
    return typeof v === 'string' ? v : undefined;
}

function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
    const raw = stringValue(args, name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return n;
}

function oneDir(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the folder`);
    return path.resolve(args.positionals[0] as string);
}

function templatesDir(): string {
    const dir = findTemplatesDir(__dirname, (d) => fs.existsSync(d));
    if (!dir) throw new Error(`The project templates (media/templates) were not found near ${__dirname}.`);
    return dir;
}

// ---------------------------------------------------------------------------------------------------------------

const scaffold: Verb = {
    options: {
        variant: { type: 'string' },
        name: { type: 'string' },
        replicas: { type: 'string' },
        port: { type: 'string' },
        'app-port': { type: 'string' },
        'stats-port': { type: 'string' },
        image: { type: 'string' },
        registry: { type: 'string' },
        'base-image': { type: 'string' },
        'haproxy-image': { type: 'string' },
        stack: { type: 'string' },
        force: { type: 'boolean' },
    },
    async run(args, io) {
        const targetDir = oneDir(args, 'scaffold');
        const variant = stringValue(args, 'variant') ?? 'haproxy-dns';
        if (!SCAFFOLD_VARIANTS.includes(variant as ScaffoldVariant)) {
            throw new UsageError(`--variant is ${SCAFFOLD_VARIANTS.join(' or ')} (got "${variant}")`);
        }
        const registry = stringValue(args, 'registry');
        if (registry !== undefined && stringValue(args, 'image') !== undefined) throw new UsageError('--registry and --image both name the app image: give one');
        const registryProblem = registry === undefined ? undefined : validateRegistry(registry);
        if (registryProblem) throw new UsageError(registryProblem);
        const input = completeScaffoldInput({
            variant: variant as ScaffoldVariant,
            targetDir,
            appName: stringValue(args, 'name'),
            replicas: intOption(args, 'replicas', 1, 10000),
            publishedPort: intOption(args, 'port', 1, 65535),
            appPort: intOption(args, 'app-port', 1, 65535),
            statsPort: intOption(args, 'stats-port', 1, 65535),
            image: stringValue(args, 'image'),
            registry,
            baseImage: stringValue(args, 'base-image'),
            haproxyImage: stringValue(args, 'haproxy-image'),
            stackName: stringValue(args, 'stack'),
        });
        // ScaffoldInputError lists every problem in its message.
        const plan = planScaffold(input, templateReader(templatesDir()), existingFileReader(targetDir));
        const conflicting = conflicts(plan);
        if (conflicting.length > 0 && !args.values.force) {
            io.stderr.write(`These files exist in ${targetDir} with other content:\n${conflicting.map((f) => `  ${f}\n`).join('')}`);
            throw new Error('nothing was written; use --force to overwrite them');
        }
        const decisions = new Map<string, ScaffoldDecision>(conflicting.map((f) => [f, 'overwrite']));
        const result = await applyScaffold(plan, decisions, fileWriter(targetDir));
        for (const file of plan.files) {
            const verb = result.written.includes(file.relPath) ? (file.action === 'conflict' ? 'overwrote' : 'created') : 'identical';
            io.stdout.write(`${verb.padEnd(10)} ${path.join(targetDir, file.relPath)}\n`);
        }
        // With a registry the nodes pull the pushed image, pinned by digest; without, only this node has it.
        const compose = path.join(targetDir, 'docker-compose.yaml');
        io.stderr.write(
            `Next: swarm-stacks build -t ${input.image} ${targetDir}\n` +
                (registry
                    ? `      swarm-stacks push ${input.image}\n      swarm-stacks deploy -c ${compose} --with-registry-auth ${input.stackName ?? 'prod'}\n`
                    : `      swarm-stacks deploy -c ${compose} --resolve-image never ${input.stackName ?? 'prod'}\n`),
        );
        return 0;
    },
};

// ---------------------------------------------------------------------------------------------------------------

function buildEngine(args: ParsedArgs, io: CliIo): BuildEngine {
    const timeout = stringValue(args, 'timeout');
    const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds');
    // Loaded here so that `scaffold`, `probe` and `--help` never load the Docker client.
    const { connectDocker } = require('../docker/connect') as typeof import('../docker/connect');
    return connectDocker({ host: stringValue(args, 'host'), env: io.env, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 });
}

const build: Verb = {
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
            registryConfig: () => (require('../core/registry/node-io') as typeof import('../core/registry/node-io')).nodeBuildRegistryConfig(io.env),
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

// ---------------------------------------------------------------------------------------------------------------

const probeVerb: Verb = {
    options: {
        requests: { type: 'string', short: 'n' },
        concurrency: { type: 'string', short: 'c' },
        during: { type: 'string' },
        interval: { type: 'string' },
        'request-timeout': { type: 'string' },
    },
    async run(args, io) {
        if (args.positionals.length !== 1) throw new UsageError('"probe" requires exactly 1 argument: the URL');
        let url = args.positionals[0] as string;
        if (/^\d+$/.test(url)) url = `http://127.0.0.1:${url}/`;
        else if (!/^[a-z]+:\/\//i.test(url)) url = `http://${url}`;
        const timeoutMs = intOption(args, 'request-timeout', 1, 600_000) ?? 2000;
        const during = intOption(args, 'during', 1, 3600);
        if (during !== undefined) {
            const intervalMs = intOption(args, 'interval', 0, 60_000) ?? 100;
            const maxRequests = intOption(args, 'requests', 1, 100_000) ?? Math.min(100_000, Math.ceil((during * 1000) / Math.max(intervalMs, 1)) + 1);
            let n = 0;
            const report = await probeDuring(url, { intervalMs, maxRequests, maxDurationMs: during * 1000, timeoutMs, signal: io.signal }, () => {
                n++;
                if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${n} requests`);
            });
            if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
            const summary = summarize(report.results);
            io.stdout.write(`${renderTextTable(summary)}\n\n${renderBarChart(summary)}\n\n${renderVersionShift(report.shift)}\n`);
            if (report.shift.switchoverMs !== undefined) io.stdout.write(`v1 → v2 switchover at ${(report.shift.switchoverMs / 1000).toFixed(1)} s\n`);
            return summary.ok > 0 ? 0 : 1;
        }
        const count = intOption(args, 'requests', 1, 100_000) ?? 40;
        const concurrency = intOption(args, 'concurrency', 1, 256) ?? 1;
        let n = 0;
        const report = await probe(url, {
            count,
            concurrency,
            timeoutMs,
            signal: io.signal,
            onResult: () => {
                n++;
                if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${n}/${count}`);
            },
        });
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
        const summary = summarize(report.results);
        io.stdout.write(`${renderTextTable(summary)}\n\n${renderBarChart(summary)}\n`);
        if (report.stopped !== 'completed') io.stderr.write(`stopped early (${report.stopped}) after ${report.results.length} requests\n`);
        return summary.ok > 0 ? 0 : 1;
    },
};

addVerb('scaffold', scaffold);
addVerb('build', build);
addVerb('probe', probeVerb);
