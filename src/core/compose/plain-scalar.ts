/**
 * What a plain YAML scalar means to the loader: go-yaml v3's resolution of untagged plain scalars when decoding
 * into `interface{}` (`resolve.go`), as the docker CLI reads compose files.
 */
const FLOAT_RE = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go strconv.ParseInt(s, 0, 64) (after `_` removal, as go-yaml does). Returns undefined when it fails. */
function goParseIntBase0(s: string): number | bigint | undefined {
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
    if (!m) return undefined;
    const neg = m[1] === '-';
    let body = m[2];
    let big: bigint;
    if (/^0[xXoObB]/.test(body)) big = BigInt(body[0] + body[1].toLowerCase() + body.slice(2));
    else if (body.length > 1 && body[0] === '0') big = BigInt('0o' + body.slice(1));
    else big = BigInt(body);
    if (neg) big = -big;
    if (big > 9223372036854775807n || big < -9223372036854775808n) {
        // go-yaml then tries ParseUint for positives
        if (!neg && big <= 18446744073709551615n) return Number(big);
        return undefined;
    }
    // Beyond 2^53 the value is rounded, as a JSON number would be (the loader's values are JSON-like).
    return Number(big);
}

/** Resolve a plain scalar as go-yaml v3 does. */
export function resolvePlainScalar(s: string): unknown {
    switch (s) {
        case '':
        case '~':
        case 'null':
        case 'Null':
        case 'NULL':
            return null;
        case 'true':
        case 'True':
        case 'TRUE':
            return true;
        case 'false':
        case 'False':
        case 'FALSE':
            return false;
        case '.inf':
        case '.Inf':
        case '.INF':
        case '+.inf':
        case '+.Inf':
        case '+.INF':
            return Infinity;
        case '-.inf':
        case '-.Inf':
        case '-.INF':
            return -Infinity;
        case '.nan':
        case '.NaN':
        case '.NAN':
            return NaN;
    }
    const c = s[0];
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') {
        const plain = s.replace(/_/g, '');
        const i = goParseIntBase0(plain);
        if (i !== undefined) return i;
        if (FLOAT_RE.test(plain)) return Number(plain);
    }
    return s;
}
