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
    return { resolveImage: 'never', prune: false, resolutions: new Map(), normalizeImage, apiVersion: '1.50', ...partial };
}

describe('stack names', () => {
    it('trims white space and quotes as the CLI does, and refuses an empty name', () => {
        assert.equal(validateStackName(' "prod" '), 'prod');
        assert.throws(() => validateStackName("'a b'"), /invalid stack name "a b": it must start with a letter or digit/);
        assert.throws(() => validateStackName('Bad_Name!'), /invalid stack name "Bad_Name!"/);
        assert.throws(() => validateStackName('_prod'), /invalid stack name/);
        assert.equal(validateStackName('Prod_2-a'), 'Prod_2-a');
        assert.equal(validateStackName('a'.repeat(61)), 'a'.repeat(61));
        assert.throws(() => validateStackName('a'.repeat(62)), /longer than 61 characters/);
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
    it('ignores the order of keys inside list items (the engine answers in its own order)', () => {
        assert.deepEqual(diffSpecs({ Ports: [{ TargetPort: 1, Protocol: 'tcp' }] }, { Ports: [{ Protocol: 'tcp', TargetPort: 1 }] }), []);
        assert.equal(diffSpecs({ Ports: [{ TargetPort: 1 }, { TargetPort: 2 }] }, { Ports: [{ TargetPort: 2 }, { TargetPort: 1 }] }).length, 1);
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

    it('counts the endpoint mode vip the engine stores as equal to the CLI\'s `EndpointSpec: {}` (measured on Engine 20.10)', () => {
        const stored = serviceSpec('prod_test', 'test:latest', 1);
        stored.EndpointSpec = { Mode: 'vip' };
        const state = emptyState();
        state.services = [existingService(stored)];
        assert.equal(planDeploy(desired(serviceSpec('prod_test', 'test:latest', 1)), state, options()).services[0].action, 'unchanged');
        // dnsrr stays a change.
        const dnsrr = serviceSpec('prod_test', 'test:latest', 1);
        dnsrr.EndpointSpec = { Mode: 'dnsrr' };
        assert.equal(planDeploy(desired(dnsrr), state, options()).services[0].action, 'update');
    });

    it('counts what Engine 20.10 stores for fields left empty as equal (re-deploy of the conformance corpus)', () => {
        const sent = serviceSpec('prod_test', 'test:latest', 1);
        sent.EndpointSpec = { Ports: [{ TargetPort: 81, PublishedPort: 8081, PublishMode: 'host' }, { TargetPort: 82, PublishedPort: 8082 }] };
        sent.TaskTemplate.RestartPolicy = {};
        sent.TaskTemplate.ContainerSpec!.Mounts = [{ Type: 'bind', Source: '/tmp', Target: '/t', Consistency: 'cached' }];
        const stored = JSON.parse(JSON.stringify(sent)) as ServiceSpec;
        stored.EndpointSpec = {
            Mode: 'vip',
            Ports: [
                { Protocol: 'tcp', TargetPort: 81, PublishedPort: 8081, PublishMode: 'host' },
                { Protocol: 'tcp', TargetPort: 82, PublishedPort: 8082, PublishMode: 'ingress' },
            ],
        };
        stored.TaskTemplate.RestartPolicy = { Condition: 'any' };
        delete stored.TaskTemplate.ContainerSpec!.Mounts![0].Consistency;
        const state = emptyState();
        state.services = [existingService(stored)];
        assert.equal(planDeploy(desired(sent), state, options()).services[0].action, 'unchanged');
        // A different condition or protocol is still a change.
        const udp = JSON.parse(JSON.stringify(sent)) as ServiceSpec;
        udp.EndpointSpec!.Ports![1].Protocol = 'udp';
        assert.equal(planDeploy(desired(udp), state, options()).services[0].action, 'update');
        const onFailure = JSON.parse(JSON.stringify(sent)) as ServiceSpec;
        onFailure.TaskTemplate.RestartPolicy = { Condition: 'on-failure' };
        assert.equal(planDeploy(desired(onFailure), state, options()).services[0].action, 'update');
    });

    it('compares fields an engine does not store only from the API version that stores them', () => {
        const sent = serviceSpec('prod_test', 'test:latest', 1);
        sent.TaskTemplate.ContainerSpec!.OomScoreAdj = 100;
        sent.TaskTemplate.ContainerSpec!.Healthcheck = { Test: ['CMD', 'true'], StartInterval: 1e9 };
        const stored = JSON.parse(JSON.stringify(sent)) as ServiceSpec;
        delete stored.TaskTemplate.ContainerSpec!.OomScoreAdj;
        delete stored.TaskTemplate.ContainerSpec!.Healthcheck!.StartInterval;
        const state = emptyState();
        state.services = [existingService(stored)];
        assert.equal(planDeploy(desired(sent), state, options({ apiVersion: '1.41' })).services[0].action, 'unchanged');
        const on145 = planDeploy(desired(sent), state, options({ apiVersion: '1.45' })).services[0];
        assert.deepEqual(on145.changes.map((c) => c.path), ['TaskTemplate.ContainerSpec.Healthcheck.StartInterval']);
        assert.equal(planDeploy(desired(sent), state, options({ apiVersion: '1.46' })).services[0].changes.length, 2);
        // The spec sent keeps them: an engine that does not know a field ignores it, as with the CLI.
        assert.equal(planDeploy(desired(sent), emptyState(), options({ apiVersion: '1.41' })).services[0].spec.TaskTemplate.ContainerSpec!.OomScoreAdj, 100);
    });

    it('compares an attachment to a built-in external network (host) by the ID the engine stores', () => {
        const sent = serviceSpec('prod_test', 'test:latest', 1);
        sent.TaskTemplate.Networks = [{ Target: 'host' }];
        const stored = JSON.parse(JSON.stringify(sent)) as ServiceSpec;
        stored.TaskTemplate.Networks = [{ Target: 'host-network-id' }];
        const state = emptyState();
        state.services = [existingService(stored)];
        assert.equal(planDeploy(desired(sent), state, options()).services[0].action, 'update');
        state.builtinNetworks = new Map([['host', { Name: 'host', Id: 'host-network-id', Scope: 'local', Driver: 'host' }]]);
        assert.equal(planDeploy(desired(sent), state, options()).services[0].action, 'unchanged');
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

    it('keeps the running image under changed/never when the compose image equals the last deploy label (docker/cli `cli/command/stack/deploy_composefile.go`)', () => {
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

    it('a lookup that failed or timed out keeps the pinned image and platforms a running service runs: a replicas change stays a replicas change', () => {
        const pinned = serviceSpec('prod_web', 'reg:5000/web:latest', 6);
        pinned.TaskTemplate.ContainerSpec!.Image = 'reg:5000/web:latest@sha256:abc';
        pinned.TaskTemplate.Placement = { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] };
        const state = emptyState();
        state.networks = [{ Name: 'prod_web', Id: 'prod_web', Scope: 'swarm', Driver: 'overlay' }];
        state.configs = [{ ID: 'c1', Version: { Index: 3 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: 'prod_cfg', Labels: { 'com.docker.stack.namespace': 'prod' }, Data: 'YQ==' } }];
        state.services = [existingService(pinned)];
        for (const failure of [
            { outcome: 'failed' as const, detail: 'no answer within 3 s' },
            { outcome: 'needsCredentials' as const, detail: 'no basic auth credentials', registry: 'reg:5000' },
        ]) {
            const resolutions = new Map([['reg:5000/web:latest', { warning: 'image reg:5000/web:latest could not be accessed on a registry to record\nits digest.\n', failure }]]);
            const same = planDeploy(desired(serviceSpec('prod_web', 'reg:5000/web:latest', 6)), state, options({ resolveImage: 'always', resolutions }));
            assert.ok(planIsEmpty(same), describePlan(same).join('\n'));
            const scaled = planDeploy(desired(serviceSpec('prod_web', 'reg:5000/web:latest', 4)), state, options({ resolveImage: 'always', resolutions }));
            assert.equal(scaled.services[0].action, 'update');
            assert.deepEqual(formatSpecChanges(scaled.services[0].changes), ['Mode.Replicated.Replicas: 6 → 4']);
            assert.equal(scaled.services[0].spec.TaskTemplate.ContainerSpec?.Image, 'reg:5000/web:latest@sha256:abc');
            assert.deepEqual(scaled.unresolvedKept, [{ image: 'reg:5000/web:latest', services: ['prod_web'] }]);
            // Which image could not be resolved, and what the service keeps: not the CLI's "each node will access it independently".
            assert.deepEqual(scaled.warnings, [`The digest of reg:5000/web:latest could not be read (${failure.detail}): prod_web keeps the image it runs.\n`]);
        }
        // A new tag in the file is a change whatever the lookup said: it goes out as written, with the CLI's warning.
        const resolutions = new Map([['reg:5000/web:2', { warning: 'image reg:5000/web:2 could not be accessed\n', failure: { outcome: 'failed' as const, detail: 'x' } }]]);
        const retagged = planDeploy(desired(serviceSpec('prod_web', 'reg:5000/web:2', 6)), state, options({ resolveImage: 'always', resolutions }));
        assert.equal(retagged.services[0].spec.TaskTemplate.ContainerSpec?.Image, 'reg:5000/web:2');
        assert.deepEqual(retagged.warnings, ['image reg:5000/web:2 could not be accessed\n']);
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
