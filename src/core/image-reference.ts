/**
 * Client-side image reference handling, after the rules of `github.com/distribution/reference`
 * (`normalize.go`, `reference.go`, `regexp.go`) and `github.com/opencontainers/go-digest` (`digest.go`,
 * `algorithm.go`) as the Docker client uses them before every service create/update
 * (docker/cli `cli/command/stack/swarm/deploy_composefile.go`, `cli/command/service/trust.go`): parse the
 * reference normalised (docker.io, library/), then print it in its "familiar" form with `:latest` added when
 * there is neither tag nor digest. The one grammar of image references in this code base: the compose
 * loader's image check uses it too.
 *
 * Own implementation from the documented grammar; no code copied.
 */

export class ImageReferenceError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'ImageReferenceError';
    }
}

interface ImageReference {
    /** Registry host (with port), `docker.io` for Docker Hub. */
    domain: string;
    /** Repository path inside the registry, e.g. `library/nginx`. */
    path: string;
    tag?: string;
    digest?: string;
    /** `domain/path` */
    fullName: string;
    /** Familiar name: `nginx`, `user/app`, `localhost:5000/a/b`. */
    familiarName: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

// grammar (distribution/reference regexp.go)
const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePat = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredIdentifierRe = /^[a-f0-9]{64}$/;
const domainAndPortRe = new RegExp(`^${domainAndPort}$`);

/**
 * go-digest `Digest.Validate`: a registered algorithm and exactly its length of lowercase hex (`sha256:` 64,
 * `sha384:` 96, `sha512:` 128). The reference grammar alone lets any 32 or more hex digits through.
 */
function validateDigest(d: string): void {
    const i = d.indexOf(':');
    const alg = d.slice(0, i);
    const hex = d.slice(i + 1);
    const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
    const want = lengths[alg];
    if (want === undefined) throw new ImageReferenceError('unsupported digest algorithm');
    if (hex.length !== want) throw new ImageReferenceError('invalid checksum digest length');
    if (!/^[a-f0-9]+$/.test(hex)) throw new ImageReferenceError('invalid checksum digest format');
}

/** Go's `reference.Parse` on an already normalised string. */
function parseStrict(s: string): { name: string; tag?: string; digest?: string } {
    const m = referenceRe.exec(s);
    if (!m) {
        if (s === '') throw new ImageReferenceError('repository name must have at least one component');
        if (referenceRe.test(s.toLowerCase())) throw new ImageReferenceError('repository name must be lowercase');
        throw new ImageReferenceError('invalid reference format');
    }
    const name = m[1];
    if (name.length > NAME_TOTAL_LENGTH_MAX) {
        throw new ImageReferenceError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
    }
    if (m[3] !== undefined) validateDigest(m[3]);
    return { name, tag: m[2], digest: m[3] };
}

function splitDockerDomain(name: string): [string, string] {
    const i = name.indexOf('/');
    let domain: string;
    let remainder: string;
    const first = i === -1 ? '' : name.slice(0, i);
    if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
        domain = DEFAULT_DOMAIN;
        remainder = name;
    } else {
        domain = first;
        remainder = name.slice(i + 1);
    }
    if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
    if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
    return [domain, remainder];
}

/**
 * `reference.ParseNormalizedNamed`: accepts familiar forms (`nginx`, `user/app:1`,
 * `localhost:5000/a@sha256:…`). Throws ImageReferenceError with the library's texts, e.g.
 * `invalid reference format`, `invalid reference format: repository name (library/Nginx) must be lowercase`,
 * `invalid repository name (<hex>), cannot specify 64-byte hexadecimal strings`.
 */
export function parseImageReference(ref: string): ImageReference {
    if (anchoredIdentifierRe.test(ref)) {
        throw new ImageReferenceError(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
    }
    const [domain, remainder] = splitDockerDomain(ref);
    let remoteName = remainder;
    const tagSep = remainder.indexOf(':');
    if (tagSep > -1) remoteName = remainder.slice(0, tagSep);
    const at = remoteName.indexOf('@');
    if (at > -1) remoteName = remoteName.slice(0, at);
    if (remoteName.toLowerCase() !== remoteName) {
        throw new ImageReferenceError(`invalid reference format: repository name (${remoteName}) must be lowercase`);
    }
    const parsed = parseStrict(`${domain}/${remainder}`);
    const slash = parsed.name.indexOf('/');
    const pDomain = parsed.name.slice(0, slash);
    const path = parsed.name.slice(slash + 1);
    if (!domainAndPortRe.test(pDomain)) throw new ImageReferenceError('invalid reference format');
    let familiarName: string;
    if (pDomain === DEFAULT_DOMAIN) {
        familiarName = path.startsWith(OFFICIAL_REPO_PREFIX) && path.indexOf('/', OFFICIAL_REPO_PREFIX.length) === -1
            ? path.slice(OFFICIAL_REPO_PREFIX.length)
            : path;
    } else {
        familiarName = parsed.name;
    }
    const out: ImageReference = { domain: pDomain, path, fullName: parsed.name, familiarName };
    if (parsed.tag !== undefined) out.tag = parsed.tag;
    if (parsed.digest !== undefined) out.digest = parsed.digest;
    return out;
}

/**
 * `reference.ParseAnyReference`, which the client applies to a service's image: a bare 64-hex ID or a
 * `sha256:…` digest is a reference; anything else must parse as a normalised name. Returns the library's
 * error text, or undefined when the reference is valid.
 */
export function checkImageReference(ref: string): string | undefined {
    if (anchoredIdentifierRe.test(ref)) return undefined;
    if (/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[a-zA-Z0-9=_-]+$/.test(ref) && !ref.includes('/')) {
        // digest.Parse(ref) succeeds only for a valid digest; otherwise the name rules decide.
        try {
            validateDigest(ref);
            return undefined;
        } catch {
            // fall through: `nginx:1.25` looks like a digest of algorithm "nginx" and is a name.
        }
    }
    try {
        parseImageReference(ref);
        return undefined;
    } catch (error) {
        if (error instanceof ImageReferenceError) return error.message;
        throw error;
    }
}

/** Familiar string of a parsed reference: `name[:tag][@digest]`. */
export function familiarString(ref: ImageReference): string {
    let s = ref.familiarName;
    if (ref.tag !== undefined) s += `:${ref.tag}`;
    if (ref.digest !== undefined) s += `@${ref.digest}`;
    return s;
}

/**
 * The client's normalisation before service create/update: `nginx` → `nginx:latest`,
 * `docker.io/library/nginx:1.25` → `nginx:1.25`, `x@sha256:…` unchanged,
 * anything that does not parse (e.g. a bare 64-hex ID) → unchanged.
 */
export function normalizeImageReference(ref: string): string {
    let parsed: ImageReference;
    try {
        parsed = parseImageReference(ref);
    } catch {
        return ref;
    }
    if (parsed.tag === undefined && parsed.digest === undefined) parsed.tag = 'latest';
    return familiarString(parsed);
}
