/**
 * "New load-balanced project": which files to write, rendered from the templates in media/templates/<variant>/.
 * Pure: templates come from `readTemplate`, the current files from `existing`; nothing touches the disk here.
 */
import { stackNameProblem } from '../stack/names';

export type ScaffoldVariant = 'haproxy-dns' | 'blog-faithful';

export const SCAFFOLD_VARIANTS: readonly ScaffoldVariant[] = ['haproxy-dns', 'blog-faithful'];

/** The files of each variant, relative to the variant's template folder and to the target folder alike. */
/** Files both variants share: their templates live once, in `common/`. */
const SHARED_TEMPLATE_FILES: readonly string[] = ['index.js', 'package.json', 'Dockerfile', '.dockerignore'];

export const TEMPLATE_FILES: Readonly<Record<ScaffoldVariant, readonly string[]>> = {
    'haproxy-dns': ['index.js', 'package.json', 'Dockerfile', '.dockerignore', 'docker-compose.yaml', 'haproxy.cfg', 'README.md'],
    'blog-faithful': ['index.js', 'package.json', 'Dockerfile', '.dockerignore', 'docker-compose.yaml', 'README.md'],
};

export interface ScaffoldInput {
    variant: ScaffoldVariant;
    /** Where the project goes (only carried along; `existing` and the writer resolve paths against it). */
    targetDir: string;
    /** Compose service key of the app, also its DNS name on the stack's network. */
    appName: string;
    replicas: number;
    /** The port the app listens on inside its container. */
    port: number;
    /** The port HAProxy is reached on (host-mode published). */
    publishedPort: number;
    /** HAProxy's stats page port. */
    statsPort: number;
    /** The app image name, e.g. `myapp:latest`. */
    image: string;
    /** `FROM` of the Dockerfile, e.g. `node:20-alpine`. */
    baseImage: string;
    /** The proxy image, e.g. `haproxy:2.6` (haproxy-dns) or `dockercloud/haproxy` (blog-faithful). */
    haproxyImage: string;
    /** server-template slots; default max(replicas * 3, 10). Must be >= replicas. */
    slots?: number;
    /**
     * Stack name the README uses in its commands (default `prod`). When given, haproxy.cfg resolves
     * `tasks.<stack>_<app>`; otherwise `tasks.<app>` (the alias `docker stack deploy` gives every service on
     * the stack's own networks), which keeps working whatever the stack is called.
     */
    stackName?: string;
    /** `user:password` for the stats page; without it the stats page has no password (a commented line shows how). */
    statsAuth?: string;
    /** Tasks replaced at a time by a rolling update; default min(5, max(1, floor(replicas / 4))). */
    updateParallelism?: number;
}

type ScaffoldAction = 'create' | 'skip-identical' | 'conflict';

interface ScaffoldFile {
    relPath: string;
    content: string;
    action: ScaffoldAction;
}

export interface ScaffoldPlan {
    variant: ScaffoldVariant;
    targetDir: string;
    files: ScaffoldFile[];
    /** The values the templates were rendered with. */
    values: Readonly<Record<string, string>>;
}

export type ScaffoldDecision = 'overwrite' | 'skip';

export interface ScaffoldApplyResult {
    written: string[];
    skipped: { relPath: string; reason: 'identical' | 'kept-existing' | 'declined' }[];
}

/** Thrown by planScaffold when the input is invalid; `problems` lists every problem, one sentence each. */
export class ScaffoldInputError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid project settings: ${problems.join(' ')}`);
        this.name = 'ScaffoldInputError';
    }
}

export const DEFAULT_SCAFFOLD_VALUES = {
    'haproxy-dns': { baseImage: 'node:20-alpine', haproxyImage: 'haproxy:2.6', publishedPort: 80, statsPort: 8404 },
    'blog-faithful': { baseImage: 'node:20-alpine', haproxyImage: 'dockercloud/haproxy', publishedPort: 80, statsPort: 1936 },
} as const;

const DEFAULT_STACK_NAME = 'prod';
/** Swarm limits service names (`<stack>_<service>`) to 63 characters. */
const MAX_SERVICE_NAME = 63;
const MAX_REPLICAS = 10000;

function defaultSlots(replicas: number): number {
    return Math.max(replicas * 3, 10);
}

function defaultUpdateParallelism(replicas: number): number {
    return Math.min(5, Math.max(1, Math.floor(replicas / 4)));
}

/** Validation of a compose service key that is also used as a DNS label. Returns a message, or undefined when valid. */
export function validateAppName(name: string): string | undefined {
    if (name.length === 0) return 'The app name is empty.';
    if (name.length > 63) return `The app name "${name}" is longer than 63 characters.`;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
        return `The app name "${name}" must start with a lowercase letter and contain only lowercase letters, digits and "-" (it is a compose service name and a DNS name).`;
    }
    if (name.endsWith('-')) return `The app name "${name}" must not end with "-".`;
    if (name === 'proxy') return 'The app name "proxy" is taken by the HAProxy service; choose another one.';
    return undefined;
}


function validatePort(value: number, label: string): string | undefined {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        return `The ${label} must be a whole number from 1 to 65535 (got ${String(value)}).`;
    }
    return undefined;
}

/** A plausible image reference: `[registry[:port]/]path[:tag][@digest]`, lowercase path. */
export function validateImageName(value: string, label: string): string | undefined {
    if (value.trim() === '') return `The ${label} is empty.`;
    if (/\s/.test(value)) return `The ${label} "${value}" contains white space.`;
    const re =
        /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+:[a-fA-F0-9]{32,})?$/;
    if (!re.test(value)) {
        return `The ${label} "${value}" is not a valid image name (lowercase repository, optional ":tag").`;
    }
    return undefined;
}

/** Every problem of the input, as sentences; empty when valid. */
export function validateScaffoldInput(input: ScaffoldInput): string[] {
    const problems: string[] = [];
    const push = (p: string | undefined): void => {
        if (p !== undefined) problems.push(p);
    };
    if (!SCAFFOLD_VARIANTS.includes(input.variant)) {
        problems.push(`Unknown project variant "${String(input.variant)}" (expected ${SCAFFOLD_VARIANTS.join(' or ')}).`);
    }
    if (typeof input.targetDir !== 'string' || input.targetDir.trim() === '') problems.push('The target folder is empty.');
    push(validateAppName(input.appName));
    if (!Number.isInteger(input.replicas) || input.replicas < 1 || input.replicas > MAX_REPLICAS) {
        problems.push(`Replicas must be a whole number from 1 to ${MAX_REPLICAS} (got ${String(input.replicas)}).`);
    }
    push(validatePort(input.port, 'app port'));
    push(validatePort(input.publishedPort, 'published port'));
    push(validatePort(input.statsPort, 'stats port'));
    if (input.publishedPort === input.statsPort) {
        problems.push(`The published port and the stats port are both ${input.publishedPort}; they must differ.`);
    }
    push(validateImageName(input.image, 'app image'));
    push(validateImageName(input.baseImage, 'base image'));
    push(validateImageName(input.haproxyImage, 'HAProxy image'));
    if (input.slots !== undefined) {
        if (!Number.isInteger(input.slots) || input.slots < 1 || input.slots > MAX_REPLICAS) {
            problems.push(`Server slots must be a whole number from 1 to ${MAX_REPLICAS} (got ${String(input.slots)}).`);
        } else if (Number.isInteger(input.replicas) && input.slots < input.replicas) {
            problems.push(
                `Server slots (${input.slots}) must be at least the replicas (${input.replicas}): HAProxy would not reach the other tasks.`,
            );
        }
    }
    if (input.stackName !== undefined) {
        push(stackNameProblem(input.stackName, true));
        const full = `${input.stackName}_${input.appName}`;
        if (full.length > MAX_SERVICE_NAME) {
            problems.push(`The service name "${full}" would be longer than ${MAX_SERVICE_NAME} characters.`);
        }
    }
    if (input.statsAuth !== undefined && !/^[^\s:]+:\S+$/.test(input.statsAuth)) {
        problems.push('The stats credentials must look like "user:password" (no spaces).');
    }
    if (input.updateParallelism !== undefined && (!Number.isInteger(input.updateParallelism) || input.updateParallelism < 0)) {
        problems.push(`Update parallelism must be a whole number >= 0 (got ${String(input.updateParallelism)}).`);
    }
    return problems;
}

/** The image name without its tag or digest: `registry:5000/app:1.0` → `registry:5000/app`. */
export function imageRepository(image: string): string {
    const noDigest = image.split('@')[0] ?? image;
    const slash = noDigest.lastIndexOf('/');
    const colon = noDigest.lastIndexOf(':');
    return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The placeholder values for a valid input. */
function scaffoldValues(input: ScaffoldInput): Record<string, string> {
    const slots = input.slots ?? defaultSlots(input.replicas);
    const stack = input.stackName ?? DEFAULT_STACK_NAME;
    return {
        appName: input.appName,
        image: input.image,
        imageRepo: imageRepository(input.image),
        baseImage: input.baseImage,
        haproxyImage: input.haproxyImage,
        replicas: String(input.replicas),
        port: String(input.port),
        publishedPort: String(input.publishedPort),
        statsPort: String(input.statsPort),
        slots: String(slots),
        stack,
        stackService: input.stackName !== undefined ? `${input.stackName}_${input.appName}` : input.appName,
        updateParallelism: String(input.updateParallelism ?? defaultUpdateParallelism(input.replicas)),
        statsAuthLine:
            input.statsAuth !== undefined
                ? `stats auth ${input.statsAuth}`
                : '# stats auth admin:CHANGE-ME    # uncomment to require a password for the stats page',
    };
}

/**
 * Replaces every `{{name}}`. Throws when the template names a placeholder that has no value, so a rendered file
 * never keeps a `{{`.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, templateName = 'template'): string {
    const missing = new Set<string>();
    const out = template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (whole, key: string) => {
        const v = values[key];
        if (v === undefined) {
            missing.add(key);
            return whole;
        }
        return v;
    });
    if (missing.size > 0) {
        throw new Error(`${templateName}: no value for ${[...missing].map((k) => `{{${k}}}`).join(', ')}`);
    }
    if (out.includes('{{')) throw new Error(`${templateName}: malformed placeholder left after rendering`);
    return out;
}

function sameText(a: string, b: string): boolean {
    return a === b || a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}

/**
 * Plans the project: renders each template and compares it with the file already there.
 * @param readTemplate returns the text of `<variant>/<file>` (e.g. `haproxy-dns/haproxy.cfg`) or `common/<file>`
 * @param existing returns the current content of a file relative to the target folder, or undefined when absent
 * @throws ScaffoldInputError when the input is invalid
 */
export function planScaffold(
    input: ScaffoldInput,
    readTemplate: (name: string) => string,
    existing: (relPath: string) => string | undefined,
): ScaffoldPlan {
    const problems = validateScaffoldInput(input);
    if (problems.length > 0) throw new ScaffoldInputError(problems);
    const values = scaffoldValues(input);
    const files: ScaffoldFile[] = TEMPLATE_FILES[input.variant].map((relPath) => {
        const name = SHARED_TEMPLATE_FILES.includes(relPath) ? `common/${relPath}` : `${input.variant}/${relPath}`;
        const content = renderTemplate(readTemplate(name), values, name);
        const current = existing(relPath);
        const action: ScaffoldAction =
            current === undefined ? 'create' : sameText(current, content) ? 'skip-identical' : 'conflict';
        return { relPath, content, action };
    });
    return { variant: input.variant, targetDir: input.targetDir, files, values };
}

/** The files that need a decision from the user before applyScaffold may replace them. */
export function conflicts(plan: ScaffoldPlan): string[] {
    return plan.files.filter((f) => f.action === 'conflict').map((f) => f.relPath);
}

/**
 * Writes the plan. A conflicting file is written only with an explicit 'overwrite' decision; a new file is written
 * unless its decision is 'skip'; identical files are never rewritten. Writes run one after the other, in plan order.
 */
export async function applyScaffold(
    plan: ScaffoldPlan,
    decisions: ReadonlyMap<string, ScaffoldDecision>,
    writeFile: (relPath: string, content: string) => void | Promise<void>,
): Promise<ScaffoldApplyResult> {
    const result: ScaffoldApplyResult = { written: [], skipped: [] };
    for (const file of plan.files) {
        const decision = decisions.get(file.relPath);
        if (file.action === 'skip-identical') {
            result.skipped.push({ relPath: file.relPath, reason: 'identical' });
        } else if (file.action === 'conflict' && decision !== 'overwrite') {
            result.skipped.push({ relPath: file.relPath, reason: 'kept-existing' });
        } else if (file.action === 'create' && decision === 'skip') {
            result.skipped.push({ relPath: file.relPath, reason: 'declined' });
        } else {
            await writeFile(file.relPath, file.content);
            result.written.push(file.relPath);
        }
    }
    return result;
}
