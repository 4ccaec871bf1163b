import * as assert from 'assert';
import { createHash } from 'crypto';

import { SshProcessError, sshArguments } from '../../src/docker/sshConnection';
import { quoteShellWord } from '../../src/docker/sshUrl';
import { CancelledError } from '../../src/core/cancellation';
import {
    contextDirName,
    DockerEndpoint,
    EndpointConfigError,
    resolveDockerEndpoint,
    ResolveEndpointOptions,
} from '../../src/docker/endpoint';
import { DockerError, fromDaemonResponse, timeoutError, toDockerError } from '../../src/docker/errors';

const HOME = '/home/me';

/** A fake file system: path → contents; anything else is ENOENT. */
function fakeFs(files: Record<string, string>, unreadable: string[] = []): (file: string) => string {
    return (file: string) => {
        if (unreadable.includes(file)) {
            throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
        }
        const content = files[file];
        if (content === undefined) {
            throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
        }
        return content;
    };
}

function resolve(
    env: Record<string, string>,
    files: Record<string, string> = {},
    extra: Partial<ResolveEndpointOptions> = {},
): DockerEndpoint {
    return resolveDockerEndpoint({ env, readFile: fakeFs(files), homedir: () => HOME, platform: 'linux', ...extra });
}

const sha = (name: string): string => createHash('sha256').update(name).digest('hex');

function contextFiles(configDir: string, name: string, endpoint: Record<string, unknown>, tls?: Record<string, string>): Record<string, string> {
    const files: Record<string, string> = {
        [`${configDir}/contexts/meta/${sha(name)}/meta.json`]: JSON.stringify({
            Name: name,
            Metadata: { Description: 'test' },
            Endpoints: { docker: endpoint },
        }),
    };
    for (const [file, content] of Object.entries(tls ?? {})) {
        files[`${configDir}/contexts/tls/${sha(name)}/docker/${file}`] = content;
    }
    return files;
}

describe('resolveDockerEndpoint', () => {
    it('defaults to the unix socket when nothing is configured', () => {
        assert.deepStrictEqual(resolve({}), {
            source: 'default',
            url: 'unix:///var/run/docker.sock',
            protocol: 'unix',
            socketPath: '/var/run/docker.sock',
        });
    });

    it('defaults to the named pipe on Windows', () => {
        const e = resolve({}, {}, { platform: 'win32' });
        assert.strictEqual(e.protocol, 'npipe');
        assert.strictEqual(e.socketPath, '//./pipe/docker_engine');
        assert.strictEqual(e.url, 'npipe:////./pipe/docker_engine');
    });

    it('the setting wins over DOCKER_HOST, DOCKER_CONTEXT and config.json', () => {
        const e = resolve(
            { DOCKER_HOST: 'tcp://other:2375', DOCKER_CONTEXT: 'remote' },
            { [`${HOME}/.docker/config.json`]: '{"currentContext":"remote"}' },
            { host: 'unix:///run/user/1000/docker.sock' },
        );
        assert.strictEqual(e.source, 'setting');
        assert.strictEqual(e.socketPath, '/run/user/1000/docker.sock');
        assert.strictEqual(e.url, 'unix:///run/user/1000/docker.sock');
    });

    it('a blank setting counts as not set', () => {
        assert.strictEqual(resolve({ DOCKER_HOST: 'tcp://h:2375' }, {}, { host: '  ' }).source, 'DOCKER_HOST');
    });

    describe('DOCKER_HOST', () => {
        it('unix://path', () => {
            const e = resolve({ DOCKER_HOST: 'unix:///tmp/d.sock' });
            assert.deepStrictEqual(e, { source: 'DOCKER_HOST', url: 'unix:///tmp/d.sock', protocol: 'unix', socketPath: '/tmp/d.sock' });
        });

        it('unix:// without a path is the default socket', () => {
            assert.strictEqual(resolve({ DOCKER_HOST: 'unix://' }).socketPath, '/var/run/docker.sock');
        });

        it('npipe://', () => {
            const e = resolve({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' });
            assert.strictEqual(e.protocol, 'npipe');
            assert.strictEqual(e.socketPath, '//./pipe/docker_engine');
        });

        it('tcp:// without TLS is plain http on the given port', () => {
            const e = resolve({ DOCKER_HOST: 'tcp://10.0.0.5:2375' });
            assert.deepStrictEqual(e, { source: 'DOCKER_HOST', url: 'tcp://10.0.0.5:2375', protocol: 'tcp', host: '10.0.0.5', port: 2375 });
            assert.strictEqual(e.tls, undefined);
        });

        it('tcp:// without a port gets 2375, or 2376 with TLS; a bare host:port is tcp', () => {
            assert.strictEqual(resolve({ DOCKER_HOST: 'tcp://docker.example' }).port, 2375);
            assert.strictEqual(resolve({ DOCKER_HOST: 'tcp://docker.example', DOCKER_TLS_VERIFY: '1' }).port, 2376);
            const bare = resolve({ DOCKER_HOST: 'docker.example:1234' });
            assert.strictEqual(bare.protocol, 'tcp');
            assert.strictEqual(bare.url, 'tcp://docker.example:1234');
        });

        it('IPv6 addresses in brackets', () => {
            const e = resolve({ DOCKER_HOST: 'tcp://[::1]:2375' });
            assert.strictEqual(e.host, '::1');
            assert.strictEqual(e.url, 'tcp://[::1]:2375');
        });

        it('DOCKER_TLS_VERIFY reads ca/cert/key from DOCKER_CERT_PATH and verifies', () => {
            const e = resolve(
                { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
                { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' },
            );
            assert.deepStrictEqual(e.tls, { ca: 'CA', cert: 'CERT', key: 'KEY', verify: true, dir: '/certs' });
            assert.strictEqual(e.host, 'h');
            assert.strictEqual(e.port, 2376);
        });

        it('DOCKER_CERT_PATH defaults to ~/.docker (DOCKER_CONFIG when set); missing files are left out as in the CLI', () => {
            const e = resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' }, { [`${HOME}/.docker/ca.pem`]: 'CA' });
            assert.deepStrictEqual(e.tls, { ca: 'CA', verify: true, dir: `${HOME}/.docker` });
            const c = resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/cfg' }, { '/cfg/ca.pem': 'CA2' });
            assert.strictEqual(c.tls?.ca, 'CA2');
        });

        it('DOCKER_TLS without DOCKER_TLS_VERIFY is TLS without verification', () => {
            const e = resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: '/c' }, { '/c/cert.pem': 'C', '/c/key.pem': 'K' });
            assert.strictEqual(e.tls?.verify, false);
            assert.strictEqual(e.tls?.cert, 'C');
        });

        it('no TLS variables: no TLS even with DOCKER_CERT_PATH', () => {
            assert.strictEqual(resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_CERT_PATH: '/c' }, { '/c/ca.pem': 'CA' }).tls, undefined);
        });

        it('a cert without its key is an error naming the file', () => {
            assert.throws(
                () => resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' }, { '/c/cert.pem': 'C' }),
                (err: Error) => err instanceof EndpointConfigError && err.message.includes('/c/key.pem'),
            );
        });

        it('ssh://user@host:port', () => {
            const e = resolve({ DOCKER_HOST: 'ssh://deploy@swarm.example:2222', SSH_AUTH_SOCK: '/tmp/agent.sock' });
            assert.deepStrictEqual(e, {
                source: 'DOCKER_HOST',
                url: 'ssh://deploy@swarm.example:2222',
                protocol: 'ssh',
                host: 'swarm.example',
                port: 2222,
                username: 'deploy',
            });
        });

        it('ssh:// without user or port leaves both to ssh and ~/.ssh/config', () => {
            const e = resolve({ DOCKER_HOST: 'ssh://swarm-alias' });
            assert.deepStrictEqual(e, { source: 'DOCKER_HOST', url: 'ssh://swarm-alias', protocol: 'ssh', host: 'swarm-alias' });
        });

        it('ssh:// with a path names the engine socket on the remote host', () => {
            const e = resolve({ DOCKER_HOST: 'ssh://me@h/run/user/1000/docker.sock' });
            assert.strictEqual(e.host, 'h');
            assert.strictEqual(e.socketPath, '/run/user/1000/docker.sock');
            assert.strictEqual(resolve({ DOCKER_HOST: 'ssh://me@h/' }).socketPath, undefined);
        });

        it('ssh:// with a password, a query or no host is refused', () => {
            assert.throws(() => resolve({ DOCKER_HOST: 'ssh://me:secret@h' }), /password in an ssh URL is not supported/);
            assert.throws(() => resolve({ DOCKER_HOST: 'ssh://h?x=1' }), /cannot have a query/);
            assert.throws(() => resolve({ DOCKER_HOST: 'ssh://me@' }), /ssh host name is empty/);
        });

        it('ssh:// parts are checked before ssh starts: whitespace, control characters, bad escapes, shell characters', () => {
            const refused: [string, RegExp][] = [
                ['ssh://h/run/my docker.sock', /cannot contain whitespace or control characters, and this one has a space$/],
                ['ssh://h/run/docker.sock\tx', /has a tab$/],
                ['ssh://h/run/\x07.sock', /has the character U\+0007$/],
                ['ssh://h/run/\u202Edocker.sock', /has the character U\+202E$/],
                ['ssh://h/run/my%20docker.sock', /the socket path holds a space once decoded$/],
                ['ssh://h/run/%0Adocker.sock', /the socket path holds a line break once decoded$/],
                ['ssh://h/run/%zz.sock', /"%zz" is not a percent-escape: "%" must be followed by two hexadecimal digits/],
                ['ssh://me%zz@h', /"%zz" is not a percent-escape/],
                ['ssh://h/run/%', /"%" is not a percent-escape/],
                ['ssh://h/run/%ff.sock', /the socket path is not UTF-8 text once its percent-escapes are decoded$/],
                ['ssh://a;b@h', /the user name "a;b" contains ";"/],
                ['ssh://me%24%28id%29@h', /the user name "me\$\(id\)" contains "\$"/],
                ['ssh://-oProxyCommand=x@h', /the user name .* contains "-"/],
                ['ssh://h$(id)', /the host name "h\$\(id\)" contains "\$"/],
                ['ssh://-oProxyCommand=evil', /the host name "-oProxyCommand=evil" contains "-"/],
                ['ssh://h%41', /the host name "h%41" contains "%"/],
            ];
            for (const [url, message] of refused) {
                assert.throws(
                    () => resolve({ DOCKER_HOST: url }),
                    (e: unknown) => e instanceof EndpointConfigError && e.message.startsWith('The Docker host "') && message.test(e.message.split(' Use unix://')[0].replace(/\.$/, '')),
                    url,
                );
            }
            const decoded = resolve({ DOCKER_HOST: 'ssh://m%40e@h/run/%E2%82%AC/docker.sock' });
            assert.strictEqual(decoded.username, 'm@e');
            assert.strictEqual(decoded.socketPath, '/run/\u20AC/docker.sock');
            assert.strictEqual(resolve({ DOCKER_HOST: 'ssh://me@[fe80::1%25eth0]:22' }).host, 'fe80::1%eth0');
            assert.strictEqual(resolve({ DOCKER_HOST: 'ssh://h/run/$(id)/docker.sock' }).socketPath, '/run/$(id)/docker.sock');
        });

        it('rejects unknown schemes and bad ports with a sentence naming the value and its origin', () => {
            assert.throws(() => resolve({ DOCKER_HOST: 'fd://' }), /The Docker host "fd:\/\/" from DOCKER_HOST is not valid: the scheme "fd"/);
            assert.throws(() => resolve({ DOCKER_HOST: 'tcp://h:99999' }), /"99999" is not a port number/);
            assert.throws(() => resolve({}, {}, { host: 'ssh://u:pw@h' }), /the setting swarmStacks\.docker\.host.*password/);
        });
    });

    describe('contexts', () => {
        it('names the context folder by the SHA-256 of the name', () => {
            assert.strictEqual(contextDirName('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
        });

        it('DOCKER_CONTEXT reads the meta file and its TLS material', () => {
            const files = contextFiles(
                `${HOME}/.docker`,
                'remote',
                { Host: 'tcp://remote.example:2376', SkipTLSVerify: false },
                { 'ca.pem': 'CA', 'cert.pem': 'CERT', 'key.pem': 'KEY' },
            );
            const e = resolve({ DOCKER_CONTEXT: 'remote' }, files);
            assert.strictEqual(e.source, 'DOCKER_CONTEXT');
            assert.strictEqual(e.contextName, 'remote');
            assert.strictEqual(e.url, 'tcp://remote.example:2376');
            assert.deepStrictEqual(e.tls, {
                ca: 'CA',
                cert: 'CERT',
                key: 'KEY',
                verify: true,
                dir: `${HOME}/.docker/contexts/tls/${sha('remote')}/docker`,
            });
        });

        it('SkipTLSVerify turns verification off', () => {
            const files = contextFiles(`${HOME}/.docker`, 'lab', { Host: 'tcp://lab:2376', SkipTLSVerify: true }, { 'ca.pem': 'CA' });
            const e = resolve({ DOCKER_CONTEXT: 'lab' }, files);
            assert.strictEqual(e.tls?.verify, false);
        });

        it('a context without TLS files is plain tcp', () => {
            const files = contextFiles(`${HOME}/.docker`, 'plain', { Host: 'tcp://plain:2375', SkipTLSVerify: false });
            assert.strictEqual(resolve({ DOCKER_CONTEXT: 'plain' }, files).tls, undefined);
        });

        it('an ssh context', () => {
            const files = contextFiles(`${HOME}/.docker`, 'prod', { Host: 'ssh://ops@prod.example', SkipTLSVerify: false });
            const e = resolve({ DOCKER_CONTEXT: 'prod' }, files);
            assert.strictEqual(e.protocol, 'ssh');
            assert.strictEqual(e.username, 'ops');
            assert.strictEqual(e.contextName, 'prod');
        });

        it('currentContext in config.json under DOCKER_CONFIG', () => {
            const files = {
                '/cfg/config.json': JSON.stringify({ auths: {}, currentContext: 'remote' }),
                ...contextFiles('/cfg', 'remote', { Host: 'unix:///remote.sock' }),
            };
            const e = resolve({ DOCKER_CONFIG: '/cfg' }, files);
            assert.strictEqual(e.source, 'config.json');
            assert.strictEqual(e.contextName, 'remote');
            assert.strictEqual(e.socketPath, '/remote.sock');
        });

        it('DOCKER_HOST wins over DOCKER_CONTEXT, which wins over config.json', () => {
            const files = {
                [`${HOME}/.docker/config.json`]: '{"currentContext":"a"}',
                ...contextFiles(`${HOME}/.docker`, 'a', { Host: 'unix:///a.sock' }),
                ...contextFiles(`${HOME}/.docker`, 'b', { Host: 'unix:///b.sock' }),
            };
            assert.strictEqual(resolve({ DOCKER_HOST: 'unix:///h.sock', DOCKER_CONTEXT: 'b' }, files).socketPath, '/h.sock');
            assert.strictEqual(resolve({ DOCKER_CONTEXT: 'b' }, files).socketPath, '/b.sock');
            assert.strictEqual(resolve({}, files).socketPath, '/a.sock');
        });

        it('the context "default" is the default socket', () => {
            const e = resolve({}, { [`${HOME}/.docker/config.json`]: '{"currentContext":"default"}' });
            assert.deepStrictEqual(e, {
                source: 'config.json',
                contextName: 'default',
                url: 'unix:///var/run/docker.sock',
                protocol: 'unix',
                socketPath: '/var/run/docker.sock',
            });
            assert.strictEqual(resolve({ DOCKER_CONTEXT: 'default' }).source, 'DOCKER_CONTEXT');
        });

        it('config.json without currentContext, or missing, gives the default', () => {
            assert.strictEqual(resolve({}, { [`${HOME}/.docker/config.json`]: '{"auths":{}}' }).source, 'default');
            assert.strictEqual(resolve({}, { [`${HOME}/.docker/config.json`]: '' }).source, 'default');
        });

        it('a missing context is an error naming the context, its origin and the meta file', () => {
            assert.throws(
                () => resolve({ DOCKER_CONTEXT: 'gone' }),
                (err: Error) =>
                    err instanceof EndpointConfigError &&
                    err.message.includes('Docker context "gone" (from DOCKER_CONTEXT) does not exist') &&
                    err.message.includes(`${HOME}/.docker/contexts/meta/${sha('gone')}/meta.json`),
            );
            assert.throws(
                () => resolve({}, { '/cfg/config.json': '{"currentContext":"gone"}' }, { env: { DOCKER_CONFIG: '/cfg' } }),
                /Docker context "gone" \(from currentContext in \/cfg\/config\.json\) does not exist/,
            );
        });

        it('an unreadable or broken meta file is an error naming the context and file', () => {
            const meta = `${HOME}/.docker/contexts/meta/${sha('x')}/meta.json`;
            assert.throws(
                () => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'x' }, readFile: fakeFs({}, [meta]), homedir: () => HOME }),
                (err: Error) => err.message.startsWith(`Cannot read Docker context "x" from ${meta}`),
            );
            assert.throws(() => resolve({ DOCKER_CONTEXT: 'x' }, { [meta]: '{' }), new RegExp(`Docker context "x": ${meta} is not valid JSON`));
            assert.throws(() => resolve({ DOCKER_CONTEXT: 'x' }, { [meta]: '{"Endpoints":{}}' }), /has no Docker endpoint \(Endpoints\.docker\.Host\)/);
        });

        it('a broken config.json is an error naming the file', () => {
            assert.throws(() => resolve({}, { [`${HOME}/.docker/config.json`]: '{nope' }), /config\.json is not valid JSON/);
        });
    });
});

describe('toDockerError', () => {
    const endpoint = 'unix:///var/run/docker.sock';
    const sys = (code: string): Error => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

    it('ECONNREFUSED and ENOENT: cannot reach, is the daemon running', () => {
        for (const code of ['ECONNREFUSED', 'ENOENT']) {
            const e = toDockerError(sys(code), endpoint) as DockerError;
            assert.strictEqual(e.kind, 'unreachable');
            assert.strictEqual(e.message, 'Cannot reach Docker at unix:///var/run/docker.sock. Is the daemon running?');
            assert.strictEqual(e.endpoint, endpoint);
        }
    });

    it('EACCES: permission denied, with what to do', () => {
        const e = toDockerError(sys('EACCES'), endpoint) as DockerError;
        assert.strictEqual(e.kind, 'permissionDenied');
        assert.match(e.message, /^Permission denied while connecting to Docker at unix:\/\/\/var\/run\/docker\.sock\. Add your user to the "docker" group/);
    });

    it('ETIMEDOUT and our own timeout', () => {
        assert.strictEqual((toDockerError(sys('ETIMEDOUT'), 'tcp://h:2375') as DockerError).kind, 'timeout');
        const t = timeoutError('tcp://h:2375', 30000, 'info');
        assert.strictEqual(t.kind, 'timeout');
        assert.strictEqual(t.operation, 'info');
        assert.match(t.message, /^Docker at tcp:\/\/h:2375 did not answer within 30 s\./);
    });

    it('TLS failures', () => {
        const e = toDockerError(sys('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tcp://h:2376') as DockerError;
        assert.strictEqual(e.kind, 'tls');
        assert.match(e.message, /TLS connection to Docker at tcp:\/\/h:2376 failed/);
    });

    it('ssh failures keep ssh\'s own words and say which failure it was', () => {
        const ssh = (exitCode: number | null, stderr: string, spawnCode?: string): SshProcessError =>
            new SshProcessError('ssh failed', { exitCode, signal: null, stderr, ...(spawnCode ? { spawnCode } : {}) });
        const auth = toDockerError(ssh(255, 'root@127.0.0.1: Permission denied (publickey).\n'), 'ssh://u@h') as DockerError;
        assert.strictEqual(auth.kind, 'permissionDenied');
        assert.match(auth.message, /^ssh authentication to ssh:\/\/u@h failed\. ssh said: root@127\.0\.0\.1: Permission denied \(publickey\)\./);
        const key = toDockerError(ssh(255, 'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\n'), 'ssh://h') as DockerError;
        assert.strictEqual(key.kind, 'hostKey');
        assert.match(key.message, /^ssh refused the host key of ssh:\/\/h\. ssh said: .*Host key verification failed\./);
        const refused = toDockerError(ssh(255, 'ssh: connect to host 127.0.0.1 port 9: Connection refused\n'), 'ssh://h:9') as DockerError;
        assert.strictEqual(refused.kind, 'unreachable');
        assert.strictEqual(refused.message, 'Cannot reach Docker at ssh://h:9 over ssh. ssh said: ssh: connect to host 127.0.0.1 port 9: Connection refused');
        const remote = toDockerError(ssh(127, 'bash: line 1: docker: command not found\n'), 'ssh://h') as DockerError;
        assert.match(remote.message, /"docker system dial-stdio" failed there \(status 127\)\. ssh said: bash: line 1: docker: command not found/);
        const missing = toDockerError(ssh(null, '', 'ENOENT'), 'ssh://h') as DockerError;
        assert.strictEqual(missing.kind, 'invalidEndpoint');
        assert.match(missing.message, /the OpenSSH client "ssh" is not on the PATH\. Install OpenSSH/);
    });

    it('plain HTTP to an engine that wants TLS says so', () => {
        const e = fromDaemonResponse(400, 'Client sent an HTTP request to an HTTPS server.', 'tcp://h:2376');
        assert.strictEqual(e.kind, 'tls');
        assert.match(e.message, /expects TLS, but the connection was plain HTTP\. Set DOCKER_TLS_VERIFY=1/);
    });

    it('503 not a swarm manager keeps the daemon message, prefixed like the CLI', () => {
        const message = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
        const modemError = Object.assign(new Error(`(HTTP code 503) unexpected - ${message} `), { statusCode: 503 });
        const e = toDockerError(modemError, endpoint) as DockerError;
        assert.strictEqual(e.kind, 'notSwarmManager');
        assert.strictEqual(e.message, `Error response from daemon: ${message}`);
        assert.strictEqual(e.daemonMessage, message);
        assert.strictEqual(e.statusCode, 503);
        const worker = fromDaemonResponse(503, 'This node is not part of a swarm', endpoint);
        assert.strictEqual(worker.kind, 'notSwarmManager');
        assert.match(worker.message, /docker swarm init/);
    });

    it('404, 409, out of sequence and other daemon errors', () => {
        const json = (statusCode: number, message: string): Error => Object.assign(new Error('x'), { statusCode, json: { message } });
        const nf = toDockerError(json(404, 'service x not found'), endpoint) as DockerError;
        assert.strictEqual(nf.kind, 'notFound');
        assert.strictEqual(nf.message, 'Error response from daemon: service x not found');
        const conflict = toDockerError(json(409, 'rpc error: code = AlreadyExists desc = config sst-a already exists'), endpoint) as DockerError;
        assert.strictEqual(conflict.kind, 'conflict');
        const seq = toDockerError(json(500, 'rpc error: code = Unknown desc = update out of sequence'), endpoint) as DockerError;
        assert.strictEqual(seq.kind, 'outOfSequence');
        assert.match(seq.message, /^Error response from daemon: rpc error: code = Unknown desc = update out of sequence/);
        const other = toDockerError(json(500, 'something broke'), endpoint) as DockerError;
        assert.strictEqual(other.kind, 'daemon');
        assert.strictEqual(other.message, 'Error response from daemon: something broke');
    });

    it('AbortError becomes CancelledError; mapped errors pass through', () => {
        const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
        assert.ok(toDockerError(abort, endpoint) instanceof CancelledError);
        const mapped = fromDaemonResponse(404, 'x', endpoint);
        assert.strictEqual(toDockerError(mapped, endpoint), mapped);
    });
});

describe('sshArguments (as docker/cli cli/connhelper builds them)', () => {
    it('-l, -p, the flags, --, the host and the remote command as one string', () => {
        assert.deepStrictEqual(sshArguments({ host: '127.0.0.1', port: 2222, username: 'root' }), [
            '-l', 'root', '-p', '2222', '-o', 'ConnectTimeout=30', '-T', '--', '127.0.0.1', 'docker system dial-stdio',
        ]);
    });

    it('an alias alone leaves user and port to ~/.ssh/config', () => {
        assert.deepStrictEqual(sshArguments({ host: 'prod-manager' }), ['-o', 'ConnectTimeout=30', '-T', '--', 'prod-manager', 'docker system dial-stdio']);
    });

    it('a remote socket path is quoted for the remote shell, with the caller\'s own ConnectTimeout', () => {
        assert.deepStrictEqual(sshArguments({ host: 'h', socketPath: '/run/docker.sock' }, ['-o', 'ConnectTimeout=5']), [
            '-o', 'ConnectTimeout=5', '-T', '--', 'h', "docker '--host=unix:///run/docker.sock' system dial-stdio",
        ]);
        const last = (socketPath: string): string => sshArguments({ host: 'h', socketPath }).at(-1)!;
        assert.strictEqual(last('/run/$(touch${IFS}/tmp/x).sock'), "docker '--host=unix:///run/$(touch${IFS}/tmp/x).sock' system dial-stdio");
        assert.strictEqual(last("/run/it's;`id`.sock"), 'docker "--host=unix:///run/it\'s;\\`id\\`.sock" system dial-stdio');
        assert.strictEqual(last('/run/a"$b\\c\'.sock'), 'docker "--host=unix:///run/a\\"\\$b\\\\c\'.sock" system dial-stdio');
    });

    it('quotes words as syntax.Quote(LangPOSIX) does', () => {
        assert.strictEqual(quoteShellWord(''), "''");
        assert.strictEqual(quoteShellWord('dial-stdio'), 'dial-stdio');
        assert.strictEqual(quoteShellWord('in'), "'in'");
        assert.strictEqual(quoteShellWord('a=b'), "'a=b'");
        assert.strictEqual(quoteShellWord('~x'), "'~x'");
        // docker/cli's ssh_test.go "bad path" case.
        assert.strictEqual(
            quoteShellWord("unix:///var/run/docker.sock '$(echo hello > /hello.txt)'"),
            '"unix:///var/run/docker.sock \'\\$(echo hello > /hello.txt)\'"',
        );
        assert.throws(() => quoteShellWord('a\u0007b'), /control character/);
        assert.throws(() => quoteShellWord('a\0b'), /control character/);
    });

    it('refuses a user or host that is not a plain name, so nothing reaches ssh as an option or a command', () => {
        assert.throws(() => sshArguments({ host: '-oProxyCommand=evil' }), /ssh cannot be started for this endpoint: the host name "-oProxyCommand=evil" contains "-"/);
        assert.throws(() => sshArguments({ host: 'h', username: 'a b' }), /the user name contains a space/);
        assert.throws(() => sshArguments({ host: 'h;id' }), /contains ";"/);
    });
});
