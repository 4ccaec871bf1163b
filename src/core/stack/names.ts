/** The labels and names through which a stack exists (docker/cli `convert/compose.go`). */
export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';

/**
 * The CLI's stack-name check: trim white space and the quote characters `"` and `'` from both ends;
 * nothing left is an error. No other rule (no character set, no length limit).
 */
export function validateStackName(name: string): string {
    const trimmed = name.replace(/^[\s"']+|[\s"']+$/g, '');
    if (trimmed === '') {
        throw new Error(`invalid stack name: ${JSON.stringify(name)}`);
    }
    return trimmed;
}

export function scopedName(stack: string, key: string): string {
    return `${stack}_${key}`;
}

/** The part of a scoped object name after `<stack>_`, or undefined when it is not the stack's. */
export function descopedName(stack: string, name: string): string | undefined {
    const prefix = `${stack}_`;
    return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

export function stackLabelFilter(stack: string): Record<string, string[]> {
    return { label: [`${NAMESPACE_LABEL}=${stack}`] };
}

/** Natural order, as `docker stack ls` and `services` sort: runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
    return naturalCollator.compare(a, b);
}

const naturalCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
