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

/** existing for planScaffold: the file's text, or undefined when there is no such file. */
export function existingFileReader(targetDir: string): (relPath: string) => string | undefined {
    return (relPath) => {
        const full = resolveInside(targetDir, relPath);
        try {
            return fs.readFileSync(full, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw err;
        }
    };
}

/** writeFile for applyScaffold: creates the folders it needs. */
export function fileWriter(targetDir: string): (relPath: string, content: string) => Promise<void> {
    return async (relPath, content) => {
        const full = resolveInside(targetDir, relPath);
        await fs.promises.mkdir(path.dirname(full), { recursive: true });
        await fs.promises.writeFile(full, content, 'utf8');
    };
}
