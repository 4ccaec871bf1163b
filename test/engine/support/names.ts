import { randomBytes } from 'crypto';

/** A name no other test run uses: `sst-<8 hex>[-suffix]`. Lower case, valid for stacks, services, networks. */
export function uniqueName(suffix?: string): string {
    const base = `sst-${randomBytes(4).toString('hex')}`;
    return suffix ? `${base}-${suffix}` : base;
}

export const STACK_LABEL = 'com.docker.stack.namespace';
