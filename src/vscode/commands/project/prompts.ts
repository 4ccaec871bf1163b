import * as vscode from 'vscode';
import { readBoundedFile } from '../../../core/bounded-file';
import { CancelledError } from '../../../core/cancellation';
import { chosenImage } from '../../../core/stack/image-choice';

/** showQuickPick that throws CancelledError when dismissed. */
export async function pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T> {
    const chosen = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options });
    if (chosen === undefined) throw new CancelledError();
    return chosen;
}

/** showInputBox that throws CancelledError when dismissed. */
export async function input(options: vscode.InputBoxOptions): Promise<string> {
    const value = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
    if (value === undefined) throw new CancelledError();
    return value;
}

/** Validation message for a whole number in [min, max], or undefined. */
export function validateInteger(value: string, min: number, max: number): string | undefined {
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
        return vscode.l10n.t('Enter a whole number from {0} to {1}.', min, max);
    }
    return undefined;
}

/** A Uri from a command argument that may be a Uri, a path string, or something else (then undefined). */
export function uriArgument(value: unknown): vscode.Uri | undefined {
    if (value instanceof vscode.Uri) return value;
    if (typeof value === 'string' && value !== '') return value.includes('://') ? vscode.Uri.parse(value) : vscode.Uri.file(value);
    return undefined;
}

/** A plain options object argument (not a Uri, not the array of selected resources the explorer passes). */
export function optionsArgument<T extends object>(value: unknown): Partial<T> {
    return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof vscode.Uri) ? value : {};
}

export async function isDirectory(uri: vscode.Uri): Promise<boolean> {
    try {
        return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
    } catch {
        return false;
    }
}

/**
 * A file's text, or undefined when there is none. A file on disk (a compose file, the haproxy.cfg beside it) is read
 * as every file a compose file names is read: bounded, regular files only (src/core/bounded-file.ts).
 */
export async function readText(uri: vscode.Uri): Promise<string | undefined> {
    if (uri.scheme === 'file') {
        try {
            return new TextDecoder().decode(readBoundedFile(uri.fsPath));
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
        }
    }
    try {
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (error) {
        if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
        throw error;
    }
}

export interface PickOrTypeOptions {
    title: string;
    placeholder: string;
    items: readonly vscode.QuickPickItem[];
    /** Why a value cannot be taken (shown next to the typed entry; Enter then does nothing), or undefined. */
    problemOf: (value: string) => string | undefined;
}

/**
 * A quick pick of proposals where any value can be typed instead. What is typed in full is the answer, whatever item
 * the list highlights meanwhile; a highlighted item counts when nothing is typed or the typed text filters to it
 * (`chosenImage`). Throws CancelledError when dismissed.
 */
export async function pickOrType(options: PickOrTypeOptions): Promise<string> {
    const quickPick = vscode.window.createQuickPick();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.items = options.items;
    quickPick.ignoreFocusOut = true;
    const disposables: vscode.Disposable[] = [quickPick];
    try {
        return await new Promise<string>((resolve, reject) => {
            disposables.push(
                quickPick.onDidChangeValue((value) => {
                    const typed = value.trim();
                    const known = typed === '' || options.items.some((i) => i.label === typed);
                    quickPick.items = known ? options.items : [{ label: typed, description: options.problemOf(typed) ?? vscode.l10n.t('typed') }, ...options.items];
                }),
                quickPick.onDidAccept(() => {
                    const chosen = chosenImage(quickPick.value, quickPick.activeItems[0]?.label);
                    if (chosen === undefined || options.problemOf(chosen) !== undefined) return;
                    resolve(chosen);
                    quickPick.hide();
                }),
                quickPick.onDidHide(() => reject(new CancelledError())),
            );
            quickPick.show();
        });
    } finally {
        for (const d of disposables) d.dispose();
    }
}
