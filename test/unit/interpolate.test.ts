/**
 * Interpolation (docker/cli cli/compose/template + interpolation), including every quirk we keep or avoid.
 * Expectations follow template_test.go / interpolation_test.go / loader_test.go descriptions (own inputs).
 */
import * as assert from 'assert';
import { applyCast, castForPath, interpolateConfig, substitute } from '../../src/core/compose/interpolate';

const ENV: Record<string, string> = { FOO: 'first', BAR: '', NAME: 'web', REPL: '3', T: 'yes' };
const m = (k: string): string | undefined => ENV[k];

describe('interpolation: substitute()', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    const cases: [string, string][] = [
        ['no vars', 'no vars'],
        ['$FOO', 'first'],
        ['${FOO}', 'first'],
        ['x${FOO}y', 'xfirsty'],
        ['$$FOO', '$FOO'], // escape
        ['$$', '$'],
        ['${UNSET}', ''], // unset → empty, no error
        ['$UNSET', ''],
        ['${BAR:-def}', 'def'], // empty → default with :-
        ['${BAR-def}', ''], // empty but set → no default with -
        ['${UNSET-def}', 'def'],
        ['${UNSET:-def}', 'def'],
        ['${FOO:-def}', 'first'],
        ['${FOO:?err}', 'first'],
        ['${BAR?err}', ''], // set (empty) passes ?
        ['${foo}', ''], // case-sensitive lookup, case-insensitive pattern
        // QUIRK kept: the unbraced form takes an operator tail: $NAME-app == ${NAME-app}
        ['myrepo/$NAME-app', 'myrepo/web'],
        ['myrepo/$UNSET-app', 'myrepo/app'],
        // QUIRK kept: the default runs to the next }, the rest is literal
        ['${UNSET:-a}b}', 'ab}'],
        // QUIRK kept: operator functions are tried in the CLI order (:- before -), so `${A-x:-y}` looks up `A-x`
        ['${FOO-x:-y}', 'y'],
        ['${UNSET:-${FOO}}', '${FOO}'], // no nesting: the default is "${FOO", then a literal "}"
    ];
    for (const [input, want] of cases) {
        it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
            const r = substitute(input, m);
            assert.strictEqual(r.error, undefined, r.error?.template);
            assert.strictEqual(r.value, want);
        });
    }

    const invalid = ['${', '$}', '${}', '${ foo}', '${foo }', '${foo!}', '$1', 'a $ b', '$', 'price: 5$'];
    for (const input of invalid) {
        it(`invalid template ${JSON.stringify(input)}`, () => {
            const r = substitute(input, m);
            assert.ok(r.error, 'expected an error');
            assert.strictEqual(r.error.template, input);
        });
    }

    it('required variables: message with and without text (the ": " is always there)', () => {
        assert.strictEqual(substitute('${UNSET:?need it}', m).error?.template, 'required variable UNSET is missing a value: need it');
        assert.strictEqual(substitute('${UNSET?}', m).error?.template, 'required variable UNSET is missing a value: ');
        assert.strictEqual(substitute('${BAR:?}', m).error?.template, 'required variable BAR is missing a value: ');
        assert.strictEqual(substitute('${BAR?x}', m).error, undefined);
    });

    it('QUIRK avoided-but-compatible: an error cleared by a later variable is reported as forgottenError', () => {
        const r = substitute('${UNSET:?x} $FOO', m);
        assert.strictEqual(r.error, undefined); // like the CLI: no error
        assert.strictEqual(r.value, ' first'); // like the CLI: the value it computes
        assert.ok(r.forgottenError); // but we keep it so the loader can warn
        // $$ does not clear the error
        assert.ok(substitute('${UNSET:?x} $$', m).error);
    });
});

describe('interpolation: casts', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    it('cast paths are the CLI list (ints, floats, bools; list items are [])', () => {
        assert.strictEqual(castForPath(['services', 'web', 'deploy', 'replicas']), 'int');
        assert.strictEqual(castForPath(['services', 'web', 'ports', '[]', 'published']), 'int');
        assert.strictEqual(castForPath(['services', 'web', 'ulimits', 'nofile']), 'int');
        assert.strictEqual(castForPath(['services', 'web', 'ulimits', 'nofile', 'soft']), 'int');
        assert.strictEqual(castForPath(['services', 'web', 'deploy', 'update_config', 'max_failure_ratio']), 'float');
        assert.strictEqual(castForPath(['services', 'web', 'read_only']), 'bool');
        assert.strictEqual(castForPath(['networks', 'n', 'external']), 'bool');
        assert.strictEqual(castForPath(['services', 'web', 'image']), undefined);
        assert.strictEqual(castForPath(['services', 'web', 'ports', '[]']), undefined);
    });

    it('booleans accept y/yes/true/on and n/no/false/off, case-insensitive', () => {
        for (const t of ['y', 'YES', 'True', 'on']) assert.strictEqual(applyCast('bool', t), true);
        for (const f of ['n', 'No', 'FALSE', 'off']) assert.strictEqual(applyCast('bool', f), false);
        assert.throws(() => applyCast('bool', 'maybe'), /^Error: failed to cast to expected type: invalid boolean: maybe$/);
        assert.throws(() => applyCast('int', '3.5'), /failed to cast to expected type: strconv.Atoi: parsing "3.5": invalid syntax/);
        assert.strictEqual(applyCast('float', '0.25'), 0.25);
    });

    it('casts apply only when substitution changed the string', () => {
        const raw = {
            services: {
                web: {
                    image: 'nginx',
                    read_only: '$T',
                    tty: 'yes', // literal: not cast (the schema then rejects it)
                    deploy: { replicas: '${REPL}', update_config: { max_failure_ratio: '${UNSET:-0.5}' } },
                    ports: [{ target: '${UNSET:-80}', published: 8080 }],
                    labels: { n: '${REPL}' }, // not a cast path: stays a string
                },
                db: { image: 'pg', deploy: { replicas: '3' } }, // literal "3": stays a string
            },
            networks: { n: { external: '${T}' } },
        };
        const { value, issues } = interpolateConfig(raw, m);
        assert.deepStrictEqual(issues.filter((i) => i.severity === 'error'), []);
        const v = value as typeof raw;
        assert.strictEqual(v.services.web.read_only, true);
        assert.strictEqual(v.services.web.tty, 'yes');
        assert.strictEqual(v.services.web.deploy.replicas, 3);
        assert.strictEqual(v.services.web.deploy.update_config.max_failure_ratio, 0.5);
        assert.strictEqual(v.services.web.ports[0].target, 80);
        assert.strictEqual(v.services.web.labels.n, '3');
        assert.strictEqual(v.services.db.deploy.replicas, '3');
        assert.strictEqual(v.networks.n.external, true);
    });

    it('errors carry the CLI text with the dotted path ([] for list items); keys are not interpolated', () => {
        const raw = { services: { web: { image: 'a', volumes: ['${UNSET:?need volume}:/data'], labels: { '$KEY': 'x' } } } };
        const { value, issues } = interpolateConfig(raw, m);
        const errs = issues.filter((i) => i.severity === 'error');
        assert.strictEqual(errs.length, 1);
        assert.strictEqual(
            errs[0].message,
            'invalid interpolation format for services.web.volumes.[]: "required variable UNSET is missing a value: need volume"; you may need to escape any $ with another $',
        );
        assert.deepStrictEqual(errs[0].path, ['services', 'web', 'volumes', 0]);
        assert.ok('$KEY' in (value as typeof raw).services.web.labels);
        const bad = interpolateConfig({ x: { y: ['a', 'b ${'] } }, m).issues.filter((i) => i.severity === 'error');
        assert.strictEqual(bad[0].message, 'invalid interpolation format for x.y.[]: "b ${"; you may need to escape any $ with another $');
    });

    it('a cast failure is an error; the forgotten-error quirk becomes a warning; unset vars an info', () => {
        const { issues } = interpolateConfig({ services: { web: { deploy: { replicas: '${UNSET:-x}' }, image: '${UNSET:?a} $FOO', command: '$NOPE' } } }, m);
        const byCode = (c: string) => issues.filter((i) => i.code === c);
        assert.strictEqual(byCode('interpolation-cast')[0].message, 'failed to cast to expected type: strconv.Atoi: parsing "x": invalid syntax');
        assert.strictEqual(byCode('interpolation-error-forgotten')[0].severity, 'warning');
        assert.strictEqual(byCode('interpolation-unset')[0].severity, 'info');
        assert.match(byCode('interpolation-unset')[0].message, /NOPE/);
    });

    it('interpolates x- fields and top-level sections, not only services', () => {
        const { value } = interpolateConfig({ 'x-a': { b: '$FOO' }, networks: { n: { driver_opts: { o: '${NAME}' } } } }, m);
        assert.deepStrictEqual(value, { 'x-a': { b: 'first' }, networks: { n: { driver_opts: { o: 'web' } } } });
    });
});
