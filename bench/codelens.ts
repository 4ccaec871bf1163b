/**
 * What the compose editor support costs per keystroke, for generated compose files of 10, 100 and 500 services: the
 * one parse of a document version (yaml-source.ts), the CodeLens placement read from it (asked by VS Code on every
 * edit), and the live diagnostics, which lint that parse exactly as `swarm-stacks lint` does (run ~300 ms after the
 * last edit). Timed when the file is opened (the whole text read) and for each edit after that (one service changed:
 * the parse, with the previous version's at hand, reads that service again and keeps the others).
 *
 *   npx tsc -p . && node out/bench/codelens.js [runs]
 *
 * It times the code as it ships: it bundles bench/editor-core.ts with the extension's bundle options (minified, the
 * same package builds) into dist/ for the run. Prints figures (median, min and max of N runs after warm-up) and the
 * ratio to the 10-service file; it asserts nothing about time. Plain core code: no VS Code, no engine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type * as EditorCore from './editor-core';

/** A compose file in the shape the seed's stacks have: image, replicas, ports, env, labels, healthcheck. */
export function generateCompose(services: number): string {
    const lines = ['version: "3.8"', '', 'x-defaults: &defaults', '  restart: "no"', '  networks: [backend]', '', 'services:'];
    for (let i = 0; i < services; i++) {
        lines.push(
            `  svc${i}:`,
            `    image: registry.local/team/svc${i}:1.${i % 7}.0`,
            '    networks: [backend]',
            '    environment:',
            `      SERVICE_PORTS: "${8000 + (i % 1000)}"`,
            `      NODE_ENV: production`,
            '    labels:',
            `      com.example.owner: "team-${i % 5}"`,
            '    deploy:',
            `      replicas: ${(i % 20) + 1}`,
            '      update_config:',
            '        parallelism: 2',
            '        delay: 10s',
            '      resources:',
            '        limits: {cpus: "0.50", memory: 128M}',
            '    healthcheck:',
            '      test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"]',
            '      interval: 10s',
            `    ports: ["${10000 + i}:8080"]`,
        );
    }
    lines.push('', 'networks:', '  backend:', '    driver: overlay', '');
    return lines.join('\n');
}

interface Figures {
    median: number;
    min: number;
    max: number;
    /** Median CPU time of this process (user + system): less disturbed than wall time on a busy machine. */
    cpu: number;
}

function measure(runs: number, fn: () => unknown): Figures {
    for (let i = 0; i < Math.min(3, runs); i++) fn(); // warm-up: JIT and the schema compilation
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < runs; i++) {
        const cpu = process.cpuUsage();
        const start = performance.now();
        fn();
        times.push(performance.now() - start);
        const used = process.cpuUsage(cpu);
        cpus.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    return { median: median(times), min: times[0], max: times[times.length - 1], cpu: median(cpus) };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ms = (n: number): string => `${n.toFixed(2)} ms`;

/** Median wall time of `node -e 0`, started afresh `runs` times. */
function bareNodeStart(runs: number): number {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = performance.now();
        spawnSync(process.execPath, ['-e', '0']);
        times.push(performance.now() - start);
    }
    return median(times);
}

const ROOT = path.resolve(__dirname, '..', '..');

/** bench/editor-core.ts bundled as the extension's bundles are (scripts/build.mjs): what a user's editor runs. */
async function shippedEditorCore(): Promise<typeof EditorCore> {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const outfile = path.join(ROOT, 'dist', `.bench-editor-core-${process.pid}.js`);
    try {
        await esbuild.build({
            absWorkingDir: ROOT,
            entryPoints: [path.join(ROOT, 'bench', 'editor-core.ts')],
            outfile,
            bundle: true,
            platform: 'node',
            target: 'node20',
            format: 'cjs',
            minify: true,
            logLevel: 'warning',
            alias: JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'bundle-alias.json'), 'utf8')) as Record<string, string>,
        });
        return require(outfile) as typeof EditorCore;
    } finally {
        fs.rmSync(outfile, { force: true });
    }
}

interface Row {
    size: number;
    bytes: number;
    lines: number;
    /** The whole text read at once, as when the file is opened. */
    parse: Figures;
    /** The lenses placed from a parse (what the CodeLens request adds to the version's parse). */
    placement: Figures;
    /** The lint of the parse: schema, loader checks and conversion. */
    validation: Figures;
    /** Per edit: the parse of the edited version with the previous one at hand, then the lenses; then the lint. */
    editParse: Figures;
    editLenses: Figures;
    edit: Figures;
    diagnostics: number;
    lenses: number;
}

async function main(): Promise<void> {
    const runs = Math.max(1, Number(process.argv[2]) || 15);
    const sizes = [10, 100, 500];
    const { DEFAULT_LIMITS, lintParsedCompose, parseYamlSource, placeParsedCompose } = await shippedEditorCore();
    // A path in a folder that does not exist: no .env, no env_file to read; only the text is measured.
    const file = path.join(os.tmpdir(), 'swarm-stacks-bench-nonexistent', 'docker-compose.yml');
    const env = { HOME: os.homedir() };
    const rows: Row[] = [];
    for (const size of sizes) {
        const text = generateCompose(size);
        // As the editor does (src/vscode/composeAssociations.ts, src/vscode/diagnostics): one parse per document
        // version, which the lenses are placed from and the diagnostics lint.
        const parse = measure(runs, () => parseYamlSource(file, text));
        const parsed = parseYamlSource(file, text);
        // A placement is kept per parse: each run places on a parse of its own (the same reading).
        const placement = measure(runs, () => placeParsedCompose({ ...parsed }));
        const validation = measure(runs, () => lintParsedCompose(parsed, { env }));
        // Edits as a user makes them: the replicas of the middle service typed one way, then back; each version is
        // parsed with the previous version's parse at hand, as the editor keeps it per document.
        const middle = `  svc${Math.floor(size / 2)}:\n`;
        const at = text.indexOf('      replicas: ', text.indexOf(middle));
        const versions = [text, `${text.slice(0, at)}      replicas: 99${text.slice(text.indexOf('\n', at))}`];
        let version = 0;
        let previous = parsed;
        const nextVersion = (): typeof parsed => (previous = parseYamlSource(file, versions[++version % 2], DEFAULT_LIMITS, previous));
        const editParse = measure(runs, nextVersion);
        const editLenses = measure(runs, () => placeParsedCompose(nextVersion()));
        const edit = measure(runs, () => lintParsedCompose(nextVersion(), { env }));
        // The edit must really have kept the other services (the same values, not read again).
        const firstService = (p: typeof parsed): unknown => (p.value as { services: Record<string, unknown> }).services.svc0;
        if (firstService(nextVersion()) !== firstService(nextVersion())) throw new Error('an edited version was read whole');
        rows.push({
            size,
            bytes: Buffer.byteLength(text),
            lines: text.split('\n').length,
            parse,
            placement,
            validation,
            editParse,
            editLenses,
            edit,
            diagnostics: lintParsedCompose(parsed, { env }).diagnostics.length,
            lenses: 1 + placeParsedCompose(parsed).services.length * 4,
        });
    }
    const base = rows[0];
    console.log(`Compose editor support: median of ${runs} runs (after warm-up), Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
    console.log(`node -e 0 in the same run (the floor of any command written in Node): ${ms(bareNodeStart(7))}, load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`);
    console.log('');
    const header = ['services', 'lines', 'bytes', 'parse (open)', 'cpu', 'lenses on it', 'cpu', 'lint on it', 'cpu', 'diagnostics at open', 'cpu', 'edit: parse', 'cpu', 'lenses per edit', '(min-max)', 'cpu', 'diagnostics per edit', '(min-max)', 'cpu', 'x vs 10', 'diags'];
    const table = rows.map((r) => [
        String(r.size),
        String(r.lines),
        String(r.bytes),
        ms(r.parse.median),
        ms(r.parse.cpu),
        ms(r.placement.median),
        ms(r.placement.cpu),
        ms(r.validation.median),
        ms(r.validation.cpu),
        ms(r.parse.median + r.validation.median),
        ms(r.parse.cpu + r.validation.cpu),
        ms(r.editParse.median),
        ms(r.editParse.cpu),
        ms(r.editLenses.median),
        `${r.editLenses.min.toFixed(2)}-${r.editLenses.max.toFixed(2)}`,
        ms(r.editLenses.cpu),
        ms(r.edit.median),
        `${r.edit.min.toFixed(2)}-${r.edit.max.toFixed(2)}`,
        ms(r.edit.cpu),
        `${(r.edit.median / base.edit.median).toFixed(1)}x`,
        String(r.diagnostics),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(header));
    for (const row of table) console.log(line(row));
    console.log(`load average at the end: ${os.loadavg().map((n) => n.toFixed(1)).join(' ')} (wall times grow with it; cpu is this process's own time)`);
    console.log('');
    const last = rows[rows.length - 1];
    console.log(
        `${last.size} services: per edit, ${ms(last.editLenses.median)} to parse the version and place ${last.lenses} lenses, ` +
            `${ms(last.edit.median)} for its diagnostics (parse ${ms(last.editParse.median)} + lint); ` +
            `when the file is opened, ${ms(last.parse.median + last.placement.median)} for the lenses and ${ms(last.parse.median + last.validation.median)} for the diagnostics ` +
            `(parse ${ms(last.parse.median)} + lint ${ms(last.validation.median)}); ` +
            'the diagnostics run 300 ms after the last keystroke, in the extension host, not the UI thread.',
    );
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
