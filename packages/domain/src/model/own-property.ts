/**
 * Property names are the client's: `constructor`, `toString` and
 * `__proto__` are names like any other. These helpers read and write only
 * own properties, because `key in record` and `record[key]` also find the
 * members of Object.prototype, and assigning `__proto__` sets the prototype.
 */

/** Returns the own property `key` of `record`, or undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets `key` as an own, enumerable property of `record`. */
export function setOwnValue<T>(record: Record<string, T>, key: string, value: T): void {
  // Only __proto__ is an accessor of Object.prototype. Assigning any other
  // name creates an own property, and is faster than defineProperty.
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
