import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { convertStack } from '../../src/core/compose/convert';
import { parseCompose, ROOT } from './convert-helpers';

const DIR = path.join(ROOT, 'test/fixtures/conformance');

describe('conformance corpus converts', () => {
    const names = fs.readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();
    it('has at least 15 files', () => assert.ok(names.length >= 15));
    for (const f of names) {
        it(f, () => {
            const out = convertStack(parseCompose(fs.readFileSync(path.join(DIR, f), 'utf8')), {
                stackName: 'conf',
                workingDir: DIR,
                readFile: (p) => fs.readFileSync(p),
                env: { HOME: '/root' },
            });
            assert.ok(out.services.length > 0);
            for (const s of out.services) {
                assert.strictEqual(s.spec.TaskTemplate.ContainerSpec!.Image, 'swarm-stacks-testbed/node:20');
                assert.ok(s.spec.TaskTemplate.ContainerSpec!.Command || s.spec.TaskTemplate.ContainerSpec!.Args);
            }
        });
    }
    it('spot checks', () => {
        const conv = (f: string) =>
            convertStack(parseCompose(fs.readFileSync(path.join(DIR, f), 'utf8')), { stackName: 'conf', workingDir: DIR, readFile: (p) => fs.readFileSync(p) });
        const n = conv('11-networks.yml');
        assert.deepStrictEqual(n.networks.map((x) => x.name), ['conf_back', 'conf_default', 'conf_front', 'conformance-named-net']);
        const h = conv('12-external-host-network.yml');
        assert.deepStrictEqual(h.externalNetworks, ['host']);
        assert.deepStrictEqual(h.services[0].spec.TaskTemplate.Networks, [{ Target: 'host' }]);
        const s = conv('14-secrets-configs.yml');
        assert.deepStrictEqual(s.services[0].spec.TaskTemplate.ContainerSpec!.Secrets!.map((x) => [x.SecretName, x.File!.Mode]), [['conf_plain', 292], ['conformance-named-secret-v1', 288]]);
        const p = conv('04-ports-short.yml');
        assert.strictEqual(p.services[0].spec.EndpointSpec!.Ports!.length, 9);
    });
});
