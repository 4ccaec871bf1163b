/**
 * Untrusted workspaces: a folder the user has not trusted must not choose what the extension sends, where, or
 * with which credentials. VS Code then takes such settings from the user's own settings only
 * (`capabilities.untrustedWorkspaces.restrictedConfigurations` in the manifest).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Manifest {
    capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations?: string[] } };
    contributes: { configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[] };
}

describe('untrusted workspaces (package.json)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
    const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
    const settings = new Set(sections.flatMap((s) => Object.keys(s.properties)));

    it('restricts every setting that sends data or changes what is sent', () => {
        assert.strictEqual(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
        const sending = [
            // Where requests go, and with which credentials.
            'swarmStacks.docker.host',
            'swarmStacks.deploy.withRegistryAuth',
            // What a deploy sends or removes, and what it reads into the specs.
            'swarmStacks.deploy.resolveImage',
            'swarmStacks.deploy.prune',
            'swarmStacks.deploy.readDotEnv',
            'swarmStacks.deploy.rotateConfigs',
            // How many revisions (with the stack's specs) are kept on the swarm.
            'swarmStacks.history.limit',
            // The images a new project is written with, and so pulled and run.
            'swarmStacks.scaffold.baseImage',
            'swarmStacks.scaffold.haproxyImage',
            // How many requests a probe sends.
            'swarmStacks.probe.requests',
        ];
        for (const name of sending) {
            assert.ok(settings.has(name), `${name} is a setting of the manifest`);
            assert.ok(restricted.includes(name), `${name} is restricted in untrusted workspaces`);
        }
        for (const name of restricted) assert.ok(settings.has(name), `${name} (restricted) is a setting of the manifest`);
    });
});
