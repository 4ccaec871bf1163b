/**
 * What the compose editor support costs per keystroke: the CodeLens placement from the light scan of the text (run by
 * VS Code on every edit), and the live diagnostics: the one parse of the document version and the validation on it,
 * which is exactly `swarm-stacks lint` (run ~300 ms after the last edit), for generated compose files of 10, 100 and
 * 500 services. The diagnostics are timed twice: when the file is opened (the whole text read, by the block reader
 * where the layout allows, as here, else by the yaml parser; the parser's own time is printed beside it), and for each
 * edit after that (one service changed: the editor's parse by pieces re-parses that service only, then the lint runs).
 *
 *   npx tsc -p . && node out/bench/codelens.js [runs]
 *
 * It times the code as it ships: it bundles bench/editor-core.ts with the extension's bundle options (minified, the
 * same package builds) into dist/ for the run. Prints figures (median, min and max of N runs after warm-up) and the
 * ratio to the 10-service file; it asserts nothing about time. Plain core code: no VS Code, no engine.
 */
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
    placement: Figures;
    parse: Figures;
    /** The `yaml` package's parse of the same text (what the block reader spares where it reads the text). */
    parser: Figures;
    /** Whether the block reader read the text (else the parse is the parser's). */
    blockRead: boolean;
    validation: Figures;
    /** Parse of an edited version by pieces (one service changed) plus the lint: the diagnostics per edit. */
    edit: Figures;
    editParse: Figures;
    diagnostics: number;
    lenses: number;
}

async function main(): Promise<void> {
    const runs = Math.max(1, Number(process.argv[2]) || 15);
    const sizes = [10, 100, 500];
    const { DEFAULT_LIMITS, YamlPieces, lintParsedCompose, parseYamlSource, parseYamlWithParser, placeParsedCompose, readBlockYaml, scanComposePlacement } = await shippedEditorCore();
    // A path in a folder that does not exist: no .env, no env_file to read; only the text is measured.
    const file = path.join(os.tmpdir(), 'swarm-stacks-bench-nonexistent', 'docker-compose.yml');
    const env = { HOME: os.homedir() };
    const rows: Row[] = [];
    for (const size of sizes) {
        const text = generateCompose(size);
        // As the editor does (src/vscode/composeAssociations.ts, src/vscode/diagnostics): the lenses read the light
        // scan of the text (the parse only where the scan gives up); the diagnostics parse the version once and lint it.
        const placement = measure(runs, () => scanComposePlacement(text) ?? placeParsedCompose(parseYamlSource(file, text)));
        const parse = measure(runs, () => parseYamlSource(file, text));
        const parser = measure(runs, () => parseYamlWithParser(file, text, DEFAULT_LIMITS));
        const parsed = parseYamlSource(file, text);
        const validation = measure(runs, () => lintParsedCompose(parsed, { env }));
        const placed = scanComposePlacement(text) ?? placeParsedCompose(parsed);
        // Edits as a user makes them: the replicas of the middle service typed one way, then back; each version is
        // parsed by pieces against the previous one, as the editor keeps them per document.
        const middle = `  svc${Math.floor(size / 2)}:\n`;
        const at = text.indexOf('      replicas: ', text.indexOf(middle));
        const versions = [text, `${text.slice(0, at)}      replicas: 99${text.slice(text.indexOf('\n', at))}`];
        const pieces = new YamlPieces();
        parseYamlSource(file, text, DEFAULT_LIMITS, pieces);
        let version = 0;
        const editParse = measure(runs, () => parseYamlSource(file, versions[++version % 2], DEFAULT_LIMITS, pieces));
        const edit = measure(runs, () => lintParsedCompose(parseYamlSource(file, versions[++version % 2], DEFAULT_LIMITS, pieces), { env }));
        if (pieces.counts.whole > 0) throw new Error(`the edited versions were parsed whole (${JSON.stringify(pieces.counts)})`);
        rows.push({
            size,
            bytes: Buffer.byteLength(text),
            lines: text.split('\n').length,
            placement,
            parse,
            parser,
            blockRead: readBlockYaml(text, DEFAULT_LIMITS) !== undefined,
            validation,
            edit,
            editParse,
            diagnostics: lintParsedCompose(parsed, { env }).diagnostics.length,
            lenses: 1 + placed.services.length * 4,
        });
    }
    const base = rows[0];
    console.log(`Compose editor support: median of ${runs} runs (after warm-up), Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
    console.log('');
    const header = ['services', 'lines', 'bytes', 'lenses (scan)', '(min-max)', 'cpu', 'x vs 10', 'parse', 'cpu', 'yaml parser', 'lint on the parse', '(min-max)', 'cpu', 'diagnostics at open', 'cpu', 'edit: parse by pieces', 'cpu', 'diagnostics per edit', '(min-max)', 'cpu', 'diags'];
    const table = rows.map((r) => [
        String(r.size),
        String(r.lines),
        String(r.bytes),
        ms(r.placement.median),
        `${r.placement.min.toFixed(2)}-${r.placement.max.toFixed(2)}`,
        ms(r.placement.cpu),
        `${(r.placement.median / base.placement.median).toFixed(1)}x`,
        `${ms(r.parse.median)}${r.blockRead ? '' : ' (parser)'}`,
        ms(r.parse.cpu),
        ms(r.parser.median),
        ms(r.validation.median),
        `${r.validation.min.toFixed(2)}-${r.validation.max.toFixed(2)}`,
        ms(r.validation.cpu),
        ms(r.parse.median + r.validation.median),
        ms(r.parse.cpu + r.validation.cpu),
        ms(r.editParse.median),
        ms(r.editParse.cpu),
        ms(r.edit.median),
        `${r.edit.min.toFixed(2)}-${r.edit.max.toFixed(2)}`,
        ms(r.edit.cpu),
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
        `${last.size} services: ${ms(last.placement.median)} to place ${last.lenses} lenses on each edit; ` +
            `${ms(last.edit.median)} for the live diagnostics of each edit (parse by pieces ${ms(last.editParse.median)} + lint), ` +
            `${ms(last.parse.median + last.validation.median)} when the file is opened (parse ${ms(last.parse.median)}${last.blockRead ? ' by the block reader' : ' by the yaml parser'}, ` +
            `where the yaml parser alone takes ${ms(last.parser.median)}, + lint ${ms(last.validation.median)}); ` +
            'debounced 300 ms after the last keystroke, in the extension host, not the UI thread.',
    );
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
