/**
 * Located diagnostics shared by the compose loader, the converter and the VS Code layer.
 * Positions are 0-based (like VS Code); the text form is 1-based.
 */
interface Position {
    line: number;
    character: number;
}

export interface Range {
    start: Position;
    end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
    file: string;
    range: Range;
    severity: Severity;
    message: string;
    code: string;
    /** Other places the problem involves (the editor links them; the text form leaves them out). */
    related?: RelatedLocation[];
}

interface RelatedLocation {
    file: string;
    range: Range;
    message: string;
}

/** `file:line:col: severity: message` with 1-based line and column. */
export function formatDiagnostic(d: Diagnostic): string {
    return `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

/** Sort by file, then position, then severity (errors first). Stable. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
    const sev = { error: 0, warning: 1, info: 2 } as const;
    return diags
        .map((d, i) => ({ d, i }))
        .sort(
            (a, b) =>
                (a.d.file < b.d.file ? -1 : a.d.file > b.d.file ? 1 : 0) ||
                a.d.range.start.line - b.d.range.start.line ||
                a.d.range.start.character - b.d.range.start.character ||
                sev[a.d.severity] - sev[b.d.severity] ||
                a.i - b.i,
        )
        .map((x) => x.d);
}
