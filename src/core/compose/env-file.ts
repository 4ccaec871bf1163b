/**
 * Env files.
 *  - parseEnvFileText: docker/cli `pkg/kvfile` rules for `env_file:` (container environment only).
 *  - parseDotEnvText: the `.env` file `docker compose` reads for interpolation (beyond the CLI; see load.ts).
 */

import { userKeyRecord } from '../user-keys';

interface EnvFileEntry {
    key: string;
    /** null = the line had no `=` and the variable is not in the lookup env (the CLI drops it; we keep null only internally) */
    value: string;
    line: number; // 0-based
}

/**
 * kvfile rules: BOM stripped on line 1; lines trimmed on the left only; blank and `#` lines skipped;
 * split at the first `=`; quotes and trailing spaces kept; no interpolation; `KEY` alone takes the
 * value from `lookup` and is dropped when unset. Throws Error with the CLI's texts.
 */
export function parseEnvFileText(text: string, filename: string, lookup: (k: string) => string | undefined): EnvFileEntry[] {
    const out: EnvFileEntry[] = [];
    const lines = text.split('\n');
    // bufio.Scanner: a final empty token after a trailing newline is not a line
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
        let raw = lines[i];
        if (raw.endsWith('\r')) raw = raw.slice(0, -1);
        if (raw.includes('\uFFFD')) {
            throw new Error(`invalid env file (${filename}): invalid utf8 bytes at line ${i + 1}`);
        }
        if (i === 0 && raw.startsWith('\uFEFF')) raw = raw.slice(1);
        const line = raw.replace(/^[\s\u0085\u00A0]+/u, '');
        if (line.length === 0 || line[0] === '#') continue;
        const eq = line.indexOf('=');
        const key = eq >= 0 ? line.slice(0, eq) : line;
        if (key.length === 0) throw new Error(`invalid env file (${filename}): no variable name on line '${line}'`);
        if (/[ \t]/.test(key)) throw new Error(`invalid env file (${filename}): variable '${key}' contains whitespaces`);
        if (eq >= 0) {
            out.push({ key, value: line.slice(eq + 1), line: i });
            continue;
        }
        const v = lookup(key);
        if (v !== undefined) out.push({ key, value: v, line: i });
    }
    return out;
}

/**
 * `.env` as docker compose reads it (subset): `KEY=VALUE`, optional `export `, `#` comments, blank lines;
 * unquoted values trimmed and cut at ` #`; 'single quoted' literal; "double quoted" with \n \t \" \\ escapes.
 * No variable expansion inside values (documented difference from compose v2). Invalid lines are skipped and
 * returned in `errors` (0-based line numbers).
 */
export function parseDotEnvText(text: string): { vars: Record<string, string>; errors: { line: number; message: string }[] } {
    const vars: Record<string, string> = userKeyRecord();
    const errors: { line: number; message: string }[] = [];
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((raw, i) => {
        let line = raw.trim();
        if (line === '' || line.startsWith('#')) return;
        if (line.startsWith('export ')) line = line.slice(7).trim();
        const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=\s*(.*))?$/.exec(line);
        if (!m) {
            errors.push({ line: i, message: `invalid .env line: ${JSON.stringify(raw)}` });
            return;
        }
        const key = m[1];
        let v = m[2];
        if (v === undefined) return; // KEY alone: compose takes it from the environment; nothing to set here
        if (v.startsWith("'")) {
            const end = v.indexOf("'", 1);
            v = end > 0 ? v.slice(1, end) : v.slice(1);
        } else if (v.startsWith('"')) {
            let out = '';
            let j = 1;
            for (; j < v.length; j++) {
                const c = v[j];
                if (c === '\\' && j + 1 < v.length) {
                    const n = v[++j];
                    out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
                } else if (c === '"') break;
                else out += c;
            }
            v = out;
        } else {
            const hash = v.search(/\s#/);
            if (hash >= 0) v = v.slice(0, hash);
            v = v.trim();
        }
        vars[key] = v;
    });
    return { vars, errors };
}
