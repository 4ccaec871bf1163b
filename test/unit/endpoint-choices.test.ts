import * as assert from 'assert';
import { createHash } from 'crypto';

import { dockerContexts, sshConfigHosts, userSshHosts } from '../../src/docker/endpointChoices';

const HOME = '/home/me';

function sources(files: Record<string, string>, dirs: Record<string, string[]>, env: Record<string, string> = {}) {
    return {
        env,
        homedir: () => HOME,
        readFile: (file: string) => {
            if (!(file in files)) throw Object.assign(new Error(`ENOENT ${file}`), { code: 'ENOENT' });
            return files[file];
        },
        readDir: (dir: string) => {
            if (!(dir in dirs)) throw Object.assign(new Error(`ENOENT ${dir}`), { code: 'ENOENT' });
            return dirs[dir];
        },
    };
}

describe('endpoint choices', () => {
    describe('sshConfigHosts', () => {
        it('lists Host aliases, several per line, without patterns, once each', () => {
            const text = [
                'Host *',
                '    ServerAliveInterval 30',
                'Host prod-manager staging',
                '    HostName 10.0.0.5',
                'host=bastion',
                'Host !nope *.internal db?',
                'Match host foo',
                'Host prod-manager',
                '  # Host commented',
            ].join('\n');
            assert.deepStrictEqual(sshConfigHosts(text), ['prod-manager', 'staging', 'bastion']);
        });

        it('no ~/.ssh/config: no hosts', () => {
            assert.deepStrictEqual(userSshHosts(sources({}, {})), []);
            assert.deepStrictEqual(userSshHosts(sources({ [`${HOME}/.ssh/config`]: 'Host a\n' }, {})), ['a']);
        });
    });

    describe('dockerContexts', () => {
        const hash = (name: string): string => createHash('sha256').update(name).digest('hex');

        it('reads each context meta.json under DOCKER_CONFIG, tells which keep TLS material, sorted', () => {
            const root = '/cfg/contexts/meta';
            const files = {
                [`${root}/${hash('remote')}/meta.json`]: JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'ssh://me@swarm' } } }),
                [`${root}/${hash('secure')}/meta.json`]: JSON.stringify({ Name: 'secure', Endpoints: { docker: { Host: 'tcp://h:2376' } } }),
                [`${root}/broken/meta.json`]: '{',
                [`${root}/nohost/meta.json`]: JSON.stringify({ Name: 'nohost', Endpoints: {} }),
            };
            const dirs = {
                [root]: [hash('secure'), hash('remote'), 'broken', 'nohost'],
                [`/cfg/contexts/tls/${hash('secure')}/docker`]: ['ca.pem', 'cert.pem', 'key.pem'],
            };
            assert.deepStrictEqual(dockerContexts(sources(files, dirs, { DOCKER_CONFIG: '/cfg' })), [
                { name: 'remote', host: 'ssh://me@swarm', hasTls: false },
                { name: 'secure', host: 'tcp://h:2376', hasTls: true },
            ]);
        });

        it('no context store: no contexts', () => {
            assert.deepStrictEqual(dockerContexts(sources({}, {})), []);
        });
    });
});
