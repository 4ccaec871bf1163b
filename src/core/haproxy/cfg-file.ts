/**
 * The name of the HAProxy configuration read beside a stack's first compose file. Its own module so that the
 * editor can watch for it without loading the lint pipeline at activation.
 */
export const HAPROXY_CFG = 'haproxy.cfg';
