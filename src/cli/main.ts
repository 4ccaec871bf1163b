import { readBoundedFile } from '../core/bounded-file';
import { parseArgs, type ParseArgsConfig } from 'util';
import { programHelp, verbHelp } from './usage';
import { version } from '../../package.json';
import { formatDiagnostic, sortDiagnostics } from '../core/diagnostics';
import { CancelledError, isCancellation } from '../core/cancellation';
import type * as LintModule from '../core/stack/lint';
import type * as DeployModule from '../core/stack/deploy';
import type * as PlanModule from '../core/stack/plan';
import type { ResolveImageMode } from '../core/stack/plan';
import type * as HistoryModule from '../core/stack/history';
import type * as RotationModule from '../core/stack/rotation';
import type * as VerifiedUpdateModule from '../core/stack/verified-update';
import { describeOutcome, waitForService, type ConvergenceProgress } from '../core/stack/converge';
import { removeStack } from '../core/stack/remove';
import { parseScaleArgument, restartService, rollbackService, scaleService, updateServiceImage } from '../core/stack/verbs';
import { PS_HEADER, SERVICES_HEADER, STACK_HEADER, pendingTaskNotes, renderTable, serviceRows, stackRows, taskRows } from '../core/stack/tables';
import { NAMESPACE_LABEL, stackLabelFilter, stackNameProblem, validateStackName } from '../core/stack/names';
import { printableStack } from '../core/compose/printable';
import { nodeFingerprintKey } from '../core/stack/fingerprint-key-node';
import type { StackEngine } from '../core/stack/engine';
import type { RegistryAuthSource } from '../core/registry/credentials';

export interface CliIo {
    stdout: NodeJS.WritableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
    env: NodeJS.ProcessEnv;
    /** Builds the engine client; injected so tests can point it elsewhere. */
    connect?(options: EngineOptions): StackEngine;
    /** Registry credentials; by default those of the Docker CLI configuration of `env`. */
    registryAuth?: RegistryAuthSource;
    signal?: AbortSignal;
}

/** Where the engine is: `--host`, else DOCKER_HOST, DOCKER_CONTEXT… of `env` (the invocation's, not the process's). */
export interface EngineOptions {
    host?: string;
    env: NodeJS.ProcessEnv;
    timeoutMs?: number;
}

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** A failure whose details were already printed (diagnostics): exit 1 with this one-line reason. */
class ReportedFailure extends Error {}

type Options = ParseArgsConfig['options'];

const COMMON: NonNullable<Options> = {
    help: { type: 'boolean', short: 'h' },
    host: { type: 'string', short: 'H' },
    timeout: { type: 'string' },
};

interface Verb {
    options: NonNullable<Options>;
    run(args: ParsedArgs, io: CliIo): Promise<number>;
}

interface ParsedArgs {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
}

// The compose loader (yaml, the schema validators, the conversion), the deploy, history and rotation code (crypto,
// zlib) and the probes are loaded before any verb but the light ones below runs, so that `ls`, `services` and `ps`
// start about as fast as Node itself (bench/startup.ts). The bindings keep the names the verbs use; a light verb
// must use none of them.
const LIGHT_VERBS = new Set(['ls', 'services', 'ps']);
let lintCompose: typeof LintModule.lintCompose;
let applyDeploy: typeof DeployModule.applyDeploy;
let prepareDeploy: typeof DeployModule.prepareDeploy;
let deployReadsAhead: typeof DeployModule.deployReadsAhead;
let touchedServices: typeof DeployModule.touchedServices;
let describePlan: typeof PlanModule.describePlan;
let planIsEmpty: typeof PlanModule.planIsEmpty;
let RESOLVE_IMAGE_MODES: typeof PlanModule.RESOLVE_IMAGE_MODES;
let composeContentHash: typeof HistoryModule.composeContentHash;
let deployedByHere: typeof HistoryModule.deployedByHere;
let removeUnusedVersions: typeof RotationModule.removeUnusedVersions;
let rotationRequested: typeof RotationModule.rotationRequested;
let describeVerifiedUpdate: typeof VerifiedUpdateModule.describeVerifiedUpdate;
let verifiedImageUpdate: typeof VerifiedUpdateModule.verifiedImageUpdate;

async function loadStackCode(verb: string): Promise<void> {
    // `lint` and `convert` need only the compose loader.
    if (verb === 'lint' || verb === 'convert') {
        ({ lintCompose } = await import('../core/stack/lint'));
        return;
    }
    const [lint, deploy, plan, history, rotation, verifiedUpdate] = await Promise.all([
        import('../core/stack/lint'),
        import('../core/stack/deploy'),
        import('../core/stack/plan'),
        import('../core/stack/history'),
        import('../core/stack/rotation'),
        import('../core/stack/verified-update'),
    ]);
    ({ lintCompose } = lint);
    ({ applyDeploy, prepareDeploy, deployReadsAhead, touchedServices } = deploy);
    ({ describePlan, planIsEmpty, RESOLVE_IMAGE_MODES } = plan);
    ({ composeContentHash, deployedByHere } = history);
    ({ removeUnusedVersions, rotationRequested } = rotation);
    ({ describeVerifiedUpdate, verifiedImageUpdate } = verifiedUpdate);
}

/** Whether `name` is one of the stack verbs of this module (the others register through `addVerb`). */
export function isStackVerb(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(VERBS, name);
}

/** Runs one invocation of the command line and returns its exit status. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
    const [first, ...rest] = args;
    if (first === undefined) {
        io.stderr.write(programHelp);
        return 2;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
        io.stdout.write(programHelp);
        return 0;
    }
    if (first === '--version' || first === '-v') {
        io.stdout.write(`swarm-stacks ${version}\n`);
        return 0;
    }
    const verb = VERBS[first];
    if (!verb) {
        io.stderr.write(`swarm-stacks: unknown command "${first}". See 'swarm-stacks --help'.\n`);
        return 2;
    }
    let parsed: ParsedArgs;
    try {
        parsed = parseArgs({ args: rest, options: { ...COMMON, ...verb.options }, allowPositionals: true, strict: true }) as ParsedArgs;
    } catch (error) {
        io.stderr.write(`swarm-stacks ${first}: ${error instanceof Error ? error.message : String(error)}\nSee 'swarm-stacks ${first} --help'.\n`);
        return 2;
    }
    if (parsed.values.help) {
        io.stdout.write(verbHelp[first] ?? programHelp);
        return 0;
    }
    try {
        if (!LIGHT_VERBS.has(first)) await loadStackCode(first);
        return await verb.run(parsed, io);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr.write(`swarm-stacks ${first}: ${error.message}\nSee 'swarm-stacks ${first} --help'.\n`);
            return 2;
        }
        if (isCancellation(error)) {
            io.stderr.write('swarm-stacks: cancelled\n');
            return 130;
        }
        const message = error instanceof Error ? error.message : String(error);
        io.stderr.write(`${error instanceof ReportedFailure ? '' : 'swarm-stacks: '}${message}\n`);
        return 1;
    }
}

export function engineFor(args: ParsedArgs, io: CliIo): StackEngine {
    const timeoutSeconds = args.values.timeout === undefined ? undefined : Number(args.values.timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds');
    const connect = io.connect ?? defaultConnect;
    return connect({ host: args.values.host as string | undefined, env: io.env, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 });
}

/** The engine, or undefined when the endpoint cannot be set up (engineFor reports why where the verb needs it). */
function engineIfAny(args: ParsedArgs, io: CliIo): StackEngine | undefined {
    try {
        return engineFor(args, io);
    } catch {
        return undefined;
    }
}

/** Sends the reads `send` makes ahead (StackEngine.readAhead), and returns once their requests are on their way. */
async function readAhead(engine: StackEngine, send: (engine: StackEngine) => Promise<unknown>[]): Promise<void> {
    if (!engine.readAhead) return;
    engine.readAhead(send);
    // Two turns of the event loop: the connection is made in the first, the requests written in the second; the
    // verb's own work, synchronous, would otherwise hold them back.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function defaultConnect(options: EngineOptions): StackEngine {
    // Loaded here so that `lint`, `convert` and `--help` never load the Docker client.
    const { connectDocker } = require('../docker/connect') as typeof import('../docker/connect');
    return connectDocker(options);
}

/** The registry credentials the Docker CLI of this environment would use. */
function registryAuthOf(io: CliIo): RegistryAuthSource {
    if (io.registryAuth) return io.registryAuth;
    // Loaded here so that `lint`, `convert` and `--help` never read credentials code.
    const { nodeRegistryAuthSource } = require('../core/registry/node-io') as typeof import('../core/registry/node-io');
    io.registryAuth = nodeRegistryAuthSource(io.env);
    return io.registryAuth;
}

function oneStack(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the stack name`);
    return stackNameArgument(args.positionals[0]);
}

/** A stack name from the command line, checked before any request (core/stack/names.ts holds the rule). */
function stackNameArgument(name: string): string {
    const problem = stackNameProblem(name);
    if (problem !== undefined) throw new UsageError(problem);
    return validateStackName(name);
}

function composeFiles(args: ParsedArgs): string[] {
    const files = ((args.values['compose-file'] as string[] | undefined) ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
    if (!files.length) throw new UsageError('specify a Compose file (with --compose-file)');
    return files;
}

function waitTimeoutMs(args: ParsedArgs): number {
    const raw = args.values['wait-timeout'] as string | undefined;
    if (raw === undefined) return 10 * 60_000;
    const seconds = Number(raw);
    if (!(seconds > 0)) throw new UsageError('--wait-timeout takes a number of seconds');
    return seconds * 1000;
}

/**
 * Progress on stderr: the running line for a person watching a terminal; elsewhere (a CI log) only the failures the
 * engine retries, one line per service and error when it first appears, so that a long wait says what it waits out.
 */
function progressPrinter(io: CliIo): (p: ConvergenceProgress) => void {
    if (!io.stderr.isTTY) {
        const said = new Set<string>();
        return (p) => {
            // The error without its "(N tasks)" count, which grows with every retry.
            const error = p.retrying?.[0]?.replace(/ \(\d+ tasks\)$/, '');
            if (error === undefined || said.has(`${p.serviceId} ${error}`)) return;
            said.add(`${p.serviceId} ${error}`);
            io.stderr.write(`${p.serviceName}: ${p.running}/${p.desired} running; the engine retries: ${error}\n`);
        };
    }
    return (p) =>
        io.stderr.write(
            `\r\x1b[K${p.serviceName}: ${p.running}/${p.desired} running${p.updateState ? ` · ${p.updateState}` : ''}${p.retrying?.length ? ` · the engine retries: ${p.retrying[0]}` : ''}` +
                `${p.pullRejected?.length ? ` · ${p.pullRejected.join('; ')}` : ''}`,
        );
}

export async function waitAll(engine: StackEngine, serviceIds: string[], args: ParsedArgs, io: CliIo, expectRollback = false): Promise<void> {
    const onProgress = progressPrinter(io);
    const failures: string[] = [];
    for (const id of serviceIds) {
        const outcome = await waitForService(engine, id, { timeoutMs: waitTimeoutMs(args), signal: io.signal, onProgress, expectRollback });
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
        // Running only on the nodes that hold the image is not what the file declares: a failure of the wait.
        if (outcome.kind === 'converged' && !outcome.progress.pullRejected?.length) {
            io.stderr.write(`${describeOutcome(outcome)}\n`);
        } else {
            failures.push(describeOutcome(outcome));
        }
    }
    if (failures.length) throw new Error(failures.join('\n'));
}

function printDiagnostics(io: CliIo, diagnostics: Parameters<typeof sortDiagnostics>[0]): void {
    for (const d of sortDiagnostics(diagnostics)) io.stderr.write(`${formatDiagnostic(d)}\n`);
}

/**
 * The options that decide a deploy's plan: `deploy` and `diff` take them all, so that `diff` shows exactly what
 * `deploy` with the same options would do.
 */
export const PLAN_OPTIONS: NonNullable<Options> = {
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
): { files: string[]; loaded: ReturnType<typeof lintCompose>; specs: NonNullable<ReturnType<typeof lintCompose>['specs']>; options: Omit<DeployModule.DeployOptions, 'history'> } {
    const files = composeFiles(args);
    const mode = (args.values['resolve-image'] as string | undefined) ?? 'always';
    const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
    printDiagnostics(io, loaded.diagnostics);
    if (loaded.load.dotEnvFile) io.stderr.write(`Read variables from ${loaded.load.dotEnvFile} (the environment wins; --no-dotenv turns this off)\n`);
    if (!loaded.specs) {
        const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
        throw new ReportedFailure(`swarm-stacks: ${errors} error${errors === 1 ? '' : 's'} in the compose file${files.length > 1 ? 's' : ''}; nothing was deployed`);
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

const deploy: Verb = {
    options: {
        ...PLAN_OPTIONS,
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean' },
        'wait-timeout': { type: 'string' },
        'history-limit': { type: 'string' },
    },
    async run(args, io) {
        const stack = oneStack(args, 'deploy');
        composeFiles(args);
        // The engine answers the reads that do not depend on the compose file while the file is read and validated.
        const early = engineIfAny(args, io);
        if (early) await readAhead(early, (engine) => deployReadsAhead(engine, stack, { signal: io.signal }));
        const { files, specs, options: planOptions } = planInputOf(args, io, stack);
        const engine = early ?? engineFor(args, io);
        const options = {
            ...planOptions,
            onProgress: (line: string) => io.stdout.write(`${line}\n`),
            history: { limit: historyLimit(args), version, deployedBy: deployedByHere(io.env), composeHash: composeContentHash(files.map((f) => readBoundedFile(f))) },
        };
        const plan = await prepareDeploy(engine, specs, stack, options);
        if (plan.problems.length) {
            throw new Error(`${plan.problems.join('\n')}\nNothing was deployed.`);
        }
        if (args.values['dry-run']) {
            for (const line of describePlan(plan)) io.stdout.write(`${line}\n`);
            for (const warning of plan.warnings) io.stderr.write(warning);
            return 0;
        }
        if (planIsEmpty(plan)) {
            for (const warning of plan.warnings) io.stderr.write(warning);
            io.stdout.write(`Stack ${stack} is up to date: nothing to change.\n`);
            return 0;
        }
        const result = await applyDeploy(engine, plan, options);
        for (const warning of result.warnings) io.stderr.write(warning.endsWith('\n') ? warning : `${warning}\n`);
        // A rotation waits for the services in any case: the old versions go only once nothing runs them.
        const rotated = plan.rotation?.some((o) => o.rotated) ?? false;
        if (args.values.wait || rotated) await waitAll(engine, touchedServices(result), args, io);
        if (plan.rotation) {
            const cleanup = await removeUnusedVersions(engine, stack, plan.rotation, { signal: io.signal });
            for (const name of cleanup.removed) io.stdout.write(`Removing old version ${name}\n`);
            for (const kept of cleanup.kept) io.stderr.write(`Kept old version ${kept}\n`);
        }
        return 0;
    },
};

const rm: Verb = {
    options: { wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' } },
    async run(args, io) {
        if (args.positionals.length < 1) throw new UsageError('"rm" requires at least 1 argument: the stack name');
        const stacks = args.positionals.map(stackNameArgument);
        const engine = engineFor(args, io);
        const errors: string[] = [];
        for (const stack of stacks) {
            const result = await removeStack(engine, stack, {
                wait: Boolean(args.values.wait),
                waitTimeoutMs: waitTimeoutMs(args),
                signal: io.signal,
                onProgress: (line) => io.stdout.write(`${line}\n`),
            });
            if (result.nothingFound) io.stderr.write(`Nothing found in stack: ${stack}\n`);
            for (const failure of result.failures) io.stderr.write(`${failure}\n`);
            if (result.failures.length) errors.push(`failed to remove some resources from stack: ${stack}`);
            if (result.waited === 'cancelled') {
                io.stderr.write(`Stopped waiting: everything of stack ${stack} was removed; the engine goes on stopping its tasks\n`);
                throw new CancelledError();
            }
        }
        if (errors.length) throw new Error(errors.join('\n'));
        return 0;
    },
};

const ls: Verb = {
    options: {},
    async run(args, io) {
        if (args.positionals.length) throw new UsageError('"ls" accepts no arguments');
        const services = await engineFor(args, io).listServices({ label: [NAMESPACE_LABEL] }, {}, { signal: io.signal });
        io.stdout.write(renderTable(STACK_HEADER, stackRows(services)));
        return 0;
    },
};

const services: Verb = {
    options: { quiet: { type: 'boolean', short: 'q' } },
    async run(args, io) {
        const stack = oneStack(args, 'services');
        const list = await engineFor(args, io).listServices(stackLabelFilter(stack), { status: !args.values.quiet }, { signal: io.signal });
        if (!list.length) {
            io.stderr.write(`Nothing found in stack: ${stack}\n`);
            return 0;
        }
        const rows = serviceRows(list);
        io.stdout.write(args.values.quiet ? rows.map((r) => `${r[0]}\n`).join('') : renderTable(SERVICES_HEADER, rows));
        return 0;
    },
};

const ps: Verb = {
    options: { quiet: { type: 'boolean', short: 'q' } },
    async run(args, io) {
        const stack = oneStack(args, 'ps');
        const engine = engineFor(args, io);
        const [tasks, list, nodes] = await Promise.all([
            engine.listTasks(stackLabelFilter(stack), { signal: io.signal }),
            engine.listServices(stackLabelFilter(stack), {}, { signal: io.signal }),
            engine.listNodes(undefined, { signal: io.signal }),
        ]);
        if (!tasks.length) throw new Error(`nothing found in stack: ${stack}`);
        const rows = taskRows(tasks, list, nodes);
        io.stdout.write(args.values.quiet ? rows.map((r) => `${r[0]}\n`).join('') : renderTable(PS_HEADER, rows));
        // The table keeps the CLI's columns; why each pending task waits follows in full on stderr.
        if (!args.values.quiet) for (const note of pendingTaskNotes(tasks, list, nodes)) io.stderr.write(`${note}\n`);
        return 0;
    },
};

const detachOptions: NonNullable<Options> = { detach: { type: 'boolean', short: 'd' }, 'wait-timeout': { type: 'string' } };

function oneService(args: ParsedArgs, verb: string): string {
    if (args.positionals.length !== 1) throw new UsageError(`"${verb}" requires exactly 1 argument: the service`);
    return args.positionals[0];
}

const update: Verb = {
    options: { image: { type: 'string' }, 'with-registry-auth': { type: 'boolean' }, verify: { type: 'string' }, 'verify-interval': { type: 'string' }, ...detachOptions },
    async run(args, io) {
        const service = oneService(args, 'update');
        const image = args.values.image as string | undefined;
        if (!image) throw new UsageError('--image is required');
        const verifyUrl = args.values.verify as string | undefined;
        if (verifyUrl !== undefined) checkVerifyArguments(args, verifyUrl);
        const engine = engineFor(args, io);
        // cli/command/service/update.go: the credentials of the new image's registry, only with the flag.
        const authHeader = args.values['with-registry-auth'] ? await registryAuthOf(io).authHeaderFor(image) : undefined;
        if (verifyUrl !== undefined) {
            const report = await verifiedImageUpdate(engine, service, image, {
                url: verifyUrl,
                intervalMs: Number(args.values['verify-interval'] ?? 100),
                waitTimeoutMs: waitTimeoutMs(args),
                signal: io.signal,
                onProgress: progressPrinter(io),
                ...(authHeader ? { authHeader } : {}),
            });
            if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
            for (const warning of report.warnings) io.stderr.write(`${warning}\n`);
            for (const line of describeVerifiedUpdate(report)) io.stdout.write(`${line}\n`);
            return report.passed ? 0 : 1;
        }
        const result = await updateServiceImage(engine, service, image, { signal: io.signal, ...(authHeader ? { authHeader } : {}) });
        io.stdout.write(`${service}\n`);
        for (const warning of result.warnings) io.stderr.write(`${warning}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io);
        return 0;
    },
};

function checkVerifyArguments(args: ParsedArgs, url: string): void {
    if (args.values.detach) throw new UsageError('--verify watches the update: it cannot go with --detach');
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new UsageError(`--verify takes an http:// URL (got ${url})`);
    }
    if (parsed.protocol !== 'http:') throw new UsageError(`--verify takes an http:// URL (got ${url})`);
    const interval = Number(args.values['verify-interval'] ?? 100);
    if (!(interval >= 10 && interval <= 10_000)) throw new UsageError('--verify-interval takes 10 to 10000 milliseconds');
}

const scale: Verb = {
    options: detachOptions,
    async run(args, io) {
        if (!args.positionals.length) throw new UsageError('"scale" requires at least 1 argument: SERVICE=REPLICAS');
        let requests;
        try {
            requests = args.positionals.map(parseScaleArgument);
        } catch (error) {
            throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        const engine = engineFor(args, io);
        const errors: string[] = [];
        const ids: string[] = [];
        for (const request of requests) {
            try {
                const result = await scaleService(engine, request.service, request.replicas, { signal: io.signal });
                ids.push(result.service.ID);
                io.stdout.write(`${request.service} scaled to ${request.replicas}\n`);
            } catch (error) {
                if (isCancellation(error)) throw error;
                errors.push(`${request.service}: ${error instanceof Error ? error.message : String(error)}`);
            }
        }
        if (!args.values.detach && ids.length) await waitAll(engine, ids, args, io);
        if (errors.length) throw new Error(errors.join('\n'));
        return 0;
    },
};

const rollback: Verb = {
    options: { ...detachOptions, to: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'history-limit': { type: 'string' } },
    async run(args, io) {
        // `rollback --to N STACK` rolls the whole stack back to a recorded revision (cli/history-verbs.ts).
        if (args.values.to !== undefined) return (await import('./history-verbs')).rollbackStack(args, io);
        if (args.values['dry-run'] || args.values['history-limit'] !== undefined) throw new UsageError('--dry-run and --history-limit go with --to N STACK');
        const service = oneService(args, 'rollback');
        const engine = engineFor(args, io);
        const result = await rollbackService(engine, service, { signal: io.signal });
        io.stdout.write(`${service}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io, true);
        return 0;
    },
};

const restart: Verb = {
    options: detachOptions,
    async run(args, io) {
        const service = oneService(args, 'restart');
        const engine = engineFor(args, io);
        const result = await restartService(engine, service, { signal: io.signal });
        io.stdout.write(`${service}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io);
        return 0;
    },
};

const convert: Verb = {
    options: { 'compose-file': { type: 'string', short: 'c', multiple: true }, 'no-dotenv': { type: 'boolean' } },
    async run(args, io) {
        const stack = oneStack(args, 'convert');
        const files = composeFiles(args);
        const loaded = lintCompose(files, { stackName: stack, env: io.env, dotEnv: !args.values['no-dotenv'] });
        printDiagnostics(io, loaded.diagnostics);
        if (!loaded.specs) throw new ReportedFailure('swarm-stacks: the compose file has errors');
        // Never a secret's content: its file instead (core/compose/printable.ts).
        io.stdout.write(`${JSON.stringify(printableStack(loaded.specs), null, 2)}\n`);
        return 0;
    },
};

const lint: Verb = {
    options: { 'compose-file': { type: 'string', short: 'c', multiple: true }, 'no-dotenv': { type: 'boolean' } },
    async run(args, io) {
        const files = [...((args.values['compose-file'] as string[] | undefined) ?? []), ...args.positionals].flatMap((f) => f.split(',')).filter(Boolean);
        if (!files.length) throw new UsageError('specify a Compose file (with --compose-file)');
        // The editor's Problems panel shows the same list (src/vscode/diagnostics); deploy and convert print it too.
        const { diagnostics } = lintCompose(files, { env: io.env, dotEnv: !args.values['no-dotenv'] });
        for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
        return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    },
};

const VERBS: Record<string, Verb> = { deploy, rm, ls, services, ps, update, scale, rollback, restart, convert, lint };

/** `--history-limit N` of deploy and rollback: the revisions kept (undefined: the default, 10). */
export function historyLimit(args: ParsedArgs): number | undefined {
    const raw = args.values['history-limit'] as string | undefined;
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new UsageError('--history-limit takes a number of revisions from 1 to 1000');
    return Number(raw);
}

/** Verbs other modules add (scaffold, build, probe), keeping this file about the stack verbs. */
export function addVerb(name: string, verb: Verb): void {
    VERBS[name] = verb;
}

export type { Verb, ParsedArgs };
