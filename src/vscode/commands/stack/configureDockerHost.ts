import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';

import { CancelledError } from '../../../core/cancellation';
import { parseHost } from '../../../docker/endpoint';
import { ContextChoice, dockerContexts, userSshHosts } from '../../../docker/endpointChoices';
import type { ExtensionServices } from '../../services';

interface EndpointPick extends vscode.QuickPickItem {
    /** The setting's new value: '' = as the Docker CLI chooses; undefined = type one. */
    host?: string;
}

/**
 * Configure Docker Host: pick the engine from what the machine already knows (the Docker CLI's choice, its
 * contexts, the hosts of ~/.ssh/config) or type one; the setting is written, then the endpoint is tried once
 * and the answer (engine version, swarm role) or the reason it failed is shown.
 */
export async function configureDockerHost(services: ExtensionServices): Promise<void> {
    const sources = {
        env: process.env,
        homedir: os.homedir,
        readFile: (file: string) => fs.readFileSync(file, 'utf8'),
        readDir: (dir: string) => fs.readdirSync(dir),
    };
    const configuration = vscode.workspace.getConfiguration('swarmStacks.docker');
    const current = configuration.get<string>('host', '').trim();
    const items: EndpointPick[] = [
        {
            label: vscode.l10n.t('As the Docker CLI chooses'),
            description: vscode.l10n.t('DOCKER_HOST, DOCKER_CONTEXT, the current context, or the local socket'),
            host: '',
            picked: current === '',
        },
    ];
    const contexts = dockerContexts(sources);
    if (contexts.length) {
        items.push({ label: vscode.l10n.t('Docker contexts'), kind: vscode.QuickPickItemKind.Separator });
        items.push(...contexts.map((c) => contextItem(c, current)));
    }
    const sshHosts = userSshHosts(sources);
    if (sshHosts.length) {
        items.push({ label: vscode.l10n.t('ssh hosts in ~/.ssh/config'), kind: vscode.QuickPickItemKind.Separator });
        items.push(...sshHosts.map((alias) => ({ label: `ssh://${alias}`, description: current === `ssh://${alias}` ? vscode.l10n.t('current') : '', host: `ssh://${alias}` })));
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: vscode.l10n.t('$(edit) Enter an endpoint…'), description: 'ssh://user@host, tcp://host:2376, unix:///path' });

    const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Docker engine for Swarm Stacks'),
        placeHolder: vscode.l10n.t('Where is the swarm manager?'),
    });
    if (!picked) throw new CancelledError();
    if (picked.detail && picked.host === undefined) {
        // A TLS context: its certificates live with the context, so it is used the CLI's way.
        void vscode.window.showInformationMessage(picked.detail);
        return;
    }
    const host = picked.host ?? (await askForEndpoint(current));
    await configuration.update('host', host || undefined, vscode.ConfigurationTarget.Global);
    await tryEndpoint(services);
}

function contextItem(context: ContextChoice, current: string): EndpointPick {
    if (context.hasTls) {
        return {
            label: context.name,
            description: context.host,
            detail: vscode.l10n.t('Uses TLS certificates of its own: run "docker context use {0}" and choose "As the Docker CLI chooses".', context.name),
        };
    }
    return { label: context.name, description: context.host + (current === context.host ? ` · ${vscode.l10n.t('current')}` : ''), host: context.host };
}

async function askForEndpoint(current: string): Promise<string> {
    const value = await vscode.window.showInputBox({
        title: vscode.l10n.t('Docker endpoint'),
        value: current,
        placeHolder: 'ssh://user@manager.example.com',
        prompt: vscode.l10n.t('ssh:// uses your ssh (keys, agent, ~/.ssh/config); tcp:// uses DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS.'),
        validateInput: (text) => {
            if (!text.trim()) return undefined;
            try {
                // The same grammar the connection uses.
                parseHost(text, 'setting', { tls: undefined, env: {}, what: 'the endpoint' });
                return undefined;
            } catch (error) {
                return error instanceof Error ? error.message : String(error);
            }
        },
    });
    if (value === undefined) throw new CancelledError();
    return value.trim();
}

/** One round trip to the new endpoint, with progress; the result is said once. */
async function tryEndpoint(services: ExtensionServices): Promise<void> {
    const client = services.session.client;
    const info = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Connecting to {0}…', client.endpoint.url), cancellable: true },
        (_progress, token) => {
            const controller = new AbortController();
            token.onCancellationRequested(() => controller.abort());
            return client.info({ signal: controller.signal });
        },
    );
    const role = info.swarm.controlAvailable
        ? vscode.l10n.t('swarm manager of {0} node(s)', info.swarm.nodes ?? 1)
        : info.swarm.localNodeState === 'active'
          ? vscode.l10n.t('a swarm worker (stacks need a manager)')
          : vscode.l10n.t('not in a swarm');
    services.log.info(`Docker endpoint ${client.endpoint.url}: Docker ${info.serverVersion} on ${info.name}, ${role}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Connected to {0}: Docker {1} on {2}, {3}.', client.endpoint.url, info.serverVersion, info.name, role));
    await services.model.refresh();
}
