// Generated list of docker/cli compose schemas (Apache-2.0, see README.md). Run time does not import this file: it
// uses the validators compiled from these schemas (./validators, scripts/generate-validators.mjs) and ./versions.
import v3_0 from './config_schema_v3.0.json';
import v3_1 from './config_schema_v3.1.json';
import v3_2 from './config_schema_v3.2.json';
import v3_3 from './config_schema_v3.3.json';
import v3_4 from './config_schema_v3.4.json';
import v3_5 from './config_schema_v3.5.json';
import v3_6 from './config_schema_v3.6.json';
import v3_7 from './config_schema_v3.7.json';
import v3_8 from './config_schema_v3.8.json';
import v3_9 from './config_schema_v3.9.json';
import v3_10 from './config_schema_v3.10.json';
import v3_11 from './config_schema_v3.11.json';
import v3_12 from './config_schema_v3.12.json';
import v3_13 from './config_schema_v3.13.json';

export const SCHEMAS: Record<string, unknown> = {
    '3.0': v3_0,
    '3.1': v3_1,
    '3.2': v3_2,
    '3.3': v3_3,
    '3.4': v3_4,
    '3.5': v3_5,
    '3.6': v3_6,
    '3.7': v3_7,
    '3.8': v3_8,
    '3.9': v3_9,
    '3.10': v3_10,
    '3.11': v3_11,
    '3.12': v3_12,
    '3.13': v3_13,
};

