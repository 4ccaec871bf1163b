// The extension in two CommonJS bundles, so that activation compiles and evaluates only what it runs:
//  - dist/extension.js: every module that evaluates at activation (reached from src/extension.ts by static imports);
//  - dist/extension-lazy.js: every module behind a dynamic `import()` or lazy `require()` of those (commands, lint,
//    the YAML parser, the Docker client, ssh…), loaded from disk on first use.
// Modules of the first are never copied into the second: the lazy bundle takes them from dist/extension.js
// (`__shared`), so that classes (CancelledError, tree items) and module state exist once.
// esbuild splits only ES modules, and VS Code loads an extension's main with require(): hence two builds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const ENTRY = 'src/extension.ts';
/**
 * What activation must not evaluate: compose loading, schema, YAML, Docker and ssh code load on first use. The build
 * fails when one of them is reached by static imports from the entry.
 */
const NEVER_AT_ACTIVATION = [/^node_modules\//, /^src\/docker\//, /^src\/core\/compose\/(load|validate|yaml-source|lens-placement|convert)\.ts$/, /^src\/core\/stack\/(lint|deploy|from-compose)\.ts$/];
const LAZY_FILE = './extension-lazy.js';
const MAIN_FILE = './extension.js';

/** `./x` from `src/a/b.ts` → `src/a/x.ts` (or `…/index.ts`), as esbuild's metafile names it; undefined for packages. */
function sourcePath(root, resolveDir, request) {
    if (!request.startsWith('.')) return undefined;
    const base = path.relative(root, path.resolve(resolveDir, request)).split(path.sep).join('/');
    for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
        if (fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile()) return candidate;
    }
    return undefined;
}

/** The two esbuild option sets; `common` as scripts/build.mjs uses for every bundle. */
export async function extensionBuilds(common, outdir = 'dist') {
    const root = process.cwd();
    const probe = await esbuild.build({ ...common, entryPoints: [ENTRY], outfile: path.join(outdir, 'extension.js'), write: false, metafile: true, sourcemap: false, minify: false });
    const inputs = probe.metafile.inputs;
    const eager = new Set();
    for (const stack = [ENTRY]; stack.length > 0; ) {
        const file = stack.pop();
        if (eager.has(file)) continue;
        eager.add(file);
        for (const i of inputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) stack.push(i.path);
    }
    const early = [...eager].filter((f) => NEVER_AT_ACTIVATION.some((pattern) => pattern.test(f)));
    if (early.length > 0) throw new Error(`activation would evaluate ${early.join(', ')}: import it where it is first used (await import() or require())`);
    const lazy = new Set();
    for (const file of eager) {
        for (const i of inputs[file]?.imports ?? []) {
            if ((i.kind === 'dynamic-import' || i.kind === 'require-call') && !i.external && !eager.has(i.path) && i.path.startsWith('src/')) lazy.add(i.path);
        }
    }
    const sharedModules = [...eager].filter((f) => f.startsWith('src/') && f !== ENTRY).sort();

    const mainPlugin = {
        name: 'extension-lazy-part',
        setup(build) {
            build.onResolve({ filter: /^\.\/extension-lazy\.js$/ }, () => ({ path: LAZY_FILE, external: true }));
            build.onResolve({ filter: /^\./ }, (args) => {
                if (args.kind !== 'dynamic-import' && args.kind !== 'require-call') return undefined;
                const target = sourcePath(root, args.resolveDir, args.path);
                return target && lazy.has(target) ? { path: target, namespace: 'lazy-part' } : undefined;
            });
            build.onLoad({ filter: /.*/, namespace: 'lazy-part' }, (args) => ({
                contents: `module.exports = require(${JSON.stringify(LAZY_FILE)}).load(${JSON.stringify(args.path)});`,
                loader: 'js',
                resolveDir: root,
            }));
        },
    };
    const lazyPlugin = {
        name: 'extension-shared-part',
        setup(build) {
            build.onResolve({ filter: /^\.\/extension\.js$/ }, () => ({ path: MAIN_FILE, external: true }));
            build.onResolve({ filter: /^\./ }, (args) => {
                const target = sourcePath(root, args.resolveDir, args.path);
                return target && eager.has(target) && target !== ENTRY ? { path: target, namespace: 'shared-part' } : undefined;
            });
            build.onLoad({ filter: /.*/, namespace: 'shared-part' }, (args) => ({
                contents: `module.exports = require(${JSON.stringify(MAIN_FILE)}).__shared[${JSON.stringify(args.path)}];`,
                loader: 'js',
                resolveDir: root,
            }));
        },
    };
    const mainEntry = [
        `export * from './${ENTRY}';`,
        ...sharedModules.map((f, n) => `import * as shared${n} from './${f}';`),
        `/** The modules activation evaluated, for ${LAZY_FILE} (one instance of each). */`,
        `export const __shared = {${sharedModules.map((f, n) => `${JSON.stringify(f)}: shared${n}`).join(', ')}};`,
    ].join('\n');
    const lazyEntry = [
        '/** A module of this bundle by its source path; evaluated on its first load. */',
        'export function load(source) {',
        '    switch (source) {',
        ...[...lazy].sort().map((f) => `        case ${JSON.stringify(f)}: return require('./${f}');`),
        '    }',
        '    throw new Error(`not in the lazy bundle: ${source}`);',
        '}',
    ].join('\n');
    return [
        {
            ...common,
            stdin: { contents: mainEntry, resolveDir: root, sourcefile: 'extension-main.ts', loader: 'ts' },
            outfile: path.join(outdir, 'extension.js'),
            // The first statement: src/extension.ts reports the time from here to the end of activate().
            banner: { js: 'var __swarmStacksEvaluationStart = performance.now();' },
            plugins: [...(common.plugins ?? []), mainPlugin],
        },
        { ...common, stdin: { contents: lazyEntry, resolveDir: root, sourcefile: 'extension-lazy.ts', loader: 'ts' }, outfile: path.join(outdir, 'extension-lazy.js'), plugins: [...(common.plugins ?? []), lazyPlugin] },
    ];
}
