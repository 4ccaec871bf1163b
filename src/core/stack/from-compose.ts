/**
 * Compose files → the stack's Engine specs, with every problem as a located diagnostic: the one
 * path both the command line and the editor take before anything touches the engine.
 */
import { loadCompose, type LoadInputFile, type LoadResult } from '../compose/load';
import { ConversionError, convertStack, type StackSpecs } from '../compose/convert';
import type { Diagnostic } from '../diagnostics';
import { validateStackName } from './names';
import { readBoundedFile } from '../bounded-file';

export interface StackFromCompose {
    load: LoadResult;
    /** Undefined when any diagnostic is an error. */
    specs?: StackSpecs;
    diagnostics: Diagnostic[];
}

interface StackFromComposeOptions {
    stackName: string;
    env?: Record<string, string | undefined>;
    /** Read a `.env` beside the first compose file for interpolation (default true). */
    dotEnv?: boolean;
    /** Reads the compose files given by path, secret and config `file:`s, env_files and `.env` (default: the bounded reader). */
    readFile?(path: string, maxBytes?: number): Uint8Array;
}

/** Compose files by path, or as an editor holds them (text, and its parse when already made). */
export function stackFromCompose(files: string[] | LoadInputFile[], options: StackFromComposeOptions): StackFromCompose {
    const stackName = validateStackName(options.stackName);
    const env = options.env ?? process.env;
    const load = loadCompose(files, { env, dotEnv: options.dotEnv ?? true, ...(options.readFile ? { readFile: options.readFile } : {}) });
    const diagnostics = [...load.diagnostics];
    if (!load.config || diagnostics.some((d) => d.severity === 'error')) {
        return { load, diagnostics };
    }
    try {
        const specs = convertStack(load.config, {
            stackName,
            workingDir: load.workingDir,
            readFile: options.readFile ?? ((path) => readBoundedFile(path)),
            env,
            normalizeImages: false,
        });
        for (const warning of specs.warnings) {
            diagnostics.push(located(load, warning.path, warning.message, 'warning'));
        }
        return { load, specs, diagnostics };
    } catch (error) {
        if (error instanceof ConversionError) {
            diagnostics.push(located(load, error.path, error.message, 'error'));
            return { load, diagnostics };
        }
        // A secret or config file that cannot be read, and the like.
        diagnostics.push(located(load, [], error instanceof Error ? error.message : String(error), 'error'));
        return { load, diagnostics };
    }
}

function located(load: LoadResult, path: (string | number)[], message: string, severity: Diagnostic['severity']): Diagnostic {
    // The deepest part of the path that the loader can place.
    for (let length = path.length; length >= 0; length--) {
        const place = load.locate(path.slice(0, length));
        if (place) return { file: place.file, range: place.range, severity, message, code: 'conversion' };
    }
    return { file: load.files[0] ?? '', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity, message, code: 'conversion' };
}
