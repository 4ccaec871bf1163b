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
/**
 * dist/extension.js's size limit (production build): what activation compiles. It is 60-67 KB; the limit leaves
 * room for growth but fails the build when a large piece (a parser, a table, a package) becomes eager.
 */
const MAIN_MAX_BYTES = 80 * 1024;
/** Fails the production build when dist/extension.js outgrew MAIN_MAX_BYTES. */
const sizeLimit = {
    name: 'extension-size-limit',
    setup(build) {
        build.onEnd((result) => {
            const file = build.initialOptions.outfile;
            const bytes = result.errors.length === 0 && fs.existsSync(file) ? fs.statSync(file).size : 0;
            if (bytes > MAIN_MAX_BYTES) {
                return { errors: [{ text: `${file} is ${bytes} bytes, over its limit of ${MAIN_MAX_BYTES}: what activation evaluates must stay small (load the new code where it is first used, with await import() or require())` }] };
            }
            return undefined;
        });
    },
};
/** An expression: the CPU time this thread has used, in ms (src/extension.ts computes it the same way). */
const THREAD_CPU_MS = '((u) => (u.user + u.system) / 1000)((process.threadCpuUsage ?? process.cpuUsage).call(process))';

/**
 * One `require('vscode')` per bundle. esbuild turns each module's `import * as vscode from 'vscode'` into its own
 * `__toESM(require('vscode'))`: in VS Code's extension host every such require goes through its module interceptor
 * (a realpath and a URI per call: NodeModuleRequireInterceptor, vs/workbench/api/node/extHostExtensionService.ts)
 * and each `__toESM` copies the whole API object; with 18 modules that was half of the bundle's evaluation (a CPU
 * profile of it in the extension host). Here every import of `vscode` reads one in-bundle module that re-exports the
 * API once.
 */
const vscodeOnce = {
    name: 'vscode-once',
    setup(build) {
        build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
        build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
    },
};

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
            // The first and the last statement: src/extension.ts reports the time between them (the bundle's evaluation)
            // plus activate()'s, as VS Code counts codeLoadingTime and activateCallTime; wall time and the CPU time of
            // the extension host's thread (Node 24's threadCpuUsage; the process's elsewhere), which a busy machine
            // does not inflate.
            banner: { js: `var __swarmStacksEvaluationStart = [performance.now(), ${THREAD_CPU_MS}];` },
            footer: { js: `var __swarmStacksEvaluationEnd = [performance.now(), ${THREAD_CPU_MS}];` },
            plugins: [...(common.plugins ?? []), vscodeOnce, mainPlugin, ...(common.minify ? [sizeLimit] : [])],
        },
        { ...common, stdin: { contents: lazyEntry, resolveDir: root, sourcefile: 'extension-lazy.ts', loader: 'ts' }, outfile: path.join(outdir, 'extension-lazy.js'), plugins: [...(common.plugins ?? []), vscodeOnce, lazyPlugin] },
    ];
}
