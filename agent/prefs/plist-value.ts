// What a property list holds once read, and the one error every bad input becomes.

/** A keyed archiver reference (binary plists only: `CF$UID`); kept distinct from a dictionary. */
export class PlistUid {
  readonly uid: number;
  constructor(uid: number) {
    this.uid = uid;
  }
}

export interface PlistDict {
  [key: string]: PlistValue;
}

/**
 * integer: a number when it is a safe integer, a bigint otherwise; real: a number.
 * data: a Uint8Array (a Buffer view of the input for binary plists). date: a Date.
 */
export type PlistValue =
  string | number | bigint | boolean | Date | Uint8Array | PlistUid | PlistValue[] | PlistDict;

/**
 * Every input that is not a readable plist ends here, never in a crash or a partial value.
 * offset: the byte (binary) or character (XML) position the problem was found at, when known.
 */
export class PlistError extends Error {
  readonly offset: number | null;
  constructor(message: string, offset: number | null = null) {
    super(message);
    this.name = 'PlistError';
    this.offset = offset;
  }
}

/** Sets an own enumerable property, so a key such as `__proto__` is data, never a prototype change. */
export function setEntry(dict: PlistDict, key: string, value: PlistValue): void {
  Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The plist type name of a value, as an admin would write it in a profile (`<integer>`, `<array>`...). */
export function plistTypeName(value: PlistValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'real';
  if (value instanceof Date) return 'date';
  if (value instanceof Uint8Array) return 'data';
  if (value instanceof PlistUid) return 'uid';
  if (Array.isArray(value)) return 'array';
  return 'dict';
}
