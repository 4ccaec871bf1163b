/**
 * Endpoints a user can choose from without typing: the Docker CLI's contexts and the hosts named in
 * ~/.ssh/config. Pure over the injected file reads, like ./endpoint.ts.
 */
import * as path from 'path';

import { dockerConfigDir } from '../node/docker-config';

export interface ContextChoice {
    name: string;
    /** `Endpoints.docker.Host` of the context. */
    host: string;
    /** The context keeps TLS material of its own, which an endpoint URL alone cannot carry. */
    hasTls: boolean;
}

export interface ChoiceSources {
    env: Readonly<Record<string, string | undefined>>;
    homedir: () => string;
    readFile: (file: string) => string;
    /** Entry names of a folder; throws when it does not exist. */
    readDir: (dir: string) => string[];
}

/** The contexts `docker context ls` lists (the implicit `default` aside), sorted by name; unreadable ones are left out. */
export function dockerContexts(sources: ChoiceSources): ContextChoice[] {
    const configDir = dockerConfigDir(sources);
    const metaRoot = path.join(configDir, 'contexts', 'meta');
    let folders: string[];
    try {
        folders = sources.readDir(metaRoot);
    } catch {
        return [];
    }
    const contexts: ContextChoice[] = [];
    for (const folder of folders) {
        try {
            const meta = JSON.parse(sources.readFile(path.join(metaRoot, folder, 'meta.json'))) as {
                Name?: unknown;
                Endpoints?: { docker?: { Host?: unknown } };
            };
            const host = meta.Endpoints?.docker?.Host;
            if (typeof meta.Name !== 'string' || typeof host !== 'string' || !host.trim()) continue;
            let hasTls = false;
            try {
                hasTls = sources.readDir(path.join(configDir, 'contexts', 'tls', folder, 'docker')).length > 0;
            } catch {
                hasTls = false;
            }
            contexts.push({ name: meta.Name, host: host.trim(), hasTls });
        } catch {
            // A broken context is the CLI's to report ("docker context ls"); it is simply not offered here.
        }
    }
    return contexts.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The host aliases of an ssh config (`Host` lines), without patterns (`*`, `?`, `!`): each can be used as
 * `ssh://<alias>`, and ssh then applies that entry's HostName, User, Port, IdentityFile and ProxyJump.
 * `Include` is not followed.
 */
export function sshConfigHosts(text: string): string[] {
    const hosts: string[] = [];
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.trim();
        const match = /^host(?:\s+|\s*=\s*)(.+)$/i.exec(line);
        if (!match) continue;
        for (const name of match[1].split(/\s+/)) {
            const alias = name.replace(/^"|"$/g, '');
            if (!alias || /[*?!]/.test(alias) || hosts.includes(alias)) continue;
            hosts.push(alias);
        }
    }
    return hosts;
}

/** `~/.ssh/config`'s aliases; none when there is no such file. */
export function userSshHosts(sources: Pick<ChoiceSources, 'homedir' | 'readFile'>): string[] {
    try {
        return sshConfigHosts(sources.readFile(path.join(sources.homedir(), '.ssh', 'config')));
    } catch {
        return [];
    }
}
