/**
 * The compose schema validators are generated ahead of time (scripts/generate-validators.mjs, Ajv standalone): the
 * committed modules must be exactly what the generator makes from the schemas, and they must report what Ajv
 * compiling the same schema at run time reports.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import type { ErrorObject } from 'ajv';
import { SCHEMAS } from '../../src/core/compose/schema';
import { SCHEMA_VERSIONS } from '../../src/core/compose/schema/versions';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('generated schema validators', function () {
    this.timeout(120_000);

    it('match the schemas: regenerating changes nothing', () => {
        // Exits 1 and names the stale modules when a schema or the Ajv version changed without regenerating.
        execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'generate-validators.mjs'), '--check'], { cwd: ROOT, stdio: 'pipe', timeout: 100_000 });
    });

    it('list the same versions as the schemas', () => {
        assert.deepStrictEqual(SCHEMA_VERSIONS, Object.keys(SCHEMAS));
    });

    // Documents that break one rule each; the generated validator and a run-time compile must agree on every one.
    const documents: unknown[] = [
        { services: { web: { image: 'nginx', ports: ['80:80'], healthcheck: { interval: '10s' } } } },
        { services: { web: { image: 1, bogus: true, ports: ['80:80', 'x'], deploy: { replicas: 'two', mode: 'other' } } } },
        { services: { web: { healthcheck: { interval: '10 minutes' }, environment: ['A=1', 'A=1'], volumes: [{ type: 'bind' }] } } },
        { services: { 'bad name!': {} }, networks: { n: { driver: 3, ipam: { config: [{ subnet: 1 }] } } } },
        { services: { web: { build: { context: '.', args: [1] }, secrets: [{ source: 's', mode: '0400' }], configs: 'x' } }, secrets: { s: { file: 1 } } },
        { 'x-extension': 1, services: { web: { logging: { driver: 'json-file', options: { 'max-size': 1 } }, expose: ['x'] } }, volumes: { v: { external: 'yes' } } },
        [],
    ];

    // The formats validate.ts passes in, as one object for both sides.
    const formats = {
        duration: { validate: (s: string) => /^\d+(ms|s|m|h)$/.test(s) },
        ports: { validate: (s: string) => /^\d+(:\d+)?$/.test(s) },
        expose: { validate: (s: string) => /^\d+$/.test(s) },
    };
    const errorsOf = (errors: ErrorObject[] | null | undefined) =>
        (errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({ instancePath, schemaPath, keyword, params, message }));

    for (const version of SCHEMA_VERSIONS) {
        it(`report exactly what Ajv compiling the ${version} schema at run time reports`, () => {
            const Ajv = (Ajv04 as unknown as { default?: typeof Ajv04 }).default ?? Ajv04;
            // The generator's options (scripts/generate-validators.mjs).
            const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, logger: false, inlineRefs: false });
            for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, { type: 'string', validate: format.validate });
            const atRunTime = ajv.compile(SCHEMAS[version] as object);
            const generated = generatedModule(version).createValidator(formats);
            let failures = 0;
            for (const document of documents) {
                const valid = generated(document);
                assert.strictEqual(valid, atRunTime(document), `${version}: ${JSON.stringify(document)}`);
                assert.deepStrictEqual(errorsOf(generated.errors), errorsOf(atRunTime.errors), `${version}: ${JSON.stringify(document)}`);
                if (!valid) failures++;
            }
            // Every document but the first breaks a rule (the first too where the schema requires `version`).
            assert.ok(failures >= documents.length - 1, `${failures} of ${documents.length} documents failed`);
        });
    }
});

function generatedModule(version: string): { createValidator(formats: object): ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } } {
    return require(`../../src/core/compose/schema/validators/v${version.replace('.', '_')}`);
}
