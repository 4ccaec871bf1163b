/**
 * Builds as `docker build` (classic builder) sends them: every registry credential of the Docker CLI's configuration
 * in `X-Registry-Config` (docker/cli `cli/config/configfile/file.go` GetAllCredentials), and the notice for
 * Dockerfile syntax only BuildKit reads.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runBuild, type BuildEngine } from '../../src/core/build/build';
import { describeBuildKitOnlySyntax, findBuildKitOnlySyntax } from '../../src/core/build/buildkit-syntax';
import type { BuildEvent } from '../../src/core/build/progress';
import { allCredentials, encodeRegistryConfigHeader, type CredentialsIo, type HelperRun } from '../../src/core/registry/credentials';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const CONFIG = '/home/me/.docker/config.json';

function fakeIo(config: unknown, helpers: Record<string, (args: string[], input: string) => HelperRun> = {}, extra: Partial<CredentialsIo> = {}): CredentialsIo {
    return {
        configDir: '/home/me/.docker',
        readFile: (file) => (file === CONFIG ? JSON.stringify(config) : undefined),
        runHelper: async (program, args, input) => (helpers[program] ? helpers[program](args, input) : { stdout: '', failure: 'notFound' }),
        ...extra,
    };
}

/** The header read back. */
function decoded(header: string): unknown {
    return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

describe('X-Registry-Config: every credential, as docker build sends them', () => {
    it('takes every auths entry of config.json, decoded, keyed as written', async () => {
        const { auths, problems } = await allCredentials(
            fakeIo({ auths: { '127.0.0.1:5000': { auth: b64('ci:s3cret') }, 'https://index.docker.io/v1/': { auth: b64('me:hub') } } }),
        );
        assert.deepStrictEqual(problems, []);
        assert.deepStrictEqual(decoded(encodeRegistryConfigHeader(auths)), {
            '127.0.0.1:5000': { username: 'ci', password: 's3cret', serveraddress: '127.0.0.1:5000' },
            'https://index.docker.io/v1/': { username: 'me', password: 'hub', serveraddress: 'https://index.docker.io/v1/' },
        });
        const header = encodeRegistryConfigHeader(auths);
        assert.ok(!/[+/]/.test(header), 'base64url');
    });

    it('no configuration is {} (what the CLI sends), not an error', async () => {
        const { auths, problems } = await allCredentials(fakeIo(undefined, {}, { readFile: () => undefined }));
        assert.deepStrictEqual(problems, []);
        assert.strictEqual(encodeRegistryConfigHeader(auths), b64('{}'));
    });

    it('with credsStore: lists the helper, gets each; credHelpers win for their registry; DOCKER_AUTH_CONFIG over the store', async () => {
        const store = (args: string[], input: string): HelperRun => {
            if (args[0] === 'list') return { exitCode: 0, stdout: JSON.stringify({ 'registry.example.com': 'a', 'r2.example.com': 'b' }) };
            return { exitCode: 0, stdout: JSON.stringify({ ServerURL: input, Username: `from-store-${input}`, Secret: 'x' }) };
        };
        const own = (_args: string[], input: string): HelperRun => ({ exitCode: 0, stdout: JSON.stringify({ ServerURL: input, Username: '<token>', Secret: 'tok' }) });
        const io = fakeIo(
            { credsStore: 'store', credHelpers: { 'r2.example.com': 'own' } },
            { 'docker-credential-store': store, 'docker-credential-own': own },
            { envAuthConfig: JSON.stringify({ auths: { 'env.example.com': { auth: b64('e:v') } } }) },
        );
        const { auths, problems } = await allCredentials(io);
        assert.deepStrictEqual(problems, []);
        assert.deepStrictEqual(auths, {
            'registry.example.com': { serveraddress: 'registry.example.com', username: 'from-store-registry.example.com', password: 'x' },
            'r2.example.com': { identitytoken: 'tok', serveraddress: 'r2.example.com' },
            'env.example.com': { username: 'e', password: 'v', serveraddress: 'env.example.com' },
        });
    });

    it('goes on without what it cannot read, saying what, as the CLI goes on', async () => {
        const io = fakeIo({ auths: { 'a.example.com': { auth: b64('u:p') } }, credHelpers: { 'b.example.com': 'missing' } });
        const { auths, problems } = await allCredentials(io);
        assert.deepStrictEqual(Object.keys(auths), ['a.example.com']);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /docker-credential-missing .* is not installed or not on the PATH/);
    });
});

describe('Dockerfile syntax only BuildKit reads (the classic builder is used)', () => {
    it('finds directives, RUN flags, COPY/ADD flags and heredocs, on their lines', () => {
        const dockerfile = [
            '# syntax=docker/dockerfile:1.7',
            '# check=skip=all',
            'FROM node:20',
            'RUN --mount=type=cache,target=/root/.npm npm ci',
            'RUN npm run build \\',
            '    --if-present',
            'COPY --chmod=0755 run.sh /usr/local/bin/',
            'COPY --link --from=0 /a /b',
            'ADD --checksum=sha256:abc https://example.com/x /x',
            'RUN <<EOF',
            'echo hi',
            'EOF',
            'COPY --chown=1000 . /app',
            'RUN echo "--mount is just text here"',
        ].join('\n');
        assert.deepStrictEqual(findBuildKitOnlySyntax(dockerfile), [
            { line: 0, what: '# syntax=', effect: 'ignored' },
            { line: 1, what: '# check=', effect: 'ignored' },
            { line: 3, what: 'RUN --mount', effect: 'fails' },
            { line: 6, what: 'COPY --chmod', effect: 'fails' },
            { line: 7, what: 'COPY --link', effect: 'ignoredOrUnknown' },
            { line: 8, what: 'ADD --checksum', effect: 'ignoredOrUnknown' },
            { line: 9, what: 'RUN with a heredoc (<<)', effect: 'heredoc' },
        ]);
    });

    it('a Dockerfile of the classic syntax has nothing to say; a comment further down is no directive', () => {
        assert.deepStrictEqual(findBuildKitOnlySyntax('FROM node:20\n# syntax=docker/dockerfile:1\nCOPY --from=build /a /b\nRUN echo 1 && \\\n  echo 2\n'), []);
        assert.deepStrictEqual(describeBuildKitOnlySyntax('Dockerfile', []), []);
    });

    it('says the classic builder is used, and per line what does not work', () => {
        assert.deepStrictEqual(describeBuildKitOnlySyntax('Dockerfile', findBuildKitOnlySyntax('FROM a\nRUN --mount=type=secret,id=x cat /run/secrets/x\n')), [
            "Dockerfile uses syntax only BuildKit reads; this build uses the engine's classic builder (as DOCKER_BUILDKIT=0 docker build does):",
            '  Dockerfile:2: RUN --mount: the build fails',
        ]);
    });
});

describe('runBuild sends the credentials and the notice', () => {
    it('passes X-Registry-Config to the engine and shows the BuildKit notice before the build', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-build-'));
        try {
            fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM 127.0.0.1:5000/base\nRUN --mount=type=cache,target=/c true\n');
            const sent: { registryConfig?: string }[] = [];
            const engine: BuildEngine = {
                async buildImage(tar, params) {
                    sent.push(params);
                    tar.on('error', () => undefined);
                    return (async function* () {
                        yield { aux: { ID: 'sha256:1' } };
                    })();
                },
            };
            const events: BuildEvent[] = [];
            const header = encodeRegistryConfigHeader({ '127.0.0.1:5000': { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' } });
            await runBuild(engine, { dir, tags: ['a:1'], registryConfig: async () => ({ header, problems: ['a problem'] }), onEvent: (e) => events.push(e) });
            assert.deepStrictEqual(sent.map((p) => p.registryConfig), [header]);
            const notices = events.filter((e) => e.kind === 'notice').map((e) => (e as { line: string }).line);
            const dockerfile = path.join(dir, 'Dockerfile');
            assert.deepStrictEqual(notices, [
                'a problem',
                `${dockerfile} uses syntax only BuildKit reads; this build uses the engine's classic builder (as DOCKER_BUILDKIT=0 docker build does):`,
                `  ${dockerfile}:2: RUN --mount: the build fails`,
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
