/**
 * The editor's compose code that bench/codelens.ts measures, as one entry: the bench bundles it with the options the
 * extension ships with (scripts/build.mjs), so that it times the code a user runs.
 */
export { placeParsedCompose } from '../src/core/compose/lens-placement';
export { DEFAULT_LIMITS, parseYamlSource } from '../src/core/compose/yaml-source';
export { lintParsedCompose } from '../src/core/stack/lint';
