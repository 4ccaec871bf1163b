/**
 * Names a user chooses (variables, environment entries, labels, options, hosts) are only ever looked up as the
 * user's own: `toString`, `constructor`, `__proto__`, `hasOwnProperty` and `valueOf` mean nothing more to us than
 * to docker, which has no inherited members to find.
 */
import * as assert from 'assert';

import { convertStack } from '../../src/core/compose/convert';
import { parseDotEnvText } from '../../src/core/compose/env-file';
import { substitute, lookupOwn } from '../../src/core/compose/interpolate';
import { loadCompose, type LoadOptions } from '../../src/core/compose/load';
import { parseDurationNs } from '../../src/core/compose/values';
import type { ServiceSpec } from '../../src/core/specs';
import { nodeSatisfies } from '../../src/core/nodes/constraints';

const BUILT_INS = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

function load(text: string, opts: LoadOptions = {}, files: Record<string, string> = {}) {
    return loadCompose([{ path: '/p/docker-compose.yml', text }], {
        env: {},
        dotEnv: false,
        readFile: (p: string) => {
            if (Object.prototype.hasOwnProperty.call(files, p)) return files[p];
            throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
        },
        ...opts,
    });
}

function serviceSpec(text: string, opts: LoadOptions = {}, files: Record<string, string> = {}): ServiceSpec {
    const loaded = load(text, opts, files);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    assert.deepStrictEqual(errors, []);
    const specs = convertStack(loaded.config!, { stackName: 'demo', workingDir: '/p', readFile: () => new Uint8Array() });
    return specs.services[0].spec;
}

describe('names of JavaScript built-ins in user keys', () => {
    it('interpolation: an unset ${toString} or ${__proto__} is empty, as in docker', () => {
        for (const name of BUILT_INS) {
            // process.env inherits from Object.prototype; the lookup must not.
            const mapping = lookupOwn(process.env);
            assert.strictEqual(substitute(`x\${${name}}y`, mapping).value, 'xy', name);
            assert.deepStrictEqual(substitute(`\${${name}}`, mapping).unset, [name]);
            const spec = serviceSpec(`services:\n  web:\n    image: "app\${${name}}:1"\n`, { env: process.env });
            assert.strictEqual(spec.TaskTemplate.ContainerSpec?.Image, 'app:1', name);
        }
    });

    it('interpolation: a variable that is set under such a name is used, from the environment or .env', () => {
        const env = Object.fromEntries([['constructor', 'c'], ['toString', 't']]);
        assert.strictEqual(substitute('${constructor}-${toString}', lookupOwn(env)).value, 'c-t');
        const spec = serviceSpec('services:\n  web:\n    image: "app:${__proto__}"\n', { dotEnv: true }, { '/p/.env': '__proto__=7\n' });
        assert.strictEqual(spec.TaskTemplate.ContainerSpec?.Image, 'app:7');
    });

    it('.env: such names are ordinary keys', () => {
        const { vars } = parseDotEnvText('__proto__=a\nconstructor=b\n');
        assert.deepStrictEqual(Object.keys(vars).sort(), ['__proto__', 'constructor']);
        assert.strictEqual(vars.__proto__, 'a');
        assert.strictEqual(Object.getPrototypeOf(vars), null);
    });

    it('environment: a bare entry takes no function from anywhere, and a set one is kept', () => {
        const spec = serviceSpec(
            'services:\n  web:\n    image: app\n    environment:\n      - constructor\n      - toString=\n      - __proto__=p\n      - valueOf=v\n',
            { env: {} },
        );
        assert.deepStrictEqual(spec.TaskTemplate.ContainerSpec?.Env, ['__proto__=p', 'constructor', 'toString=', 'valueOf=v']);
        const fromDict = serviceSpec('services:\n  web:\n    image: app\n    environment:\n      hasOwnProperty:\n      __proto__: "1"\n', { env: {} });
        assert.deepStrictEqual(fromDict.TaskTemplate.ContainerSpec?.Env, ['__proto__=1', 'hasOwnProperty']);
    });

    it('env_file: such names are read like any other', () => {
        const spec = serviceSpec('services:\n  web:\n    image: app\n    env_file: vars.env\n', { env: {} }, { '/p/vars.env': '__proto__=1\nconstructor\ntoString=2\n' });
        assert.deepStrictEqual(spec.TaskTemplate.ContainerSpec?.Env, ['__proto__=1', 'toString=2']);
    });

    it('labels: such names are labels like any other', () => {
        const spec = serviceSpec(
            'services:\n  web:\n    image: app\n    labels:\n      - constructor=c\n      - __proto__=p\n    deploy:\n      labels:\n        __proto__: d\n        toString: t\n',
        );
        assert.strictEqual(spec.TaskTemplate.ContainerSpec?.Labels?.['constructor'], 'c');
        assert.ok(Object.prototype.hasOwnProperty.call(spec.TaskTemplate.ContainerSpec?.Labels, '__proto__'));
        assert.strictEqual(spec.TaskTemplate.ContainerSpec?.Labels?.['__proto__'], 'p');
        assert.strictEqual(spec.Labels?.['__proto__'], 'd');
        assert.strictEqual(spec.Labels?.['toString'], 't');
        assert.deepStrictEqual(Object.keys(spec.Labels ?? {}).sort(), ['__proto__', 'com.docker.stack.image', 'com.docker.stack.namespace', 'toString']);
        assert.match(JSON.stringify(spec.Labels), /"__proto__":"d"/);
    });

    it('extra hosts and driver options: such names are host names and options like any other', () => {
        const spec = serviceSpec('services:\n  web:\n    image: app\n    extra_hosts:\n      constructor: 10.0.0.1\n      __proto__: 10.0.0.2\n    logging:\n      driver: json-file\n      options:\n        __proto__: "3"\n');
        assert.deepStrictEqual(spec.TaskTemplate.ContainerSpec?.Hosts, ['10.0.0.2 __proto__', '10.0.0.1 constructor']);
        assert.strictEqual(spec.TaskTemplate.LogDriver?.Options?.['__proto__'], '3');
        assert.ok(Object.prototype.hasOwnProperty.call(spec.TaskTemplate.LogDriver?.Options, '__proto__'));
    });

    it('durations: a unit named like a built-in is an unknown unit', () => {
        for (const name of BUILT_INS) assert.throws(() => parseDurationNs(`1${name}`), new RegExp(`unknown unit "${name}"`), name);
    });

    it('placement constraints: a node label named like a built-in is absent unless the node has it', () => {
        const node = { id: 'n1', hostname: 'h', role: 'worker', labels: {}, engineLabels: {} };
        for (const name of BUILT_INS) {
            assert.strictEqual(nodeSatisfies([`node.labels.${name}==x`], node), false, name);
            assert.strictEqual(nodeSatisfies([`node.labels.${name}!=x`], node), true, name);
            assert.strictEqual(nodeSatisfies([`engine.labels.${name}!=x`], node), true, name);
        }
        assert.strictEqual(nodeSatisfies(['node.labels.constructor==x'], { ...node, labels: { constructor: 'x' } }), true);
    });
});
