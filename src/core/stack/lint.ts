/**
 * The one validation pipeline of compose files, for `swarm-stacks lint` and the editor's Problems panel alike:
 * what the deploy checks (load and conversion, stackFromCompose), plus the advice that only makes sense beside an
 * editor or a lint run: a proxy still on the archived dockercloud/haproxy image, and server-template lines of the
 * haproxy.cfg beside the first compose file with fewer slots than the service's replicas.
 * The editor passes its text (and its parse, shared with its lenses); lint passes paths. Both get the same list.
 */
import * as path from 'path';
import { sortDiagnostics, type Diagnostic } from '../diagnostics';
import type { LoadInputFile } from '../compose/load';
import { placeParsedCompose, type ComposePlacement } from '../compose/lens-placement';
import type { ParsedYaml } from '../compose/yaml-source';
import { ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE, checkServerTemplateSlots, isArchivedDockercloudHaproxy, type ComposeLike } from '../haproxy/generate';
import { stackFromCompose, type StackFromCompose } from './from-compose';
import { ROTATION_EXTENSION, ROTATION_EXTENSION_KEY } from './rotation';
import { HAPROXY_CFG } from '../haproxy/cfg-file';
import { readBoundedFile } from '../bounded-file';

export { HAPROXY_CFG };

/** Stands in for the stack name where none is given: conversion needs one, and no message depends on it. */
const LINT_STACK_NAME = 'lint';

interface LintOptions {
    env?: Record<string, string | undefined>;
    /** Read a `.env` beside the first compose file for interpolation (default true). */
    dotEnv?: boolean;
    /** The stack the files deploy to, when known: haproxy.cfg lines then match `tasks.<stack>_<service>` strictly. */
    stackName?: string;
    /** Reads every file (compose files by path, secrets, configs, env_file, .env, haproxy.cfg); default: the bounded reader. */
    readFile?(file: string, maxBytes?: number): Uint8Array;
}

interface ComposeLint extends StackFromCompose {
    /** Every problem, sorted by file and position; `diagnostics` of StackFromCompose plus the advice. */
    diagnostics: Diagnostic[];
    /** The haproxy.cfg read beside the first compose file, when there is one. */
    haproxyCfg?: string;
}

export function lintCompose(files: string[] | LoadInputFile[], options: LintOptions = {}): ComposeLint {
    const readFile = options.readFile ?? readBoundedFile;
    const stack = stackFromCompose(files, { stackName: options.stackName ?? LINT_STACK_NAME, env: options.env, dotEnv: options.dotEnv, readFile });
    const diagnostics = [...stack.diagnostics];
    const placements = stack.load.files.map((file) => ({ file, placement: placementOf(stack, file) }));
    for (const { file, placement } of placements) diagnostics.push(...archivedHaproxyImages(file, placement));
    diagnostics.push(...rotationSettingProblems(stack));

    let haproxyCfg: string | undefined;
    const first = placements[0];
    if (first) {
        const cfgFile = path.join(path.dirname(first.file), HAPROXY_CFG);
        let cfgText: string | undefined;
        try {
            cfgText = new TextDecoder('utf-8').decode(readFile(cfgFile));
        } catch (error) {
            cfgText = undefined;
            // Most stacks have none; one that is there but refused (too large, not a regular file) is said.
            const code = (error as NodeJS.ErrnoException)?.code;
            if (code !== 'ENOENT' && code !== 'ENOTDIR') {
                diagnostics.push({
                    file: first.file,
                    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
                    severity: 'warning',
                    code: 'haproxy-cfg-read',
                    message: `${HAPROXY_CFG} beside this file was not read: ${error instanceof Error ? error.message : String(error)}`,
                });
            }
        }
        if (cfgText !== undefined) {
            haproxyCfg = cfgFile;
            diagnostics.push(...slotProblems(first.file, first.placement, cfgFile, cfgText, options.stackName));
        }
    }
    return { ...stack, diagnostics: sortDiagnostics(diagnostics), ...(haproxyCfg !== undefined ? { haproxyCfg } : {}) };
}

/** The lint of one compose file as an editor holds it: its text and its parse (shared with the editor's lenses). */
export function lintParsedCompose(parsed: ParsedYaml, options: LintOptions = {}): ComposeLint {
    return lintCompose([{ path: parsed.source.file, text: parsed.source.text, parsed }], options);
}

/** Where the file's services are written, from the parse the load read (the editor's lenses read the same one). */
function placementOf(stack: StackFromCompose, file: string): ComposePlacement {
    const parsed = stack.load.parsed.get(file);
    if (!parsed) return { services: [], partial: true };
    return placeParsedCompose(parsed);
}

/** `x-swarm-stacks: { rotate-configs: … }` that is not a boolean would silently leave rotation off: say so. */
function rotationSettingProblems(stack: StackFromCompose): Diagnostic[] {
    const extension = (stack.load.config as Record<string, unknown> | undefined)?.[ROTATION_EXTENSION];
    if (extension === undefined || extension === null) return [];
    const value = typeof extension === 'object' ? (extension as Record<string, unknown>)[ROTATION_EXTENSION_KEY] : extension;
    if (typeof value === 'boolean' || (typeof extension === 'object' && value === undefined)) return [];
    const path = typeof extension === 'object' ? [ROTATION_EXTENSION, ROTATION_EXTENSION_KEY] : [ROTATION_EXTENSION];
    const place = stack.load.locate(path) ?? stack.load.locate([ROTATION_EXTENSION]);
    if (!place) return [];
    return [
        {
            file: place.file,
            range: place.range,
            severity: 'warning',
            code: 'rotate-configs',
            message: `${ROTATION_EXTENSION}: ${ROTATION_EXTENSION_KEY} takes true or false; config rotation stays off`,
        },
    ];
}

/** A warning on the image of every service still on dockercloud/haproxy. */
function archivedHaproxyImages(file: string, placement: ComposePlacement): Diagnostic[] {
    const found: Diagnostic[] = [];
    for (const s of placement.services) {
        if (s.image === undefined || !isArchivedDockercloudHaproxy(s.image)) continue;
        found.push({ file, range: s.imageRange ?? s.keyRange, severity: 'warning', code: 'archived-haproxy-image', message: ARCHIVED_DOCKERCLOUD_HAPROXY_ADVICE });
    }
    return found;
}

/**
 * server-template lines with fewer slots than the service's declared replicas: a warning on both sides, on the
 * slot count in haproxy.cfg (where the fix is made) and on the service's `replicas:` in the compose file (where the
 * mismatch is introduced), each pointing at the other.
 */
function slotProblems(composeFile: string, placement: ComposePlacement, cfgFile: string, cfgText: string, stackName: string | undefined): Diagnostic[] {
    const found: Diagnostic[] = [];
    const problems = checkServerTemplateSlots(cfgText, composeLike(placement), stackName !== undefined ? { stackName } : {});
    for (const problem of problems) {
        const cfgRange = { start: { line: problem.line, character: problem.character }, end: { line: problem.line, character: problem.character + problem.length } };
        const onCfg: Diagnostic = { file: cfgFile, range: cfgRange, severity: 'warning', code: 'haproxy-slots', message: problem.message };
        const service = placement.services.find((s) => s.key === problem.service);
        const composeRange = service?.replicasRange ?? service?.keyRange;
        if (composeRange) {
            onCfg.related = [{ file: composeFile, range: composeRange, message: `replicas of ${problem.service}` }];
            found.push({
                file: composeFile,
                range: composeRange,
                severity: 'warning',
                code: 'haproxy-slots',
                message: `${problem.message} (${HAPROXY_CFG} line ${problem.line + 1})`,
                related: [{ file: cfgFile, range: cfgRange, message: `server-template in ${HAPROXY_CFG}` }],
            });
        }
        found.push(onCfg);
    }
    return found;
}

/** What checkServerTemplateSlots reads, from the placement (works while other parts of the file have errors). */
function composeLike(placement: ComposePlacement): ComposeLike {
    const services: NonNullable<ComposeLike['services']> = {};
    for (const s of placement.services) {
        services[s.key] = { deploy: { ...(s.replicas !== undefined ? { replicas: s.replicas } : {}), ...(s.mode !== undefined ? { mode: s.mode } : {}) } };
        if (s.image !== undefined) services[s.key]!.image = s.image;
    }
    return { services };
}
