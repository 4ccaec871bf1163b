/**
 * Which tag a build of a folder gets by default: the image a compose file next to it gives the app service, else
 * `<folder>:latest`; and the `:v2`-style next tag. Pure except `composeImageNear`, which reads the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { imageRepository } from '../scaffold/plan';

/** The compose file names `docker compose` looks for, in its order. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** Images of proxies and other services one does not build from the app's folder. */
const NOT_THE_APP = /(^|\/)(haproxy|nginx|traefik|envoy|caddy|redis|postgres|mysql|mariadb|mongo)(:|@|$)/;

/** `My App_1` → `my-app_1:latest`: a valid image name from a folder name. */
export function imageNameFromFolder(folderName: string): string {
    let name = folderName
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '')
        .replace(/[^a-z0-9]+$/, '')
        .replace(/[._-]{2,}/g, '-');
    if (name === '') name = 'app';
    return `${name.slice(0, 100)}:latest`;
}

interface ComposeServiceShape {
    image?: unknown;
    build?: unknown;
}

/**
 * The app image of a compose document for a build of `dir` (the compose file's folder is `composeDir`): a service
 * whose `build` is that folder first, else the first service whose image is not a proxy or database.
 */
export function appImageOfCompose(composeText: string, composeDir: string, dir: string): string | undefined {
    let doc: unknown;
    try {
        doc = parse(composeText);
    } catch {
        return undefined;
    }
    const services = (doc as { services?: Record<string, ComposeServiceShape | null> } | null)?.services;
    if (!services || typeof services !== 'object') return undefined;
    const entries = Object.values(services).filter((s): s is ComposeServiceShape & { image: string } => !!s && typeof s.image === 'string' && s.image.trim() !== '');
    const target = path.resolve(dir);
    const built = entries.find((s) => {
        const context = typeof s.build === 'string' ? s.build : (s.build as { context?: unknown } | undefined)?.context;
        return typeof context === 'string' && path.resolve(composeDir, context) === target;
    });
    if (built) return built.image.trim();
    return entries.find((s) => !NOT_THE_APP.test(s.image.trim()))?.image.trim();
}

/** The default tag of a build of `dir`: the app image of a compose file in it, else `<folder>:latest`. */
export function defaultBuildTag(dir: string, readFile: (file: string) => string | undefined = readIfExists): string {
    for (const name of COMPOSE_FILE_NAMES) {
        const text = readFile(path.join(dir, name));
        if (text === undefined) continue;
        const image = appImageOfCompose(text, dir, dir);
        if (image) return withTag(image);
    }
    return imageNameFromFolder(path.basename(path.resolve(dir)));
}

function readIfExists(file: string): string | undefined {
    try {
        return fs.readFileSync(file, 'utf8');
    } catch {
        return undefined;
    }
}

/** `app` → `app:latest`; tagged or digested names unchanged. */
export function withTag(image: string): string {
    return imageRepository(image) === image ? `${image}:latest` : image;
}

/** The tag part of an image name, or undefined. */
export function tagOf(image: string): string | undefined {
    const repo = imageRepository(image);
    if (repo === image) return undefined;
    const rest = image.slice(repo.length);
    return rest.startsWith(':') ? rest.slice(1).split('@')[0] : undefined;
}

/**
 * The next tag in the blog's style: `app` / `app:latest` → `app:v2`, `app:v2` → `app:v3`, `app:1.4` → `app:1.5`,
 * `app:build-9` → `app:build-10`; any other tag gets `-v2`.
 */
export function bumpTag(image: string): string {
    const repo = imageRepository(image);
    const tag = tagOf(image);
    if (tag === undefined || tag === 'latest') return `${repo}:v2`;
    const m = /^(.*?)(\d+)$/.exec(tag);
    if (m) return `${repo}:${m[1]}${Number(m[2]) + 1}`;
    return `${repo}:${tag}-v2`;
}
