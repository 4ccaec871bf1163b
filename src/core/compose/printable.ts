/**
 * What `convert` prints of the specs a compose file converts to. Everything but a secret's content: the engine never
 * gives a secret's data back through its API, and neither does this tool, on a screen, in a log or a CI transcript.
 * A file-backed secret shows the file it is read from, as `docker stack config` does (docker/cli
 * `cli/command/stack/config.go` prints the compose file, where a secret is its `file:` path).
 */
import type { StackSpecs } from './convert';

export interface PrintableStack {
    networks: StackSpecs['networks'];
    externalNetworks: StackSpecs['externalNetworks'];
    secrets: { key: string; name: string; file?: string; spec: Omit<StackSpecs['secrets'][number]['spec'], 'Data'> }[];
    configs: StackSpecs['configs'];
    services: StackSpecs['services'];
}

export function printableStack(specs: StackSpecs): PrintableStack {
    return {
        networks: specs.networks,
        externalNetworks: specs.externalNetworks,
        secrets: specs.secrets.map(({ key, name, file, spec }) => {
            const { Data: _content, ...withoutData } = spec;
            return { key, name, ...(file !== undefined ? { file } : {}), spec: withoutData };
        }),
        configs: specs.configs,
        services: specs.services,
    };
}
