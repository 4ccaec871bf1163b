/**
 * One image build, shared by the editor command, the command line and the tests: the context (./context.ts) sent to
 * the engine's `POST /build`, its messages read by ./progress.ts. The engine is any object with the Docker door's
 * `buildImage` shape, so this file imports neither vscode nor the Docker client.
 */
import * as fs from 'fs';
import * as path from 'path';

import { CancelledError } from '../cancellation';
import { describeBuildKitOnlySyntax, findBuildKitOnlySyntax } from './buildkit-syntax';
import { createBuildContext, type BuildContext } from './context';
import { BuildFailedError, BuildProgressParser, type BuildEvent, type BuildMessage, type BuildStep } from './progress';

/** What a build needs from the engine (DockerClient.buildImage). */
export interface BuildEngine {
    buildImage(
        tar: { pipe<T extends NodeJS.WritableStream>(destination: T): T; on(event: 'error', listener: (error: Error) => void): unknown },
        params: { t: string[]; dockerfile?: string; buildargs?: Record<string, string>; registryConfig?: string },
        signal?: AbortSignal,
    ): Promise<AsyncIterable<BuildMessage>>;
}

interface RunBuildOptions {
    /** The context folder. */
    dir: string;
    /** At least one tag. */
    tags: string[];
    /** Relative to `dir` or absolute; default `Dockerfile`. */
    dockerfile?: string;
    buildargs?: Record<string, string>;
    /**
     * The `X-Registry-Config` value (every registry credential, as `docker build` sends them, so that a `FROM` image
     * of a private registry can be pulled) and what of the configuration could not be read: shown as notices.
     */
    registryConfig?: () => Promise<{ header: string; problems: string[] }>;
    signal?: AbortSignal;
    /** Called once the context is listed, before it is sent. */
    onContext?(context: BuildContext): void;
    onEvent?(event: BuildEvent): void;
}

export interface BuildResult {
    /** `sha256:…` (or the short ID the legacy builder printed). */
    imageId: string;
    tags: string[];
    steps: BuildStep[];
    context: BuildContext;
    durationMs: number;
}

/**
 * Builds and tags an image. Throws BuildFailedError (step + last output lines) when a step fails, CancelledError
 * when the signal fires (the request is aborted, which stops the build on the daemon).
 */
export async function runBuild(engine: BuildEngine, options: RunBuildOptions): Promise<BuildResult> {
    if (options.tags.length === 0) throw new Error('A build needs at least one tag.');
    const t0 = performance.now();
    if (options.signal?.aborted) throw new CancelledError();
    const { context, tar } = createBuildContext(options.dir, { dockerfile: options.dockerfile });
    options.onContext?.(context);
    const parser = new BuildProgressParser();
    const emit = (events: BuildEvent[]): void => {
        for (const e of events) options.onEvent?.(e);
    };
    let messages: AsyncIterable<BuildMessage>;
    try {
        const registry = options.registryConfig ? await options.registryConfig() : undefined;
        const notices = [...(registry?.problems ?? []), ...buildKitNotice(options.dir, options.dockerfile)];
        emit(notices.map((line): BuildEvent => ({ kind: 'notice', line })));
        if (options.signal?.aborted) throw new CancelledError();
        messages = await engine.buildImage(
            tar,
            {
                t: options.tags,
                dockerfile: context.dockerfile,
                ...(options.buildargs ? { buildargs: options.buildargs } : {}),
                ...(registry ? { registryConfig: registry.header } : {}),
            },
            options.signal,
        );
    } catch (error) {
        tar.destroy();
        throw error;
    }
    for await (const message of messages) {
        emit(parser.push(message));
        if (options.signal?.aborted) break;
    }
    emit(parser.end());
    // The Docker door ends the stream quietly when the signal fires.
    if (options.signal?.aborted) throw new CancelledError();
    if (parser.failure) throw new BuildFailedError(parser.failure);
    if (parser.imageId === undefined) {
        throw new BuildFailedError({ message: 'the engine ended the build without an image ID', lastLines: parser.lines.slice(-10) });
    }
    return { imageId: parser.imageId, tags: options.tags, steps: parser.steps, context, durationMs: performance.now() - t0 };
}

/** The notice for syntax only BuildKit reads in the Dockerfile (none when it cannot be read: the engine then says). */
function buildKitNotice(dir: string, dockerfile: string | undefined): string[] {
    const file = path.resolve(dir, dockerfile ?? 'Dockerfile');
    let text: string;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch {
        return [];
    }
    return describeBuildKitOnlySyntax(file, findBuildKitOnlySyntax(text));
}
