import * as assert from 'node:assert/strict';
import { canonicalSpec, diffSpecs, formatSpecChanges } from '../../src/core/stack/spec-diff';
import { descopedName, naturalCompare, validateStackName } from '../../src/core/stack/names';
import { describePlan, imagesToResolve, planDeploy, planIsEmpty, type DesiredStack, type ExistingState, type PlanOptions } from '../../src/core/stack/plan';
import type { Service, ServiceSpec } from '../../src/core/specs';

function serviceSpec(name: string, image: string, replicas?: number): ServiceSpec {
    return {
        Name: name,
        Labels: { 'com.docker.stack.namespace': 'prod', 'com.docker.stack.image': image },
        TaskTemplate: {
            ContainerSpec: {
                Image: image,
                Labels: { 'com.docker.stack.namespace': 'prod' },
                Privileges: { CredentialSpec: null, SELinuxContext: null },
            },
            Resources: {},
            Placement: {},
            Networks: [{ Target: 'prod_web', Aliases: ['test'] }],
            ForceUpdate: 0,
        },
        Mode: { Replicated: replicas === undefined ? {} : { Replicas: replicas } },
        EndpointSpec: {},
    };
}

function existingService(spec: ServiceSpec, id = 'id-' + spec.Name): Service {
    return { ID: id, Version: { Index: 10 }, CreatedAt: '', UpdatedAt: '', Spec: JSON.parse(JSON.stringify(spec)) as ServiceSpec };
}

function desired(...services: ServiceSpec[]): DesiredStack {
    return {
        stackName: 'prod',
        networks: [{ key: 'web', name: 'prod_web', request: { Name: 'prod_web', Driver: 'overlay', Scope: 'swarm', IPAM: null, Internal: false, Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: null, Labels: { 'com.docker.stack.namespace': 'prod' } } }],
        externalNetworks: [],
        secrets: [],
        configs: [{ key: 'cfg', name: 'prod_cfg', spec: { Name: 'prod_cfg', Labels: { 'com.docker.stack.namespace': 'prod' }, Data: 'YQ==' } }],
        services: services.map((spec) => ({ key: (spec.Name ?? '').replace(/^prod_/, ''), name: spec.Name ?? '', spec })),
    };
}

function emptyState(): ExistingState {
    return { services: [], foreignServices: [], networks: [], foreignNetworks: [], secrets: [], configs: [], externalNetworks: new Map() };
}

const normalizeImage = (image: string) => (image.includes(':') || image.includes('@') ? image : `${image}:latest`);

function options(partial: Partial<PlanOptions> = {}): PlanOptions {
    return { resolveImage: 'never', prune: false, resolutions: new Map(), normalizeImage, ...partial };
}

describe('stack names', () => {
    it('trims white space and quotes as the CLI does, and refuses an empty name', () => {
        assert.equal(validateStackName(' "prod" '), 'prod');
        assert.equal(validateStackName("'a b'"), 'a b');
        assert.throws(() => validateStackName(' "\' '), /invalid stack name: " \\"' "/);
    });
    it('descopes only names of the stack', () => {
        assert.equal(descopedName('prod', 'prod_web'), 'web');
        assert.equal(descopedName('prod', 'production_web'), undefined);
    });
    it('sorts naturally: x-2 before x-10', () => {
        assert.deepEqual(['x-10', 'x-2', 'x-1'].sort(naturalCompare), ['x-1', 'x-2', 'x-10']);
    });
});

describe('spec comparison', () => {
    it('treats omitempty zero values as absent but keeps pointer zeros', () => {
        assert.deepEqual(canonicalSpec({ A: 0, B: false, C: '', D: [], E: {}, F: null, Replicas: 0, Global: {} }), { Replicas: 0, Global: {} });
    });
    it('lists leaf changes with dotted paths', () => {
        const before = serviceSpec('prod_test', 'test:latest', 20);
        const after = serviceSpec('prod_test', 'test:v2', 5);
        const lines = formatSpecChanges(diffSpecs(before, after));
        assert.deepEqual(lines, [
            'Labels.com.docker.stack.image: test:latest → test:v2',
            'Mode.Replicated.Replicas: 20 → 5',
            'TaskTemplate.ContainerSpec.Image: test:latest → test:v2',
        ]);
    });
});

describe('deploy plan', () => {
    it('creates everything on a first deploy', () => {
        const plan = planDeploy(desired(serviceSpec('prod_test', 'test')), emptyState(), options());
        assert.deepEqual(plan.networks.map((n) => n.action), ['create']);
        assert.deepEqual(plan.configs.map((c) => c.action), ['create']);
        assert.equal(plan.services[0].action, 'create');
        assert.equal(plan.services[0].spec.TaskTemplate.ContainerSpec?.Image, 'test:latest', 'the image is normalised as the CLI does');
        assert.equal(plan.services[0].spec.Labels?.['com.docker.stack.image'], 'test', 'the label keeps the compose string');
        assert.deepEqual(plan.problems, []);
    });

    it('leaves an unchanged service alone instead of updating it as the CLI does', () => {
        const spec = serviceSpec('prod_test', 'test', 3);
        // As the engine stores it: normalised image, network by ID, daemon defaults filled in.
        const stored: ServiceSpec = {
            ...spec,
            TaskTemplate: {
                ...spec.TaskTemplate,
                ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Image: 'test:latest', Isolation: 'default' },
                Networks: [{ Target: 'n1', Aliases: ['test'] }],
                Runtime: 'container',
            },
        };
        const state = emptyState();
        state.services = [existingService(stored)];
        state.networks = [{ Name: 'prod_web', Id: 'n1', Scope: 'swarm', Driver: 'overlay' }];
        state.configs = [{ ID: 'c1', Version: { Index: 3 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: 'prod_cfg', Labels: { 'com.docker.stack.namespace': 'prod' }, Data: 'YQ==' } }];
        const plan = planDeploy(desired(spec), state, options());
        assert.equal(plan.services[0].action, 'unchanged');
        assert.equal(plan.networks[0].action, 'unchanged');
        assert.equal(plan.configs[0].action, 'unchanged');
        assert.ok(planIsEmpty(plan));
    });

    it('counts a stored replica count of 1 as equal to a spec without replicas', () => {
        const state = emptyState();
        state.services = [existingService(serviceSpec('prod_test', 'test:latest', 1))];
        const plan = planDeploy(desired(serviceSpec('prod_test', 'test:latest')), state, options());
        assert.equal(plan.services[0].action, 'unchanged');
    });

    it('updates a service whose replicas differ, keeping its ForceUpdate, and shows the change', () => {
        const running = serviceSpec('prod_test', 'test:latest', 50);
        running.TaskTemplate.ForceUpdate = 4;
        const state = emptyState();
        state.services = [existingService(running)];
        const plan = planDeploy(desired(serviceSpec('prod_test', 'test:latest', 20)), state, options());
        assert.equal(plan.services[0].action, 'update');
        assert.equal(plan.services[0].spec.TaskTemplate.ForceUpdate, 4);
        assert.ok(describePlan(plan).includes('    Mode.Replicated.Replicas: 50 → 20'));
    });

    it('keeps the running image under changed/never when the compose image equals the last deploy label (CLI §1.5)', () => {
        const running = serviceSpec('prod_test', 'test:latest', 1);
        running.TaskTemplate.ContainerSpec = { ...running.TaskTemplate.ContainerSpec, Image: 'test:latest@sha256:abc' };
        const state = emptyState();
        state.services = [existingService(running)];
        for (const mode of ['changed', 'never'] as const) {
            const plan = planDeploy(desired(serviceSpec('prod_test', 'test:latest', 1)), state, options({ resolveImage: mode }));
            assert.equal(plan.services[0].spec.TaskTemplate.ContainerSpec?.Image, 'test:latest@sha256:abc', mode);
        }
        assert.deepEqual(imagesToResolve(desired(serviceSpec('prod_test', 'test:latest', 1)), state, 'changed'), []);
        assert.deepEqual(imagesToResolve(desired(serviceSpec('prod_test', 'test:latest', 1)), state, 'always'), ['test:latest']);
    });

    it('pins the digest and platforms a registry returned, and carries its warning when it could not be asked', () => {
        const resolutions = new Map([
            ['a:1', { pinnedImage: 'a:1@sha256:d', platforms: [{ OS: 'linux', Architecture: 'amd64' }] }],
            ['b:1', { warning: 'image b:1 could not be accessed on a registry to record\nits digest.' }],
        ]);
        const plan = planDeploy(desired(serviceSpec('prod_a', 'a:1'), serviceSpec('prod_b', 'b:1')), emptyState(), options({ resolveImage: 'always', resolutions }));
        assert.equal(plan.services[0].spec.TaskTemplate.ContainerSpec?.Image, 'a:1@sha256:d');
        assert.deepEqual(plan.services[0].spec.TaskTemplate.Placement?.Platforms, [{ OS: 'linux', Architecture: 'amd64' }]);
        assert.equal(plan.services[1].spec.TaskTemplate.ContainerSpec?.Image, 'b:1');
        assert.equal(plan.warnings.length, 1);
    });

    it('prunes only with prune, sorted by name', () => {
        const state = emptyState();
        state.services = [existingService(serviceSpec('prod_z', 'z:1')), existingService(serviceSpec('prod_old', 'o:1')), existingService(serviceSpec('prod_test', 'test:latest'))];
        const d = desired(serviceSpec('prod_test', 'test:latest'));
        assert.deepEqual(planDeploy(d, state, options()).prune, []);
        assert.deepEqual(planDeploy(d, state, options({ prune: true })).prune.map((p) => p.name), ['prod_old', 'prod_z']);
    });

    it('reports blocking problems before anything is sent', () => {
        const state = emptyState();
        state.externalNetworks = new Map([['outside', undefined], ['local', { Name: 'local', Id: 'l', Scope: 'local', Driver: 'bridge' }]]);
        state.foreignServices = [existingService(serviceSpec('prod_test', 'test:latest'))];
        state.configs = [{ ID: 'c1', Version: { Index: 3 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: 'prod_cfg', Data: 'Yg==' } }];
        const plan = planDeploy(desired(serviceSpec('prod_test', 'test:latest')), state, options());
        assert.equal(plan.problems.length, 4, plan.problems.join('\n'));
        assert.match(plan.problems[0], /network "outside" is declared as external, but could not be found/);
        assert.match(plan.problems[1], /not in the right scope: "local" instead of "swarm"/);
        assert.match(plan.problems.join('\n'), /config prod_cfg exists with other content/);
        assert.match(plan.problems.join('\n'), /service prod_test already exists and does not belong to stack prod/);
    });
});
