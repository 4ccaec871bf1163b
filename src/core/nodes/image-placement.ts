/**
 * Where services whose image is in no registry can start. A node pulls an image it lacks from the
 * registry named in the reference (moby `daemon/cluster/executor/container/adapter.go` pullImage);
 * an image with no registry digest was built or loaded on some engine and the other nodes cannot
 * pull it. Only the engine being talked to can be asked whether it holds the image: the other
 * nodes are not reachable through the Engine API, so what is known is said as such.
 */
import type { Node } from '../specs';
import { nodeSatisfies } from './constraints';
import { summarizeNode } from '../swarm-snapshot';
import { naturalCompare } from '../stack/names';

export interface UnpulledImage {
    image: string;
    /** False when no registry was asked (`--resolve-image never`): then it is only not known to be in one. */
    lookedUp: boolean;
    /**
     * What the lookup found, when one was made: `notFound` (the registry does not have it), `needsCredentials` (the
     * registry asked for credentials none were sent for), `failed` (no answer, or another error: nothing is known).
     */
    lookup?: 'notFound' | 'needsCredentials' | 'failed';
    /** Hostname of the node whose engine was asked (the one the client talks to). */
    askedNode: string;
    /** The endpoint of that engine. */
    askedEndpoint: string;
    /** Whether that engine holds the image. */
    askedHasIt: boolean;
    services: {
        name: string;
        /** Nodes that may run its tasks (ready, active, constraints) and are known to hold the image. */
        canStartOn: string[];
        /** Nodes that may run its tasks but cannot pull the image (unless they happen to hold it). */
        cannotStartOn: string[];
    }[];
}

interface ImagePlacementInput {
    /** Services that will get new tasks, with the image they will run and their placement constraints. */
    services: { name: string; image: string; constraints: string[] }[];
    nodes: readonly Node[];
    /** The swarm node ID of the engine being talked to (`/info` Swarm.NodeID). */
    askedNodeId: string;
    askedEndpoint: string;
    /** Whether the engine being talked to holds each image. */
    askedHas: ReadonlyMap<string, boolean>;
    /** Whether a registry was asked about the images (and did not know them). */
    lookedUp: boolean;
    /** What the lookup of each image found (see UnpulledImage.lookup); `notFound` when not given. */
    lookupOf?(image: string): UnpulledImage['lookup'];
}

/** One entry per image that has no registry digest and that some node that may run it cannot pull. */
export function unpulledImages(input: ImagePlacementInput): UnpulledImage[] {
    const nodes = input.nodes
        .map(summarizeNode)
        .filter((n) => n.state === 'ready' && n.availability === 'active')
        .sort((a, b) => naturalCompare(a.hostname, b.hostname));
    const asked = input.nodes.find((n) => n.ID === input.askedNodeId);
    const askedName = asked ? summarizeNode(asked).hostname : input.askedEndpoint;
    const byImage = new Map<string, UnpulledImage>();
    for (const service of input.services) {
        if (!service.image || service.image.includes('@')) continue;
        const hasIt = input.askedHas.get(service.image) === true;
        const eligible = nodes.filter((n) => nodeSatisfies(service.constraints, n));
        const canStartOn = eligible.filter((n) => hasIt && n.id === input.askedNodeId).map((n) => n.hostname);
        const cannotStartOn = eligible.filter((n) => !(hasIt && n.id === input.askedNodeId)).map((n) => n.hostname);
        if (!cannotStartOn.length) continue;
        const entry = byImage.get(service.image) ?? {
            image: service.image,
            lookedUp: input.lookedUp,
            ...(input.lookedUp ? { lookup: input.lookupOf?.(service.image) ?? 'notFound' } : {}),
            askedNode: askedName,
            askedEndpoint: input.askedEndpoint,
            askedHasIt: hasIt,
            services: [],
        };
        entry.services.push({ name: service.name, canStartOn, cannotStartOn });
        byImage.set(service.image, entry);
    }
    return [...byImage.values()];
}

/** What is known about who holds the image: a head and its reason (the editor's preview shows them apart). */
export function knownHolders(u: UnpulledImage): { head: string; reason: string } {
    return u.askedHasIt
        ? { head: `Only ${u.askedNode} (the engine at ${u.askedEndpoint}) is known to hold it`, reason: 'the other nodes cannot be asked and pull it only from a registry' }
        : { head: `No node is known to hold it: ${u.askedNode} (the engine at ${u.askedEndpoint}) does not`, reason: 'the other nodes cannot be asked' };
}

/** Where the image is, as a clause saying only what is known: `is in no registry the nodes can pull from`. */
export function unpulledWhere(u: UnpulledImage): string {
    if (!u.lookedUp) return 'has no registry digest (no registry was asked)';
    switch (u.lookup) {
        case 'needsCredentials':
            return 'is in a registry that asks for credentials, and none go to the swarm without --with-registry-auth';
        case 'failed':
            return 'could not be looked up in its registry, so whether the nodes can pull it is not known';
        default:
            return 'is in no registry the nodes can pull from';
    }
}

/** What is known, in one paragraph per image: the plan's warning. */
export function describeUnpulledImage(u: UnpulledImage): string {
    const perService = u.services
        .map((s) => {
            // After a failed lookup the registry may still have the image: the nodes without it start the task if they pull it.
            const unless = u.lookup === 'failed' ? ` unless ${s.cannotStartOn.length === 1 ? 'it pulls' : 'they pull'} it` : '';
            return `service ${s.name} cannot start on ${s.cannotStartOn.join(', ')}${unless}${s.canStartOn.length ? ` (it can on ${s.canStartOn.join(', ')})` : ''}`;
        })
        .join('; ');
    const known = knownHolders(u);
    const advice = u.lookup === 'needsCredentials' ? 'Deploy with --with-registry-auth so that the nodes can pull it.' : u.lookup === 'failed' ? 'If the registry does not have it, push it there.' : 'Push it to a registry the nodes can reach.';
    return `image ${u.image} ${unpulledWhere(u)}: ${perService}. ${known.head}; ${known.reason}. ${advice}`;
}
