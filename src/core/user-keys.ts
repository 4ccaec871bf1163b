/**
 * Records whose keys the user chose: variable names, environment entries, labels, options, host names. Docker
 * keeps these in Go maps, where `constructor`, `toString` or `__proto__` are names like any other; a plain
 * JavaScript object would answer them with Object.prototype's members (or, for `__proto__`, swap its prototype).
 * So such records have no prototype, and lookups in records that may have one find own keys only.
 */

/** An empty record with no prototype. */
export function userKeyRecord<T>(): Record<string, T> {
    return Object.create(null) as Record<string, T>;
}

/** Whether `key` is the record's own (never one inherited from Object.prototype). */
export function hasOwnKey(record: object, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(record, key);
}

/** The record's own value for `key`, or undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
    return hasOwnKey(record, key) ? record[key] : undefined;
}
