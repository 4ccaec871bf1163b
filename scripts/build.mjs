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

/** Bundled CommonJS code (yaml, tar-fs…) calls `require`, and ours reads `__dirname`: each CLI chunk gets both. */
const CLI_CHUNK_PROLOGUE = [
    "import { createRequire as __createRequire } from 'node:module';",
    "import { dirname as __pathDirname } from 'node:path';",
    "import { fileURLToPath as __fileURLToPath } from 'node:url';",
    'const require = __createRequire(import.meta.url);',
    'const __filename = __fileURLToPath(import.meta.url);',
    'const __dirname = __pathDirname(__filename);',
].join('\n');
const CLI_BIN = `#!/usr/bin/env node
// The swarm-stacks command: loads the bundled ES module (scripts/build.mjs).
import('./cli.mjs').catch((error) => {
    process.stderr.write(\`swarm-stacks: \${error instanceof Error ? error.stack : String(error)}\\n\`);
    process.exitCode = 1;
});
`;

const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    external: ['vscode'],
    plugins: [validatorsApart],
};

const builds = [
    // dist/extension.js holds only what activation evaluates; the rest is dist/extension-lazy.js (extension-split.mjs).
    ...(await extensionBuilds(common)),
    // The command line is an ES module split into chunks (dist/cli.mjs, dist/cli-*.mjs): what only some verbs need
    // (compose, yaml, deploy, build, scaffold…) sits behind dynamic imports, so `ls` never parses it. The chunks sit
    // beside extension.js so that `./validators/v3_N.js` resolves the same from every bundle. dist/cli.js (the bin,
    // CommonJS like the rest of the package) only imports dist/cli.mjs.
    {
        ...common,
        format: 'esm',
        splitting: true,
        entryPoints: { cli: 'src/cli.ts' },
        outdir: 'dist',
        outExtension: { '.js': '.mjs' },
        chunkNames: 'cli-[hash]',
        // Minified in every build: each command parses its chunks afresh, and fewer bytes start faster (sourcemap kept).
        minify: true,
        banner: { js: CLI_CHUNK_PROLOGUE },
    },
    ...(validatorEntries.length > 0 ? [{ ...common, entryPoints: validatorEntries, outdir: 'dist/validators', sourcemap: false, minify: true }] : []),
];

fs.mkdirSync('dist', { recursive: true });
for (const stale of fs.readdirSync('dist').filter((f) => /^cli-[A-Z0-9]+\.mjs(\.map)?$|^cli\.js\.map$/.test(f))) fs.rmSync(`dist/${stale}`);
fs.writeFileSync('dist/cli.js', CLI_BIN, { mode: 0o755 });

if (watch) {
    for (const options of builds) {
        const context = await esbuild.context(options);
        await context.watch();
    }
} else {
    await Promise.all(builds.map((options) => esbuild.build(options)));
}
