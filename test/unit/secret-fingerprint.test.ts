/**
 * With config rotation, what the swarm holds of a secret (its name, its labels) tells nothing about its content to
 * someone who lists secrets: the mark is a keyed fingerprint whose key stays in the user's Swarm Stacks folder. A
 * machine without that key cannot tell whether a secret changed, and deploys it again as a new version.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { StackSpecs } from '../../src/core/compose/convert';
import type { Secret } from '../../src/core/specs';
import { KEY_FILE_NAME, nodeFingerprintKeyIo, swarmStacksConfigDir } from '../../src/core/stack/fingerprint-key-node';
import { describePlan, type DeployPlan } from '../../src/core/stack/plan';
import { CONTENT_HASH_LABEL, planRotation } from '../../src/core/stack/rotation';
import {
    SECRET_FINGERPRINT_LABEL,
    fingerprintKey,
    fingerprintLabel,
    loadFingerprintKey,
    secretFingerprint,
    type FingerprintKey,
    type FingerprintKeyIo,
} from '../../src/core/stack/secret-fingerprint';
import { runCliCaptured, scriptedEmptySwarm } from './support/cli';

const NS = 'com.docker.stack.namespace';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const THIS_MACHINE = fingerprintKey(Buffer.alloc(32, 1));
const OTHER_MACHINE = fingerprintKey(Buffer.alloc(32, 2));

function pinStack(pin: string): StackSpecs {
    return {
        networks: [],
        externalNetworks: [],
        secrets: [{ key: 'pin', name: 'bank_pin', spec: { Name: 'bank_pin', Labels: { [NS]: 'bank' }, Data: b64(pin) } }],
        configs: [],
        services: [
            {
                key: 'app',
                name: 'bank_app',
                image: 'app',
                spec: { Name: 'bank_app', TaskTemplate: { ContainerSpec: { Image: 'app', Secrets: [{ SecretID: '', SecretName: 'bank_pin', File: { Name: 'pin', UID: '0', GID: '0', Mode: 0o400 } }] } } },
                secretNames: ['bank_pin'],
                configNames: [],
            },
        ],
        warnings: [],
    };
}

const held = (id: string, name: string, labels: Record<string, string>): Secret =>
    ({ ID: id, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: name, Labels: { [NS]: 'bank', ...labels } } });
const markOf = (key: FingerprintKey, text: string) => ({ [SECRET_FINGERPRINT_LABEL]: fingerprintLabel(key, secretFingerprint(key, b64(text))) });

/** Everything of a planned secret that goes to the swarm and that the API gives back to whoever lists secrets. */
function listed(specs: StackSpecs): string {
    return JSON.stringify(specs.secrets.map((s) => ({ name: s.name, Name: s.spec.Name, Labels: s.spec.Labels })));
}

function planLines(rotation: ReturnType<typeof planRotation>): string[] {
    const plan: DeployPlan = {
        stackName: 'bank',
        resolveImage: 'never',
        networks: [],
        secrets: rotation.specs.secrets.map((s) => ({ key: s.key, name: s.name, action: 'create', spec: s.spec })),
        configs: [],
        services: [],
        prune: [],
        problems: rotation.problems,
        warnings: [],
        rotation: rotation.objects,
    };
    return describePlan(plan);
}

describe('secret fingerprints (core/stack/secret-fingerprint.ts, rotation.ts)', () => {
    it('a 6-digit PIN cannot be found from the name and labels the swarm lists: no unkeyed hash of it is there', () => {
        const pin = '482913';
        // A first deploy (plain name) and a changed PIN (rotated name): both are listed by anyone with access.
        const first = planRotation(pinStack(pin), { secrets: [], configs: [] }, () => THIS_MACHINE);
        const changed = planRotation(pinStack(pin), { secrets: [held('s1', 'bank_pin', markOf(THIS_MACHINE, '000000'))], configs: [] }, () => THIS_MACHINE);
        assert.equal(changed.objects[0].rotated, true);
        for (const plan of [first, changed]) {
            const shown = listed(plan.specs);
            assert.ok(!shown.includes(sha256(pin).slice(0, 8)), `the unsalted sha256 of the PIN is listed: ${shown}`);
            assert.ok(!shown.includes(CONTENT_HASH_LABEL), shown);
        }
        // What an attacker can compute from a guess without the key matches nothing listed; with the key it would.
        const guessWithoutKey = secretFingerprint(fingerprintKey(Buffer.alloc(32, 0)), b64(pin));
        assert.ok(!listed(changed.specs).includes(guessWithoutKey.slice(0, 8)));
        assert.ok(listed(changed.specs).includes(secretFingerprint(THIS_MACHINE, b64(pin)).slice(0, 8)));
    });

    it('the same content under two keys gives two unrelated names and labels', () => {
        const existing = { secrets: [held('s1', 'bank_pin', markOf(THIS_MACHINE, 'old'))], configs: [] };
        const mine = planRotation(pinStack('482913'), existing, () => THIS_MACHINE);
        const theirs = planRotation(pinStack('482913'), existing, () => OTHER_MACHINE);
        assert.notEqual(mine.specs.secrets[0].name, theirs.specs.secrets[0].name);
        assert.notEqual(mine.specs.secrets[0].spec.Labels?.[SECRET_FINGERPRINT_LABEL], theirs.specs.secrets[0].spec.Labels?.[SECRET_FINGERPRINT_LABEL]);
        assert.match(mine.specs.secrets[0].spec.Labels?.[SECRET_FINGERPRINT_LABEL] ?? '', new RegExp(`^hmac-sha256:${THIS_MACHINE.id}:[0-9a-f]{64}$`));
    });

    it('this machine keeps an unchanged secret and rotates a changed one, saying it is new content', () => {
        const same = planRotation(pinStack('482913'), { secrets: [held('s1', 'bank_pin', markOf(THIS_MACHINE, '482913'))], configs: [] }, () => THIS_MACHINE);
        assert.deepEqual(same.objects.map((o) => [o.name, o.rotated]), [['bank_pin', false]]);
        const changed = planRotation(pinStack('482913'), { secrets: [held('s1', 'bank_pin', markOf(THIS_MACHINE, '111111'))], configs: [] }, () => THIS_MACHINE);
        assert.equal(changed.objects[0].contentUnknown, undefined);
        assert.match(planLines(changed)[0], /^secret bank_pin-[0-9a-f]{8}: create \(new content of bank_pin; /);
    });

    it('a machine without the key (or a secret from an older Swarm Stacks) cannot tell: it deploys the secret again and says why', () => {
        const unknown: Record<string, string>[] = [markOf(OTHER_MACHINE, '482913'), { [CONTENT_HASH_LABEL]: sha256('482913').slice(0, 8) }, {}];
        for (const labels of unknown) {
            const plan = planRotation(pinStack('482913'), { secrets: [held('s1', 'bank_pin', labels)], configs: [] }, () => THIS_MACHINE);
            assert.deepEqual(plan.objects.map((o) => [o.name.startsWith('bank_pin-'), o.rotated, o.contentUnknown]), [[true, true, true]], JSON.stringify(labels));
            assert.equal(plan.specs.services[0].spec.TaskTemplate.ContainerSpec?.Secrets?.[0]?.SecretName, plan.objects[0].name);
            assert.match(planLines(plan)[0], /its fingerprint in the swarm was not made with this machine's key, so whether it changed cannot be told/);
        }
    });

    it('a rotated name that exists without this content\'s fingerprint stops the deploy', () => {
        const name = `bank_pin-${secretFingerprint(THIS_MACHINE, b64('482913')).slice(0, 8)}`;
        const plan = planRotation(pinStack('482913'), { secrets: [held('s1', 'bank_pin', {}), held('s2', name, markOf(OTHER_MACHINE, 'x'))], configs: [] }, () => THIS_MACHINE);
        assert.deepEqual(plan.problems, [`secret ${name} exists but does not hold the content of pin: remove it, or remove the stack first`]);
    });

    it('the key is asked for only when a file-backed secret is rotated, and its absence is an error, not a guess', () => {
        const configsOnly: StackSpecs = { ...pinStack('1'), secrets: [], services: [] };
        assert.doesNotThrow(() => planRotation(configsOnly, { secrets: [], configs: [] }, () => assert.fail('the key was read for no secret')));
        assert.throws(() => planRotation(pinStack('1'), { secrets: [], configs: [] }), /needs the secret fingerprint key/);
    });
});

describe('the secret fingerprint key file (core/stack/fingerprint-key-node.ts)', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-fingerprint-key-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('lives in the Swarm Stacks folder: SWARM_STACKS_CONFIG_DIR, %APPDATA%, $XDG_CONFIG_HOME or ~/.config', () => {
        assert.equal(swarmStacksConfigDir({ SWARM_STACKS_CONFIG_DIR: '/x' }, 'linux'), '/x');
        assert.equal(swarmStacksConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux'), path.join('/xdg', 'swarm-stacks'));
        assert.equal(swarmStacksConfigDir({}, 'linux', () => '/home/u'), path.join('/home/u', '.config', 'swarm-stacks'));
        assert.equal(swarmStacksConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32'), path.join('C:\\Users\\u\\AppData\\Roaming', 'swarm-stacks'));
    });

    it('is created on first use, readable by its owner only, and read back the same afterwards', function () {
        if (process.platform === 'win32') this.skip();
        const folder = path.join(dir, 'swarm-stacks');
        const io = nodeFingerprintKeyIo({ SWARM_STACKS_CONFIG_DIR: folder });
        const first = loadFingerprintKey(io);
        const file = path.join(folder, KEY_FILE_NAME);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
        assert.deepEqual(fs.readdirSync(folder), [KEY_FILE_NAME]);
        const again = loadFingerprintKey(nodeFingerprintKeyIo({ SWARM_STACKS_CONFIG_DIR: folder }));
        assert.equal(again.id, first.id);
        assert.deepEqual(Buffer.from(again.bytes), Buffer.from(first.bytes));
    });

    it('refuses a key others may read, a file that is no key, and a link, each with a sentence naming the file', function () {
        if (process.platform === 'win32') this.skip();
        const file = path.join(dir, KEY_FILE_NAME);
        const io = nodeFingerprintKeyIo({ SWARM_STACKS_CONFIG_DIR: dir });
        loadFingerprintKey(io);
        fs.chmodSync(file, 0o644);
        assert.throws(() => loadFingerprintKey(io), new RegExp(`may be read or changed by other users \\(mode 0644\\): run chmod 600 ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        fs.rmSync(file);
        fs.writeFileSync(file, 'not a key\n', { mode: 0o600 });
        assert.throws(() => loadFingerprintKey(io), /is not a secret fingerprint key \(64 hex digits\)/);
        fs.rmSync(file);
        fs.writeFileSync(path.join(dir, 'elsewhere'), `${'a'.repeat(64)}\n`, { mode: 0o600 });
        fs.symlinkSync(path.join(dir, 'elsewhere'), file);
        assert.throws(() => loadFingerprintKey(io), /is not a regular file/);
    });

    it('a folder that cannot be made is one sentence naming the key file and SWARM_STACKS_CONFIG_DIR', () => {
        // A file where the folder should be: refused to every user, root included.
        fs.writeFileSync(path.join(dir, 'occupied'), '');
        const io = nodeFingerprintKeyIo({ SWARM_STACKS_CONFIG_DIR: path.join(dir, 'occupied', 'swarm-stacks') });
        const file = path.join(dir, 'occupied', 'swarm-stacks', KEY_FILE_NAME);
        assert.throws(() => loadFingerprintKey(io), (error: Error) => error.message === `the secret fingerprint key ${file} could not be created (ENOTDIR): set SWARM_STACKS_CONFIG_DIR to a folder this user may write`);
    });

    it('two runs creating it at once agree on one key', () => {
        let stored: string | undefined;
        const racing: FingerprintKeyIo = {
            location: '/fake/secret-fingerprint.key',
            // The other run's key lands between this run's read and its create.
            read: () => (stored === undefined ? undefined : { text: stored, mode: 0o100600 }),
            createExclusive: () => {
                stored = `${'ab'.repeat(32)}\n`;
                return false;
            },
            randomBytes: (size) => Buffer.alloc(size, 0xcd),
        };
        assert.equal(loadFingerprintKey(racing).id, fingerprintKey(Buffer.from('ab'.repeat(32), 'hex')).id);
    });
});

describe('deploy --rotate-configs on a second machine (scripted engine)', () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-fingerprint-cli-'));
        fs.writeFileSync(path.join(dir, 'pin.txt'), '482913');
        fs.writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  app:\n    image: app:1\n    secrets: [pin]\nsecrets:\n  pin:\n    file: ./pin.txt\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('creates its key in SWARM_STACKS_CONFIG_DIR and plans the secret anew, saying why', async () => {
        const keyDir = path.join(dir, 'config');
        const engine = scriptedEmptySwarm({ listSecrets: async () => [held('s1', 'bank_pin', markOf(OTHER_MACHINE, '482913'))] });
        const r = await runCliCaptured(['deploy', '--dry-run', '--rotate-configs', '--resolve-image', 'never', '--no-dotenv', '-c', path.join(dir, 'docker-compose.yml'), 'bank'], {
            env: { SWARM_STACKS_CONFIG_DIR: keyDir },
            connect: () => engine,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(fs.existsSync(path.join(keyDir, KEY_FILE_NAME)));
        const key = loadFingerprintKey(nodeFingerprintKeyIo({ SWARM_STACKS_CONFIG_DIR: keyDir }));
        const name = `bank_pin-${secretFingerprint(key, b64('482913')).slice(0, 8)}`;
        assert.match(r.stdout, new RegExp(`^secret ${name}: create \\(bank_pin again: its fingerprint in the swarm was not made with this machine's key`, 'm'));
        assert.ok(!(r.stdout + r.stderr).includes('482913') && !(r.stdout + r.stderr).includes(b64('482913')));
    });
});
