/** values.ts: Go time.ParseDuration, go-units RAMInBytes, opts.ParseCPUs — with the Go error texts. */
import * as assert from 'assert';
import { formatDurationNs, parseBytes, parseDurationBigInt, parseDurationNs, parseNanoCpus } from '../../src/core/compose/values';

describe('values: durations (time.ParseDuration)', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    const ok: [string, number][] = [
        ['0', 0],
        ['10s', 10e9],
        ['1m30s', 90e9],
        ['1.5h', 5400e9],
        ['300ms', 300e6],
        ['-1s', -1e9],
        ['+2us', 2000],
        ['1µs', 1000],
        ['1μs', 1000],
        ['.5s', 5e8],
        ['1h2m3s4ms5us6ns', 3723004005006],
        ['2m0s', 120e9],
    ];
    for (const [s, n] of ok) it(`${s} = ${n}ns`, () => assert.strictEqual(parseDurationNs(s), n));
    it('errors have Go texts', () => {
        assert.throws(() => parseDurationNs('10'), /^Error: time: missing unit in duration "10"$/);
        assert.throws(() => parseDurationNs('10x'), /^Error: time: unknown unit "x" in duration "10x"$/);
        assert.throws(() => parseDurationNs(''), /^Error: time: invalid duration ""$/);
        assert.throws(() => parseDurationNs('s'), /^Error: time: invalid duration "s"$/);
        assert.throws(() => parseDurationNs('1.s.'), /invalid duration|missing unit/);
        assert.throws(() => parseDurationBigInt('9999999999h'), /invalid duration/);
    });
    it('formats like Go Duration.String()', () => {
        assert.strictEqual(formatDurationNs(60e9), '1m0s');
        assert.strictEqual(formatDurationNs(120e9), '2m0s');
        assert.strictEqual(formatDurationNs(10e9), '10s');
        assert.strictEqual(formatDurationNs(1500000), '1.5ms');
        assert.strictEqual(formatDurationNs(0), '0s');
        assert.strictEqual(formatDurationNs(3723e9), '1h2m3s');
    });
});

describe('values: byte sizes (RAMInBytes)', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    const ok: [string, number][] = [
        ['512', 512],
        ['50M', 52428800],
        ['50MB', 52428800],
        ['50mib', 52428800],
        ['20m', 20971520],
        ['1.5g', 1610612736],
        ['1 k', 1024],
        ['10b', 10],
        ['1.9', 1],
    ];
    for (const [s, n] of ok) it(`${s} = ${n}`, () => assert.strictEqual(parseBytes(s), n));
    it('errors', () => {
        assert.throws(() => parseBytes('50X'), /^Error: invalid suffix: 'x'$/);
        assert.throws(() => parseBytes('abc'), /^Error: invalid size: 'abc'$/);
        assert.throws(() => parseBytes('-1'), /^Error: invalid size: '-1'$/);
        assert.throws(() => parseBytes('5mbb'), /^Error: invalid suffix: 'mbb'$/);
        assert.throws(() => parseBytes('1..5m'), /strconv.ParseFloat: parsing "1..5": invalid syntax/);
    });
});

describe('values: cpus (exact rational → NanoCPUs)', function () {
    // schema compilation takes a few hundred ms per version; generous for busy machines
    this.timeout(30_000);
    const ok: [string, number][] = [
        ['0.5', 5e8],
        ['1/2', 5e8],
        ['1e-3', 1e6],
        ['0.001', 1e6],
        ['0.0001', 1e5],
        ['2', 2e9],
        ['1.000000001', 1000000001],
    ];
    for (const [s, n] of ok) it(`${s} = ${n}`, () => assert.strictEqual(parseNanoCpus(s), n));
    it('errors', () => {
        assert.throws(() => parseNanoCpus('0.0000000001'), /^Error: value is too precise$/);
        assert.throws(() => parseNanoCpus('one'), /^Error: failed to parse one as a rational number$/);
        assert.throws(() => parseNanoCpus('1/0'), /failed to parse 1\/0 as a rational number/);
        assert.throws(() => parseNanoCpus(''), /failed to parse {2}as a rational number/);
    });
});
