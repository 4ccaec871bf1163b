/**
 * Node file-system helpers for the scaffold plan: templates from the extension's media/templates folder,
 * current files and writes in the target folder. Uses `fs`, not `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** media/templates of the extension (or of the repository, in tests): `extensionRoot` is the folder with package.json. */
export function templatesDir(extensionRoot: string): string {
    return path.join(extensionRoot, 'media', 'templates');
}

/** Resolves `relPath` inside `root`; throws when it would leave `root` (absolute paths, `..`). */
export function resolveInside(root: string, relPath: string): string {
    if (relPath === '' || path.isAbsolute(relPath)) throw new Error(`Not a relative path: "${relPath}"`);
    const full = path.resolve(root, relPath);
    const rel = path.relative(path.resolve(root), full);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new Error(`"${relPath}" is outside ${root}`);
    }
    return full;
}

/** readTemplate for planScaffold: `name` is `<variant>/<file>`. */
export function templateReader(dir: string): (name: string) => string {
    return (name) => fs.readFileSync(resolveInside(dir, name), 'utf8');
}

/**
 * Refuses a path whose file, or a folder on the way to it below `targetDir`, is a symbolic link (dangling or not):
 * the scaffold writes only inside the folder, never through a link to somewhere else.
 */
export function refuseLinks(targetDir: string, relPath: string): string {
    const full = resolveInside(targetDir, relPath);
    const parts = path.relative(path.resolve(targetDir), full).split(path.sep);
    let at = path.resolve(targetDir);
    for (const part of parts) {
        at = path.join(at, part);
        const st = fs.lstatSync(at, { throwIfNoEntry: false });
        if (st === undefined) break;
        if (st.isSymbolicLink()) {
            throw new Error(`${at} is a symbolic link; the new project is not written through links (even with --force). Remove the link or choose another folder.`);
        }
    }
    return full;
}

/** existing for planScaffold: the file's text, or undefined when there is no such file; a link is refused. */
export function existingFileReader(targetDir: string): (relPath: string) => string | undefined {
    return (relPath) => {
        const full = refuseLinks(targetDir, relPath);
        try {
            return fs.readFileSync(full, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw err;
        }
    };
}

/** writeFile for applyScaffold: creates the folders it needs; never follows a link (checked again at write time). */
export function fileWriter(targetDir: string): (relPath: string, content: string) => Promise<void> {
    return async (relPath, content) => {
        const full = refuseLinks(targetDir, relPath);
        await fs.promises.mkdir(path.dirname(full), { recursive: true });
        refuseLinks(targetDir, relPath);
        const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fs.constants;
        // O_NOFOLLOW: a link made between the check and the write fails the open instead of being followed.
        const handle = await fs.promises.open(full, O_WRONLY | O_CREAT | O_TRUNC | (O_NOFOLLOW ?? 0), 0o644);
        try {
            await handle.writeFile(content, 'utf8');
        } finally {
            await handle.close();
        }
    };
}
