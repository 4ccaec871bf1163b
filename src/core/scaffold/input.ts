/**
 * The few answers a person gives ("New Load-Balanced Project", `swarm-stacks scaffold`) completed into a full
 * ScaffoldInput with the variant's defaults. Shared by the editor command and the command line. Pure.
 */
import * as path from 'node:path';
import { ImageReferenceError, parseImageReference } from '../image-reference';
import { DEFAULT_SCAFFOLD_VALUES, validateAppName, type ScaffoldInput, type ScaffoldVariant } from './plan';

interface ScaffoldAnswers {
    variant?: ScaffoldVariant;
    targetDir: string;
    appName?: string;
    replicas?: number;
    /** The port HAProxy publishes on the node (where you `curl`). */
    publishedPort?: number;
    /** The port the app listens on inside its container (default 8080). */
    appPort?: number;
    statsPort?: number;
    /** The app image (default `<appName>:latest`, or `<registry>/<appName>:latest` with a registry). */
    image?: string;
    /**
     * Where the image is pushed so that every node can pull it: a registry host (`registry.example.com`,
     * `127.0.0.1:5000`), optionally with a path (`127.0.0.1:5000/team`, `docker.io/me`).
     */
    registry?: string;
    baseImage?: string;
    haproxyImage?: string;
    stackName?: string;
    slots?: number;
}

export const DEFAULT_REPLICAS = 5;
const DEFAULT_APP_PORT = 8080;

/** An app name from a folder name: `My Shop!` → `my-shop`; `app` when nothing usable is left. */
export function appNameFromFolder(folder: string): string {
    const name = path
        .basename(path.resolve(folder))
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^[^a-z]+/, '')
        .replace(/-+/g, '-')
        .replace(/-+$/, '')
        .slice(0, 40)
        .replace(/-+$/, '');
    return name !== '' && validateAppName(name) === undefined ? name : 'app';
}

export function completeScaffoldInput(answers: ScaffoldAnswers): ScaffoldInput {
    const variant = answers.variant ?? 'haproxy-dns';
    const defaults = DEFAULT_SCAFFOLD_VALUES[variant] ?? DEFAULT_SCAFFOLD_VALUES['haproxy-dns'];
    const appName = answers.appName ?? appNameFromFolder(answers.targetDir);
    const input: ScaffoldInput = {
        variant,
        targetDir: answers.targetDir,
        appName,
        replicas: answers.replicas ?? DEFAULT_REPLICAS,
        port: answers.appPort ?? DEFAULT_APP_PORT,
        publishedPort: answers.publishedPort ?? defaults.publishedPort,
        statsPort: answers.statsPort ?? defaults.statsPort,
        image: answers.image ?? imageInRegistry(answers.registry, appName),
        baseImage: answers.baseImage ?? defaults.baseImage,
        haproxyImage: answers.haproxyImage ?? defaults.haproxyImage,
    };
    if (answers.stackName !== undefined) input.stackName = answers.stackName;
    if (answers.slots !== undefined) input.slots = answers.slots;
    return input;
}

/** `<registry>/<appName>:latest`, or `<appName>:latest` without a registry. */
export function imageInRegistry(registry: string | undefined, appName: string): string {
    const prefix = normalizeRegistry(registry ?? '');
    return prefix ? `${prefix}/${appName}:latest` : `${appName}:latest`;
}

/** `https://127.0.0.1:5000/team/` → `127.0.0.1:5000/team`: what goes before the image name. */
function normalizeRegistry(registry: string): string {
    return registry.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

/**
 * A registry prefix the image grammar accepts (the project's one grammar, ../image-reference.ts), or why not.
 * A first part without `.` or `:` (and not `localhost`) is a Docker Hub namespace (`me` is `docker.io/me`),
 * which is accepted too.
 */
export function validateRegistry(registry: string): string | undefined {
    const prefix = normalizeRegistry(registry);
    if (prefix === '') return undefined;
    try {
        parseImageReference(`${prefix}/app:latest`);
        return undefined;
    } catch (error) {
        const why = error instanceof ImageReferenceError ? error.message : String(error);
        return `The registry "${registry}" cannot prefix an image name (${why}): use a host such as registry.example.com or 127.0.0.1:5000, optionally with a path.`;
    }
}

/** media/templates, searched upwards from `start` (dist/, out/src/cli/ or src/ of the extension). */
export function findTemplatesDir(start: string, exists: (dir: string) => boolean): string | undefined {
    let dir = path.resolve(start);
    for (let i = 0; i < 6; i++) {
        const candidate = path.join(dir, 'media', 'templates');
        if (exists(candidate)) return candidate;
        const parent = path.dirname(dir);
        if (parent === dir) break;
        dir = parent;
    }
    return undefined;
}
