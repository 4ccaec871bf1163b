import * as fs from 'fs';
import * as path from 'path';
import { applyScaffold, conflicts, planScaffold, SCAFFOLD_VARIANTS, type ScaffoldDecision, type ScaffoldVariant } from '../../core/scaffold/plan';
import { completeScaffoldInput, findTemplatesDir, validateRegistry } from '../../core/scaffold/input';
import { existingFileReader, fileWriter, templateReader } from '../../core/scaffold/node-fs';
import { intOption, oneDir, stringValue } from '../arguments';
import { UsageError, type Verb } from '../verb';

function templatesDir(): string {
    const dir = findTemplatesDir(__dirname, (d) => fs.existsSync(d));
    if (!dir) throw new Error(`The project templates (media/templates) were not found near ${__dirname}.`);
    return dir;
}

export const scaffold: Verb = {
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
