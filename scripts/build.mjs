// Bundles the extension and the command line with esbuild.
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';
import { extensionBuilds } from './extension-split.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * The compose-schema validators (src/core/compose/schema/validators/v3_N.ts, about 100 KB each) stay out of both
 * bundles: each is built on its own as dist/validators/v3_N.js, and a bundle requires only the version a file uses.
 */
const VALIDATOR_IMPORT = /^\.\/schema\/validators\/(v3_\d+)$/;
const validatorsApart = {
    name: 'validators-apart',
    setup(build) {
        build.onResolve({ filter: VALIDATOR_IMPORT }, (args) => ({ path: `./validators/${VALIDATOR_IMPORT.exec(args.path)[1]}.js`, external: true }));
    },
};
const validatorEntries = fs.existsSync('src/core/compose/schema/validators')
    ? fs.readdirSync('src/core/compose/schema/validators').filter((f) => /^v3_\d+\.ts$/.test(f)).map((f) => `src/core/compose/schema/validators/${f}`)
    : [];

/** First line of the `swarm-stacks` bin (src/cli-bin.ts), which runs the bundle through V8's code cache. */
const CLI_BIN_BANNER = '#!/usr/bin/env node';
/** Code caches of the previous build's bundle (dist/cli-cache/VERB.v8): each names the bundle it was made from. */
const CLI_CACHE_DIR = 'dist/cli-cache';

/**
 * Packages every bundle takes from another build than Node's (also read by bench/codelens.ts, which measures the
 * code as it ships). yaml: its browser build is the same code as its Node build, less a `process.env` read per token
 * in the parser (LOG_TOKENS, a debugging aid), which costs about a quarter of the parse of a big compose file.
 */
const BUNDLE_ALIAS = JSON.parse(fs.readFileSync(new URL('./bundle-alias.json', import.meta.url), 'utf8'));

const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    external: ['vscode'],
    alias: BUNDLE_ALIAS,
    plugins: [validatorsApart],
};

const builds = [
    // dist/extension.js holds only what activation evaluates; the rest is dist/extension-lazy.js (extension-split.mjs).
    ...(await extensionBuilds(common)),
    // The command line: one CommonJS bundle, dist/cli-main.js, run by the bin dist/cli.js through V8's code cache, so
    // that a command compiles almost nothing (bench/startup.ts). What only some verbs need (compose, yaml, deploy,
    // build, scaffold…) is behind dynamic imports and require() calls, which esbuild turns into functions evaluated on
    // first use. Beside extension.js, so that `./validators/v3_N.js` resolves the same from every bundle.
    {
        ...common,
        entryPoints: ['src/cli.ts'],
        outfile: 'dist/cli-main.js',
        // Minified in every build: fewer bytes to read and to compile when there is no cache yet.
        minify: true,
    },
    { ...common, entryPoints: ['src/cli-bin.ts'], outfile: 'dist/cli.js', sourcemap: false, minify: true, banner: { js: CLI_BIN_BANNER } },
    ...(validatorEntries.length > 0 ? [{ ...common, entryPoints: validatorEntries, outdir: 'dist/validators', sourcemap: false, minify: true }] : []),
];

fs.mkdirSync('dist', { recursive: true });
// Earlier builds' command line (ES module chunks) and code caches.
for (const stale of fs.readdirSync('dist').filter((f) => /^cli(-[A-Z0-9]+)?\.mjs(\.map)?$|^cli\.js\.map$/.test(f))) fs.rmSync(`dist/${stale}`);
fs.rmSync(CLI_CACHE_DIR, { recursive: true, force: true });

if (watch) {
    for (const options of builds) {
        const context = await esbuild.context(options);
        await context.watch();
    }
} else {
    await Promise.all(builds.map((options) => esbuild.build(options)));
    fs.chmodSync('dist/cli.js', 0o755);
}
