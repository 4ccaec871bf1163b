import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PS_HEADER, SERVICES_HEADER, STACK_HEADER, humanDuration, renderTable, serviceRows, stackRows, taskRows } from '../../src/core/stack/tables';
import type { Node, Service, Task } from '../../src/core/specs';

// Goldens from docker/cli (Apache-2.0, see test/fixtures/docker-cli/README.md).
const goldens = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'docker-cli', 'cli', 'command');
const golden = (file: string) => fs.readFileSync(path.join(goldens, file), 'utf8');

const meta = { Version: { Index: 1 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };

function service(id: string, name: string, labels: Record<string, string> = {}): Service {
    return { ...meta, ID: id, Spec: { Name: name, Labels: labels, TaskTemplate: { ContainerSpec: { Image: 'busybox:latest' } }, Mode: { Replicated: { Replicas: 2 } } } };
}

function task(id: string, serviceId: string, slot: number, createdAt: string, nodeId: string, now: number): Task {
    return {
        ...meta,
        CreatedAt: createdAt,
        ID: id,
        ServiceID: serviceId,
        Slot: slot,
        NodeID: nodeId,
        DesiredState: 'ready',
        Spec: { ContainerSpec: { Image: 'myimage:mytag' } },
        Status: { State: 'failed', Timestamp: new Date(now - 2 * 3600_000).toISOString() },
    };
}

describe('CLI tables (docker/cli goldens)', () => {
    it('stack ls sorts names naturally', () => {
        const services = ['service-name-10-foo', 'service-name-2-foo', 'service-name-1-foo'].map((n, i) => service(`id${i}`, `${n}_svc`, { 'com.docker.stack.namespace': n }));
        assert.equal(renderTable(STACK_HEADER, stackRows(services)), golden('stack/testdata/stack-list-sort-natural.golden'));
    });

    it('stack services shows mode, replicas, image and ingress ports', () => {
        const s = service('id-foo', 'name-foo');
        s.ServiceStatus = { RunningTasks: 0, DesiredTasks: 2 };
        s.Endpoint = { Ports: [{ Protocol: 'tcp', TargetPort: 3232, PublishedPort: 30000, PublishMode: 'ingress' }] };
        assert.equal(renderTable(SERVICES_HEADER, serviceRows([s])), golden('stack/testdata/stack-services-without-format.golden'));
    });

    it('stack ps sorts tasks naturally by name', () => {
        const now = Date.now();
        const services = [service('s1', 'service-name-1'), service('s10', 'service-name-10')];
        const tasks = [task('id-foo', 's10', 1, meta.CreatedAt, 'id-node', now), task('id-bar', 's1', 1, meta.CreatedAt, 'id-node', now)];
        assert.equal(renderTable(PS_HEADER, taskRows(tasks, services, [], now)), golden('task/testdata/task-print-sorted.golden'));
    });

    it('stack ps indents older tasks of the same slot and resolves node names', () => {
        const now = Date.now();
        const services = [service('s', 'service-name-foo')];
        const nodes: Node[] = [{ ...meta, ID: 'id-node', Spec: { Name: 'node-name-bar' }, Status: { State: 'ready' } }];
        const tasks = [task('id-bar', 's', 1, '2026-01-01T00:00:00Z', 'id-node', now), task('id-foo', 's', 1, '2026-01-02T00:00:00Z', 'id-node', now)];
        assert.equal(renderTable(PS_HEADER, taskRows(tasks, services, nodes, now)), golden('task/testdata/task-print-with-indentation.golden'));
    });

    it('says durations as go-units does', () => {
        assert.equal(humanDuration(500), 'less than a second');
        assert.equal(humanDuration(1_000), '1 second');
        assert.equal(humanDuration(45_000), '45 seconds');
        assert.equal(humanDuration(60_000), 'about a minute');
        assert.equal(humanDuration(2 * 3600_000), '2 hours');
        assert.equal(humanDuration(3 * 24 * 3600_000), '3 days');
    });
});
