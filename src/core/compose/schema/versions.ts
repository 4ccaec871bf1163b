// The compose schema versions docker/cli knows (`cli/compose/schema/data/`), without the schemas themselves: those are
// compiled ahead of time into ./validators (scripts/generate-validators.mjs), so run time never loads the JSON.
export const SCHEMA_VERSIONS: string[] = ['3.0', '3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
export const LATEST_VERSION = '3.13';
