/** Test helpers for the conversion tests: plain YAML → ComposeConfig (until the real loader is used). */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { ComposeConfig } from '../../src/core/compose/types';
import { convertStack, type ConvertOptions, type StackSpecs } from '../../src/core/compose/convert';

/** Repository root (tests run from out/test/unit). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * YAML 1.2 core schema like go-yaml v3, plus Go's `ParseInt(s, 0, 64)` reading of a leading 0
 * as octal (`0440` → 288), which the CLI applies to YAML integers.
 */
export function parseCompose(text: string): ComposeConfig {
    return parse(text, {
        version: '1.2',
        customTags: (tags) => [
            {
                tag: 'tag:yaml.org,2002:int',
                default: true,
                test: /^[-+]?0[0-7]+$/,
                resolve: (s: string) => parseInt(s, 8),
            },
            ...tags,
        ],
    }) as ComposeConfig;
}

export function files(map: Record<string, string>): ConvertOptions['readFile'] {
    return (p: string) => {
        if (p in map) return new TextEncoder().encode(map[p]);
        const e = new Error(`ENOENT: no such file or directory, open '${p}'`) as NodeJS.ErrnoException;
        e.code = 'ENOENT';
        throw e;
    };
}

export function convertYaml(text: string, stackName = 'demo', extra: Partial<ConvertOptions> = {}): StackSpecs {
    return convertStack(parseCompose(text), { stackName, workingDir: '/work/dir', readFile: files({}), ...extra });
}

export function readText(rel: string): string {
    return fs.readFileSync(path.join(ROOT, rel), 'utf8');
}

/** Wire form of a value (drops undefined like JSON). */
export function wire<T>(v: T): unknown {
    return JSON.parse(JSON.stringify(v));
}
