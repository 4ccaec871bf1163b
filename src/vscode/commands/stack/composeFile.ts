import * as vscode from 'vscode';
import { replicasEdit } from '../../../core/stack/compose-live';
import type { ExtensionServices } from '../../services';

/** Argument of swarmStacks.writeReplicasToFile. */
interface WriteReplicasArg {
    uri: vscode.Uri;
    /** The service key in the file (`web`). */
    key: string;
    replicas: number;
}

/** Pick Stack (from the lens shown when several deployed stacks match a compose file). */
export function pickComposeStack(services: ExtensionServices, argument: unknown): Promise<string> {
    const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new Error(vscode.l10n.t('Open a compose file to choose its stack.'));
    return services.associations.pick(uri);
}

/** Writes a replica count into the service's `deploy.replicas` in its compose file, and saves the file. */
export async function writeReplicasToFile(services: ExtensionServices, argument: unknown): Promise<void> {
    const { uri, key, replicas } = argument as WriteReplicasArg;
    const document = await vscode.workspace.openTextDocument(uri);
    const service = services.associations.placementOf(document).services.find((s) => s.key === key);
    if (!service) throw new Error(vscode.l10n.t('{0} has no service {1}.', vscode.workspace.asRelativePath(uri), key));
    const edit = replicasEdit(document.getText(), service, replicas);
    if (!edit) throw new Error(vscode.l10n.t('The replicas of {0} in {1} are not written where they can be changed; set deploy.replicas to {2} by hand.', key, vscode.workspace.asRelativePath(uri), replicas));
    const workspaceEdit = new vscode.WorkspaceEdit();
    const range = new vscode.Range(edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character);
    workspaceEdit.replace(uri, range, edit.text);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error(vscode.l10n.t('{0} could not be edited.', vscode.workspace.asRelativePath(uri)));
    await document.save();
    services.log.info(`Wrote replicas: ${replicas} for ${key} into ${uri.fsPath}`);
}

/**
 * After a Scale: when an open compose file of the service's stack declares another count, offers to write the new
 * one into it (else the next deploy of the file scales back). The offer is not awaited: the command settles.
 */
export function offerToWriteReplicas(services: ExtensionServices, stackName: string | undefined, key: string, replicas: number): void {
    if (stackName === undefined) return;
    const declared = services.associations.declared(stackName, key);
    if (!declared || declared.replicas === undefined || declared.replicas === replicas) return;
    const write = vscode.l10n.t('Write to File');
    const file = vscode.workspace.asRelativePath(declared.uri);
    void vscode.window
        .showInformationMessage(vscode.l10n.t('{0} declares {1} replicas for {2}; the swarm now runs {3}. Write {3} into the file?', file, declared.replicas, key, replicas), write)
        .then((choice) => {
            if (choice === write) void vscode.commands.executeCommand('swarmStacks.writeReplicasToFile', { uri: declared.uri, key, replicas } satisfies WriteReplicasArg);
        });
}
