import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError } from '../../../core/cancellation';
import { loadCompose } from '../../../core/compose/load';
import { generateHaproxyConfig } from '../../../core/haproxy/generate';
import type { ExtensionServices } from '../../services';
import type { ProposedDocuments } from './proposedDocuments';
import { optionsArgument, pick, readText, uriArgument } from './prompts';

interface GenerateHaproxyOptions {
    /** Replace an existing, different haproxy.cfg without asking (explicit consent, for automation). */
    overwrite: boolean;
}

interface GenerateHaproxyResult {
    file: string;
    action: 'created' | 'updated' | 'unchanged' | 'kept';
    advice: string[];
    warnings: string[];
}

const COMPOSE_RE = /(^|[-.])compose[^/]*\.ya?ml$/i;

async function resolveComposeFile(arg: unknown): Promise<vscode.Uri> {
    const uri = uriArgument(arg);
    if (uri) return uri;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && COMPOSE_RE.test(path.basename(active.fsPath))) return active;
    const found = await vscode.workspace.findFiles('**/{docker-compose,compose}*.{yml,yaml}', '**/node_modules/**', 50);
    if (found.length === 0) throw new Error(vscode.l10n.t('There is no compose file in this workspace.'));
    const items = found.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f }));
    return items.length === 1 ? items[0].uri : (await pick(items, { title: vscode.l10n.t('Generate HAProxy Config: which compose file?') })).uri;
}

export function generateHaproxyConfigCommand(services: ExtensionServices, proposed: ProposedDocuments) {
    return async (arg?: unknown, optionsArg?: unknown): Promise<GenerateHaproxyResult> => {
        const options = optionsArgument<GenerateHaproxyOptions>(optionsArg);
        const composeUri = await resolveComposeFile(arg);
        const text = await readText(composeUri);
        if (text === undefined) throw new Error(vscode.l10n.t('{0} does not exist.', composeUri.fsPath));
        const loaded = loadCompose([{ path: composeUri.fsPath, text }], { env: process.env, dotEnv: true });
        const firstError = loaded.diagnostics.find((d) => d.severity === 'error');
        if (!loaded.config || firstError) {
            throw new Error(vscode.l10n.t('{0} has errors; fix them first: {1}', path.basename(composeUri.fsPath), firstError?.message ?? ''));
        }
        const generated = generateHaproxyConfig(loaded.config);
        const warnings = generated.warnings.map((w) => (w.service ? `${w.service}: ${w.message}` : w.message));
        if (generated.backends.length === 0) {
            throw new Error(
                vscode.l10n.t(
                    'No service of {0} declares SERVICE_PORTS (the dockercloud/haproxy convention), so there is no backend to generate. {1}',
                    path.basename(composeUri.fsPath),
                    warnings.join(' '),
                ),
            );
        }
        const cfgUri = vscode.Uri.joinPath(composeUri, '..', 'haproxy.cfg');
        const current = await readText(cfgUri);
        let action: GenerateHaproxyResult['action'];
        if (current === undefined) {
            action = 'created';
        } else if (current.replace(/\r\n/g, '\n') === generated.text.replace(/\r\n/g, '\n')) {
            action = 'unchanged';
        } else if (options.overwrite) {
            action = 'updated';
        } else {
            await proposed.showDiff(cfgUri, generated.text, vscode.l10n.t('haproxy.cfg (current) ↔ generated'));
            const replace = vscode.l10n.t('Replace');
            const keep = vscode.l10n.t('Keep Current');
            const choice = await vscode.window.showWarningMessage(
                vscode.l10n.t('haproxy.cfg next to {0} differs from the generated one (see the diff). Replace it?', path.basename(composeUri.fsPath)),
                { modal: true },
                replace,
                keep,
            );
            if (choice === undefined) throw new CancelledError();
            action = choice === replace ? 'updated' : 'kept';
        }
        if (action === 'created' || action === 'updated') {
            await vscode.workspace.fs.writeFile(cfgUri, new TextEncoder().encode(generated.text));
        }
        services.log.info(`Generate HAProxy config from ${composeUri.fsPath}: ${action}`);
        for (const line of [...warnings, ...generated.advice]) services.log.info(`  ${line}`);

        const message =
            action === 'created'
                ? vscode.l10n.t('Wrote haproxy.cfg with {0} backend(s).', generated.backends.length)
                : action === 'updated'
                  ? vscode.l10n.t('Updated haproxy.cfg ({0} backend(s)).', generated.backends.length)
                  : action === 'unchanged'
                    ? vscode.l10n.t('haproxy.cfg is already up to date.')
                    : vscode.l10n.t('Kept the current haproxy.cfg.');
        const showAdvice = vscode.l10n.t('Show Advice');
        const open = vscode.l10n.t('Open haproxy.cfg');
        void vscode.window.showInformationMessage(`${message} ${generated.advice[0] ?? ''}`.trim(), showAdvice, open).then(async (choice) => {
            if (choice === open) {
                await vscode.window.showTextDocument(cfgUri);
            } else if (choice === showAdvice) {
                const lines = [
                    `# ${vscode.l10n.t('HAProxy config for {0}', path.basename(composeUri.fsPath))}`,
                    '',
                    `## ${vscode.l10n.t('Changes the compose file needs')}`,
                    ...generated.advice.map((a) => `- ${a}`),
                    ...(warnings.length ? ['', `## ${vscode.l10n.t('Warnings')}`, ...warnings.map((w) => `- ${w}`)] : []),
                ];
                const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') });
                await vscode.window.showTextDocument(doc, { preview: true });
            }
        }, (error: unknown) => services.log.error(String(error)));
        return { file: cfgUri.fsPath, action, advice: generated.advice, warnings };
    };
}
