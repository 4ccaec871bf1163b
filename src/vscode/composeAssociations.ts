import * as vscode from 'vscode';
import type { ComposePlacement, ServicePlacement } from '../core/compose/lens-placement';
import type { ParsedYaml } from '../core/compose/yaml-source';
import { lookupOwn, substitute } from '../core/compose/interpolate';
import { associateStack, declaredReplicas, type FileService, type StackAssociation } from '../core/stack/compose-live';
import type { StackSummary } from '../core/swarm-snapshot';
import { CancelledError } from '../core/cancellation';
import { isComposeDocument, type StackNames } from './stackNames';
import type { SwarmModel } from './swarmModel';

/** A compose service as an open file declares it, for the drift shown in the lens and the tree. */
interface DeclaredService {
    uri: vscode.Uri;
    service: ServicePlacement;
    /** `deploy.replicas`, 1 when unset; undefined for a global service. */
    replicas: number | undefined;
}

/**
 * Which stack each compose file is, for the CodeLens, the tree and the commands: the remembered name (a deploy or a
 * choice from this workspace), else learned from the live swarm (`associateStack`). A single match is remembered,
 * so a file opened in a fresh window keeps its stack once learned. Also the one cache per document version of
 * the YAML parse, which the diagnostics read and the placement (lenses, tree, commands) is read from: a version is
 * parsed once, with the previous version's parse at hand (an edit in one service reads that service again).
 */
export class ComposeAssociations implements vscode.Disposable {
    private readonly versions = new Map<string, { version: number; parsed?: ParsedYaml; placement?: ComposePlacement }>();
    /** Per document, the parse of its last version parsed: the next version's parse reuses what the edit left. */
    private readonly lastParsed = new Map<string, ParsedYaml>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(
        private readonly model: SwarmModel,
        private readonly stackNames: StackNames,
    ) {
        this.subscriptions.push(
            vscode.workspace.onDidCloseTextDocument((document) => {
                this.versions.delete(document.uri.toString());
                this.lastParsed.delete(document.uri.toString());
            }),
        );
    }

    /** The placement of the document's current version (lenses are asked for on every edit). */
    placementOf(document: vscode.TextDocument): ComposePlacement {
        const entry = this.entryOf(document);
        if (!entry.placement) {
            // Its module (and the YAML parser) loads on first need, not at activation.
            const { placeParsedCompose } = require('../core/compose/lens-placement') as typeof import('../core/compose/lens-placement');
            entry.placement = placeParsedCompose(this.parsedOf(document));
        }
        return entry.placement;
    }

    /** The YAML parse of the document's current version (its `source.file` is the path diagnostics name). */
    parsedOf(document: vscode.TextDocument): ParsedYaml {
        const entry = this.entryOf(document);
        if (!entry.parsed) {
            const { parseYamlSource, DEFAULT_LIMITS } = require('../core/compose/yaml-source') as typeof import('../core/compose/yaml-source');
            const file = document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.path;
            const key = document.uri.toString();
            entry.parsed = parseYamlSource(file, document.getText(), DEFAULT_LIMITS, this.lastParsed.get(key));
            this.lastParsed.set(key, entry.parsed);
        }
        return entry.parsed;
    }

    private entryOf(document: vscode.TextDocument): { version: number; parsed?: ParsedYaml; placement?: ComposePlacement } {
        const key = document.uri.toString();
        const cached = this.versions.get(key);
        if (cached && cached.version === document.version) return cached;
        const entry = { version: document.version };
        this.versions.set(key, entry);
        return entry;
    }

    /** The document's stack now; learning a single match remembers it (the change is announced by StackNames). */
    of(document: vscode.TextDocument): StackAssociation {
        const remembered = this.stackNames.get(document.uri);
        const association = associateStack(fileServices(this.placementOf(document)), this.model.snapshot?.stacks, remembered);
        if (association.kind === 'associated' && association.how === 'learned') {
            void this.stackNames.remember(document.uri, association.stack);
        }
        return association;
    }

    /** The live stack of an associated document, when deployed. */
    liveStack(association: StackAssociation): StackSummary | undefined {
        if (association.kind !== 'associated') return undefined;
        return this.model.snapshot?.stacks.find((s) => s.name === association.stack);
    }

    /**
     * What an open compose file of the stack declares for one of its services (the first such file); undefined when
     * no open file is that stack's. Reads only associations already made (no learning from the tree).
     */
    declared(stackName: string, key: string): DeclaredService | undefined {
        for (const document of vscode.workspace.textDocuments) {
            if (!isComposeDocument(document)) continue;
            const association = associateStack(fileServices(this.placementOf(document)), this.model.snapshot?.stacks, this.stackNames.get(document.uri));
            if (association.kind !== 'associated' || association.stack !== stackName) continue;
            const service = this.placementOf(document).services.find((s) => s.key === key);
            if (service) return { uri: document.uri, service, replicas: declaredReplicas(service) };
        }
        return undefined;
    }

    /** Pick Stack: the user chooses which of the matching stacks the file is; remembered like a deploy. */
    async pick(uri: vscode.Uri): Promise<string> {
        const document = await vscode.workspace.openTextDocument(uri);
        const association = this.of(document);
        const candidates = association.kind === 'ambiguous' ? association.candidates : (this.model.snapshot?.stacks ?? []).map((s) => s.name);
        if (candidates.length === 0) throw new Error(vscode.l10n.t('No deployed stack to choose from.'));
        const picked = await vscode.window.showQuickPick(
            candidates.map((name) => {
                const stack = this.model.snapshot?.stacks.find((s) => s.name === name);
                return { label: name, description: stack ? vscode.l10n.t('{0}/{1} running', stack.running, stack.desired) : undefined };
            }),
            { title: vscode.l10n.t('Stack of {0}', vscode.workspace.asRelativePath(uri)), placeHolder: vscode.l10n.t('Several deployed stacks match this file: which one is it?') },
        );
        if (!picked) throw new CancelledError();
        await this.stackNames.remember(uri, picked.label);
        return picked.label;
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
        this.versions.clear();
        this.lastParsed.clear();
    }
}

/** The file's services with their images as deployed: variables from the environment, as the deploy reads them. */
function fileServices(placement: ComposePlacement): FileService[] {
    return placement.services.map((s) => {
        if (s.image === undefined) return { key: s.key };
        const image = substitute(s.image, lookupOwn(process.env));
        return image.error || image.value === '' ? { key: s.key } : { key: s.key, image: image.value };
    });
}
