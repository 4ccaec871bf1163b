/** The engine under test and an image to run, for engine tests. */
import * as fs from 'fs';
import * as os from 'os';

import { DockerClient } from '../../../src/docker/client';
import { resolveDockerEndpoint } from '../../../src/docker/endpoint';
import { isDockerError } from '../../../src/docker/errors';

/** A client for the endpoint the Docker CLI would use here (DOCKER_HOST, contexts, default socket). */
export function engineClient(timeoutMs = 30_000): DockerClient {
    const endpoint = resolveDockerEndpoint({
        env: process.env,
        readFile: (file) => fs.readFileSync(file, 'utf8'),
        homedir: () => os.homedir(),
    });
    return new DockerClient(endpoint, { timeoutMs });
}

/** The testbed's node image (scripts/testbed), built by another step. */
export const TESTBED_NODE_IMAGE = 'swarm-stacks-testbed/node:20';
/** The HAProxy image the test bed builds (scripts/testbed/images.sh). */
export const TESTBED_HAPROXY_IMAGE = 'swarm-stacks-testbed/haproxy:2.6';

/**
 * An image that exists locally: the testbed node image if present, else any tagged local image,
 * else undefined (the caller then builds a tiny one).
 */
export async function localImage(client: DockerClient): Promise<string | undefined> {
    try {
        await client.inspectImage(TESTBED_NODE_IMAGE);
        return TESTBED_NODE_IMAGE;
    } catch (error) {
        if (!isDockerError(error, 'notFound')) throw error;
    }
    const images = await client.listImages();
    return images.flatMap((i) => i.RepoTags)[0];
}
