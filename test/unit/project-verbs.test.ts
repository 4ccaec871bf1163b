import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runCliCaptured, type CliRun } from './support/cli';
import { appNameFromFolder, completeScaffoldInput } from '../../src/core/scaffold/input';

function cli(args: string[]): Promise<CliRun> {
    return runCliCaptured(args);
}

describe('swarm-stacks scaffold (CLI)', () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-cli-scaffold-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('writes the project, skips identical files, refuses changed files without --force', async () => {
        const target = path.join(dir, 'My Shop');
        const first = await cli(['scaffold', '--replicas', '3', '--port', '8081', '--base-image', 'swarm-stacks-testbed/node:20', target]);
        assert.strictEqual(first.code, 0, first.stderr);
        assert.match(fs.readFileSync(path.join(target, 'docker-compose.yaml'), 'utf8'), /^ {2}my-shop:$/m);
        assert.match(fs.readFileSync(path.join(target, 'Dockerfile'), 'utf8'), /^FROM swarm-stacks-testbed\/node:20$/m);

        const again = await cli(['scaffold', '--replicas', '3', '--port', '8081', '--base-image', 'swarm-stacks-testbed/node:20', target]);
        assert.strictEqual(again.code, 0);
        assert.strictEqual((again.stdout.match(/^identical/gm) ?? []).length, 7);

        fs.appendFileSync(path.join(target, 'index.js'), '// mine\n');
        const refused = await cli(['scaffold', '--replicas', '3', '--port', '8081', '--base-image', 'swarm-stacks-testbed/node:20', target]);
        assert.strictEqual(refused.code, 1);
        assert.match(refused.stderr, /index\.js/);
        assert.match(fs.readFileSync(path.join(target, 'index.js'), 'utf8'), /\/\/ mine\n$/);

        const forced = await cli(['scaffold', '--force', '--replicas', '3', '--port', '8081', '--base-image', 'swarm-stacks-testbed/node:20', target]);
        assert.strictEqual(forced.code, 0);
        assert.match(forced.stdout, /^overwrote +.*index\.js$/m);
        assert.doesNotMatch(fs.readFileSync(path.join(target, 'index.js'), 'utf8'), /\/\/ mine/);
    });

    it('reports invalid settings and usage errors', async () => {
        const bad = await cli(['scaffold', '--name', 'proxy', dir]);
        assert.strictEqual(bad.code, 1);
        assert.match(bad.stderr, /taken by the HAProxy service/);
        assert.strictEqual((await cli(['scaffold', '--replicas', 'many', dir])).code, 2);
        assert.strictEqual((await cli(['scaffold'])).code, 2);
        assert.strictEqual((await cli(['build', '--help'])).code, 0);
        assert.strictEqual((await cli(['probe'])).code, 2);
    });
});

describe('scaffold answers', () => {
    it('names the app after the folder and fills the variant defaults', () => {
        assert.strictEqual(appNameFromFolder('/x/My Shop!'), 'my-shop');
        assert.strictEqual(appNameFromFolder('/x/123'), 'app');
        assert.strictEqual(appNameFromFolder('/x/proxy'), 'app');
        const input = completeScaffoldInput({ targetDir: '/x/demo', publishedPort: 8080 });
        assert.deepStrictEqual(
            { variant: input.variant, appName: input.appName, replicas: input.replicas, port: input.port, publishedPort: input.publishedPort, image: input.image, haproxyImage: input.haproxyImage },
            { variant: 'haproxy-dns', appName: 'demo', replicas: 5, port: 8080, publishedPort: 8080, image: 'demo:latest', haproxyImage: 'haproxy:2.6' },
        );
        assert.strictEqual(completeScaffoldInput({ targetDir: '/x/d', variant: 'blog-faithful' }).haproxyImage, 'dockercloud/haproxy');
    });
});
