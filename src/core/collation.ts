/**
 * The order of `Intl.Collator('en')` (what `localeCompare` gives), computed in plain code for printable ASCII text:
 * stack, service and task names, protocols, timestamps. The first Intl call of a process initialises ICU, a cost on
 * the command line's start-up path (bench/startup.ts measures it). Text with any other
 * character goes to the collator itself. test/unit/collation.test.ts checks that both orders agree.
 *
 * For printable ASCII, CLDR's root collation (which `en` uses unchanged) is: one primary weight per character in the
 * order below, letters without case; no secondary differences; at the tertiary level lower case before upper case.
 * With `numeric`, a run of digits is one weight by its value (leading zeros ignored, up to 254 significant digits).
 */

const PRIMARY_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz';
const MAX_NUMERIC_DIGITS = 254;

/** Primary weight by char code (0: not printable ASCII). */
const PRIMARY = new Uint8Array(128);
for (let i = 0; i < PRIMARY_ORDER.length; i++) {
    const code = PRIMARY_ORDER.charCodeAt(i);
    PRIMARY[code] = i + 1;
    if (code >= 0x61 && code <= 0x7a) PRIMARY[code - 0x20] = i + 1;
}

function isPrintableAscii(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code < 0x20 || code > 0x7e) return false;
    }
    return true;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isUpper = (code: number): boolean => code >= 0x41 && code <= 0x5a;

/** -1, 0 or 1 as the collator would answer, for printable ASCII only; undefined where this cannot answer. */
function compareAscii(a: string, b: string, numeric: boolean): number | undefined {
    let i = 0;
    let j = 0;
    let tertiary = 0;
    while (i < a.length && j < b.length) {
        const ca = a.charCodeAt(i);
        const cb = b.charCodeAt(j);
        if (numeric && isDigit(ca) && isDigit(cb)) {
            // Both runs by value: skip leading zeros, then the longer is greater, else the first differing digit.
            while (a.charCodeAt(i) === 0x30 && isDigit(a.charCodeAt(i + 1))) i++;
            while (b.charCodeAt(j) === 0x30 && isDigit(b.charCodeAt(j + 1))) j++;
            let endA = i;
            let endB = j;
            while (isDigit(a.charCodeAt(endA))) endA++;
            while (isDigit(b.charCodeAt(endB))) endB++;
            if (endA - i > MAX_NUMERIC_DIGITS || endB - j > MAX_NUMERIC_DIGITS) return undefined;
            if (endA - i !== endB - j) return endA - i < endB - j ? -1 : 1;
            for (; i < endA; i++, j++) {
                if (a.charCodeAt(i) !== b.charCodeAt(j)) return a.charCodeAt(i) < b.charCodeAt(j) ? -1 : 1;
            }
            continue;
        }
        if (PRIMARY[ca] !== PRIMARY[cb]) return PRIMARY[ca] < PRIMARY[cb] ? -1 : 1;
        if (tertiary === 0 && ca !== cb) tertiary = isUpper(ca) ? 1 : -1;
        i++;
        j++;
    }
    if (i < a.length) return 1;
    if (j < b.length) return -1;
    return tertiary;
}

let naturalCollator: Intl.Collator | undefined;

/** Natural order (`Intl.Collator('en', { numeric: true })`): runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
    if (isPrintableAscii(a) && isPrintableAscii(b)) {
        const order = compareAscii(a, b, true);
        if (order !== undefined) return order;
    }
    naturalCollator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
    return naturalCollator.compare(a, b);
}

/**
 * `a.localeCompare(b)`, for the values the tables sort by (protocol names, RFC 3339 timestamps): in printable ASCII
 * they take the root order, which no locale tailors for them; other text goes to `localeCompare` itself.
 */
export function textCompare(a: string, b: string): number {
    if (isPrintableAscii(a) && isPrintableAscii(b)) return compareAscii(a, b, false) ?? 0;
    return a.localeCompare(b);
}
