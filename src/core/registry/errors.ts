/**
 * What a registry failure means for a person, in one sentence that names the registry and says how to log in.
 * The engine reports registry problems as text (moby `distribution/errors.go`, the registry's own error codes):
 * these are read here, in one place, for push and for the digest lookup of a deploy.
 */
import { loginCommand, registryDisplayName } from './credentials';

type RegistryFailureKind =
    /** The registry refused the credentials sent (wrong password, expired token, no access to the repository). */
    | 'unauthorized'
    /** The registry needs a login and no credentials were sent. */
    | 'noCredentials'
    /** The engine could not reach the registry (down, wrong address, TLS, DNS, timeout). */
    | 'unreachable'
    /** The registry answered that the image or tag does not exist. */
    | 'notFound'
    | 'other';

/** A registry refused or failed an operation; `message` is the one sentence to show. */
export class RegistryError extends Error {
    constructor(
        readonly kind: RegistryFailureKind | 'stalled',
        readonly registry: string,
        message: string,
        /** The engine's or registry's own words, for the log. */
        readonly detail?: string,
    ) {
        super(message);
        this.name = 'RegistryError';
    }
}

const NO_CREDENTIALS = /no basic auth credentials/i;
const UNAUTHORIZED = /unauthori[sz]ed|authentication required|incorrect username or password|invalid username\/password|requested access to the resource is denied|denied:|\b401\b|forbidden/i;
const UNREACHABLE =
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|connection reset|TLS handshake|server gave HTTP response to HTTPS client|x509:|certificate|context deadline exceeded|Client\.Timeout|timeout awaiting|EOF$|503 Service Unavailable|502 Bad Gateway/i;
const NOT_FOUND = /manifest unknown|name unknown|not found|no such image|does not exist|repository name not known/i;

/** Classifies the engine's message (and HTTP status, when the engine answered with one). */
export function classifyRegistryFailure(message: string, statusCode?: number): RegistryFailureKind {
    if (NO_CREDENTIALS.test(message)) return 'noCredentials';
    if (statusCode === 401 || UNAUTHORIZED.test(message)) return 'unauthorized';
    if (UNREACHABLE.test(message)) return 'unreachable';
    if (statusCode === 404 || NOT_FOUND.test(message)) return 'notFound';
    return 'other';
}

/** What was being done, for the sentence. */
interface RegistryFailureContext {
    registry: string;
    image: string;
    /** `push`: pushing the image; `resolve`: asking for its digest before a deploy. */
    operation: 'push' | 'resolve';
    /** The engine's URL: the engine, not this machine, talks to the registry. */
    engine?: string;
    /** Appended before the advice: what the interrupted operation left behind. */
    leftBehind?: string;
}

/**
 * One sentence naming the registry and how to log in; the engine's words in parentheses. `timeout`: no answer in
 * the time given, which says nothing of whether the registry holds the image or can be reached at all.
 */
export function registryFailureMessage(kind: RegistryFailureKind | 'timeout', detail: string, context: RegistryFailureContext): string {
    const name = registryDisplayName(context.registry);
    const login = `\`${loginCommand(context.registry)}\``;
    const doing = context.operation === 'push' ? `the push of ${context.image}` : `the digest of ${context.image}`;
    const left = context.leftBehind ? `; ${context.leftBehind}` : '';
    switch (kind) {
        case 'unauthorized':
            return `The registry ${name} refused the credentials for ${doing} (${detail})${left}: log in with ${login} and try again.`;
        case 'noCredentials':
            return `The registry ${name} needs a login for ${doing} and there are no credentials for it (${detail})${left}: log in with ${login} and try again.`;
        case 'unreachable':
            return (
                `The registry ${name} cannot be reached${context.engine ? ` from the Docker engine at ${context.engine}` : ''} for ${doing} (${detail})${left}: ` +
                `check that it is running at that address, and log in with ${login} if it needs credentials.`
            );
        case 'timeout':
            return `The registry ${name} did not answer${context.engine ? ` the Docker engine at ${context.engine}` : ''} for ${doing} (${detail})${left}: it may be slow or out of reach.`;
        case 'notFound':
            return `The registry ${name} does not have ${context.image} (${detail})${left}: push it first, or log in with ${login} if it is private.`;
        default:
            return `The registry ${name} failed ${doing} (${detail})${left}: if it needs credentials, log in with ${login} and try again.`;
    }
}

/** The registry sentences (see registryFailureMessage) among a deploy's warnings, for a person to see. */
export function registrySentences(warnings: readonly string[]): string[] {
    return [...new Set(warnings.flatMap((w) => w.split('\n')).filter((line) => line.startsWith('The registry ')))];
}

/** The engine's own message of an error thrown by the Docker door (duck-typed: core does not import it). */
export function engineMessageOf(error: unknown): { message: string; statusCode?: number } {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { daemonMessage?: unknown; statusCode?: unknown; message?: unknown };
    const message = typeof e.daemonMessage === 'string' && e.daemonMessage ? e.daemonMessage : typeof e.message === 'string' ? e.message : String(error);
    const result: { message: string; statusCode?: number } = { message };
    if (typeof e.statusCode === 'number') result.statusCode = e.statusCode;
    return result;
}
