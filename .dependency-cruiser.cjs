// The import graph's rules, checked by `npm test` (scripts/test.mjs, lint step) with dependency-cruiser.
// The layers, lowest first (docs/architecture.md): src/core ← src/node ← src/docker ← src/cli, src/vscode.
// A lower layer never imports a higher one, and no module reaches itself again through its imports.
// Type-only imports count: a cycle of types still ties two files so that neither can be read or moved alone.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: 'no-cycle',
            severity: 'error',
            comment: 'A module reaches itself again through its imports (type-only imports included).',
            from: {},
            to: { circular: true },
        },
        {
            name: 'core-is-pure',
            severity: 'error',
            comment:
                'src/core is plain TypeScript, testable without an editor or an engine: it imports no vscode, ' +
                'src/docker, src/cli or src/vscode. It gets I/O injected, or from the src/node adapters.',
            from: { path: '^src/core/' },
            to: { path: ['^src/(docker|cli|vscode)/', '^src/(extension|cli|cli-bin)\\.ts$', '^vscode$'] },
        },
        {
            name: 'node-adapters-below-docker',
            severity: 'error',
            comment: 'src/node holds the Node.js adapters the core may use (files, config dir, http): nothing above it.',
            from: { path: '^src/node/' },
            to: { path: ['^src/(docker|cli|vscode)/', '^src/(extension|cli|cli-bin)\\.ts$', '^vscode$'] },
        },
        {
            name: 'docker-below-front-ends',
            severity: 'error',
            comment: 'src/docker speaks the Engine API for both front ends: it imports no vscode, src/vscode or src/cli.',
            from: { path: '^src/docker/' },
            to: { path: ['^src/(cli|vscode)/', '^src/(extension|cli|cli-bin)\\.ts$', '^vscode$'] },
        },
        {
            name: 'cli-not-editor',
            severity: 'error',
            comment: 'The CLI runs without VS Code: it imports no vscode and no src/vscode.',
            from: { path: ['^src/cli/', '^src/(cli|cli-bin)\\.ts$'] },
            to: { path: ['^src/vscode/', '^src/extension\\.ts$', '^vscode$'] },
        },
        {
            name: 'editor-not-cli',
            severity: 'error',
            comment: 'The editor and the CLI are siblings on the same core: src/vscode imports nothing from src/cli.',
            from: { path: ['^src/vscode/', '^src/extension\\.ts$'] },
            to: { path: ['^src/cli/', '^src/(cli|cli-bin)\\.ts$'] },
        },
        {
            name: 'product-not-tests',
            severity: 'error',
            comment: 'The product never imports tests, benchmarks or scripts.',
            from: { path: '^src/' },
            to: { path: '^(test|bench|scripts)/' },
        },
        {
            name: 'resolvable',
            severity: 'error',
            comment: 'Every import resolves (a typo would otherwise hide an edge from the rules above).',
            from: {},
            to: { couldNotResolve: true, pathNot: '^vscode$' },
        },
    ],
    options: {
        doNotFollow: { path: 'node_modules' },
        exclude: { path: '^(out|dist|node_modules)/' },
        // Type-only imports and re-exports are edges too (see the top of this file).
        tsPreCompilationDeps: true,
        tsConfig: { fileName: 'tsconfig.json' },
        enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
        reporterOptions: { text: { highlightFocused: true } },
    },
};
