import type * as vscode from 'vscode';
import type { ComposeAssociations } from './composeAssociations';
import type { DockerSession } from './dockerSession';
import type { StackNames } from './stackNames';
import type { SwarmModel } from './swarmModel';

/** What every command, view and provider may use; created once in `activate`. */
export interface ExtensionServices {
    context: vscode.ExtensionContext;
    log: vscode.LogOutputChannel;
    session: DockerSession;
    model: SwarmModel;
    stackNames: StackNames;
    /** Which stack each compose file is; the compose placements per document version. */
    associations: ComposeAssociations;
}
