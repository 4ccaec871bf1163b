import * as assert from 'node:assert/strict';
import { naturalCompare, textCompare } from '../../src/core/collation';

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
const plain = new Intl.Collator('en');

/** A deterministic pseudo-random sequence (xorshift), so that a failure can be replayed. */
function randomSource(seed: number): () => number {
    let state = seed >>> 0 || 1;
    return () => {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return state / 0x100000000;
    };
}

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
// Names, protocols and timestamps are mostly letters of both cases, digits (zeros above all) and a few separators.
const NAMEISH = 'aAbBzZ0001239_-.:T ';

function randomText(next: () => number, alphabet: string, maxLength: number): string {
    let text = '';
    const length = Math.floor(next() * (maxLength + 1));
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
    return text;
}

describe('collation without ICU (natural and locale order of printable ASCII)', () => {
    it('orders every pair of printable ASCII characters, and each against digits runs, as Intl.Collator does', () => {
        const pieces = [...PRINTABLE, '00', '10', '010', '9', 'a1', 'a01', 'A1', ''];
        for (const a of pieces) {
            for (const b of pieces) {
                assert.equal(naturalCompare(a, b), natural.compare(a, b), `natural ${JSON.stringify(a)} ${JSON.stringify(b)}`);
                assert.equal(textCompare(a, b), plain.compare(a, b), `text ${JSON.stringify(a)} ${JSON.stringify(b)}`);
            }
        }
    });

    it('agrees with Intl.Collator on 200,000 random pairs, name-like and of any printable ASCII', function () {
        // A fixed amount of work whose duration depends on the machine's load, not on the code: no 2 s default.
        this.timeout(60_000);
        const next = randomSource(9);
        for (let n = 0; n < 200_000; n++) {
            const alphabet = n % 2 ? NAMEISH : PRINTABLE;
            const a = randomText(next, alphabet, 10);
            // Half the pairs share a prefix, so that later positions and the case level decide.
            const b = n % 4 < 2 ? a.slice(0, Math.floor(next() * a.length)) + randomText(next, alphabet, 4) : randomText(next, alphabet, 10);
            assert.equal(naturalCompare(a, b), natural.compare(a, b), `natural ${JSON.stringify(a)} ${JSON.stringify(b)}`);
            assert.equal(textCompare(a, b), plain.compare(a, b), `text ${JSON.stringify(a)} ${JSON.stringify(b)}`);
        }
    });

    it('sorts names and timestamps as before: numbers by value, lower case first, leading zeros equal', () => {
        assert.deepEqual(['web10', 'web2', 'Web2', 'web_1', 'web-1', 'web1'].sort(naturalCompare), ['web_1', 'web-1', 'web1', 'web2', 'Web2', 'web10']);
        assert.equal(naturalCompare('app.01', 'app.1'), 0);
        assert.equal(naturalCompare('x'.repeat(3) + '1'.repeat(300), 'x'.repeat(3) + '1'.repeat(299) + '2'), natural.compare('xxx' + '1'.repeat(300), 'xxx' + '1'.repeat(299) + '2'));
        assert.ok(textCompare('2026-11-26T10:00:00.5Z', '2026-11-26T10:00:00.45Z') > 0);
        assert.equal(textCompare('tcp', 'udp'), -1);
    });

    it('leaves text beyond printable ASCII to Intl', () => {
        for (const [a, b] of [['é', 'e'], ['zürich', 'zurich'], ['a\tb', 'a b'], ['straße', 'strasse'], ['ä1', 'a2']]) {
            assert.equal(naturalCompare(a, b), natural.compare(a, b));
            assert.equal(textCompare(a, b), a.localeCompare(b));
        }
    });
});
