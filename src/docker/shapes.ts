/**
 * What the client promises of each Engine answer before it hands it on: the fields our types (src/core/specs.ts,
 * ./types.ts) declare as always there, with the JSON type they declare. Each check gives what is wrong, as words for
 * a message ("a service without \"Spec\""), or undefined when the answer has the shape. Fields the types call optional
 * are left to their readers, which already expect them absent.
 */

type Check = (value: unknown) => string | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'a list';
    if (typeof value === 'object') return 'an object';
    return `a ${typeof value}`;
}

type FieldType = 'string' | 'number' | 'object' | 'list';

function hasType(value: unknown, type: FieldType): boolean {
    switch (type) {
        case 'string':
        case 'number':
            return typeof value === type;
        case 'object':
            return isObject(value);
        case 'list':
            return Array.isArray(value);
    }
}

const ARTICLE: Record<FieldType, string> = { string: 'a string', number: 'a number', object: 'an object', list: 'a list' };

/** An object whose fields (dotted paths) have the given types; `what` names it in messages ("a service"). */
function object(what: string, fields: Record<string, FieldType>): Check {
    const paths = Object.entries(fields).map(([path, type]) => ({ path, parts: path.split('.'), type }));
    return (value) => {
        if (!isObject(value)) return `${kindOf(value)} where ${what} was expected`;
        for (const { path, parts, type } of paths) {
            let at: unknown = value;
            for (const part of parts) at = isObject(at) ? at[part] : undefined;
            if (at === undefined || at === null) return `${what} without "${path}"`;
            if (!hasType(at, type)) return `${what} whose "${path}" is ${kindOf(at)}, not ${ARTICLE[type]}`;
        }
        return undefined;
    };
}

/** A list whose every item passes `item`. */
function listOf(item: Check): Check {
    return (value) => {
        if (!Array.isArray(value)) return `${kindOf(value)} where a list was expected`;
        for (let i = 0; i < value.length; i++) {
            const wrong = item(value[i]);
            if (wrong !== undefined) return `a list whose item ${i + 1} is ${wrong}`;
        }
        return undefined;
    };
}

const META: Record<string, FieldType> = { ID: 'string', 'Version.Index': 'number' };

export const SHAPES = {
    anyObject: object('an object', {}),
    service: object('a service', { ...META, Spec: 'object', 'Spec.TaskTemplate': 'object' }),
    task: object('a task', { ...META, ServiceID: 'string', Spec: 'object', Status: 'object', DesiredState: 'string' }),
    node: object('a node', { ...META, Spec: 'object', Status: 'object' }),
    network: object('a network', { Id: 'string', Name: 'string' }),
    secret: object('a secret', { ...META, Spec: 'object', 'Spec.Name': 'string' }),
    config: object('a config', { ...META, Spec: 'object', 'Spec.Name': 'string' }),
    image: object('an image', { Id: 'string' }),
    distribution: object('a distribution answer', { Descriptor: 'object', 'Descriptor.digest': 'string' }),
    event: object('an event', { Type: 'string', Action: 'string', Actor: 'object' }),
    createdId: object('an answer to a create', { ID: 'string' }),
    createdNetwork: object('an answer to a create', { Id: 'string' }),
    nodeId: (value: unknown) => (typeof value === 'string' ? undefined : `${kindOf(value)} where a node ID was expected`),
    listOf,
} as const;

/** `null` (no warnings) or an object: the answer of an update. */
export function objectOrNull(value: unknown): string | undefined {
    return value === null || isObject(value) ? undefined : `${kindOf(value)} where an object was expected`;
}
