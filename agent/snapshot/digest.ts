// The snapshot digest: SHA-256 of the canonical snapshot without the fields that change on every
// collection (id, collectedAt, bootstrapToken.checkedAt, consoleUser). Same digest = nothing changed.
// Agent and collector both use this function, so a check-in's digest means the same on both sides.
//
// The collector computes this for every upload, so the serialiser is written for speed (one string built
// by appending, keys quoted without JSON.stringify unless they need escaping, the excluded fields skipped
// while writing instead of copying the snapshot). Its output is byte-identical to the plain definition
// `canonicalJson` documents; test/agent/snapshot/digest.test.ts checks that on random and real snapshots.
//
// Recursion is bounded: a value nested deeper than MAX_JSON_DEPTH levels is a RangeError naming the bound,
// never a stack overflow (the collector refuses such bodies before parsing; this holds for stored ones).
import { hash } from 'node:crypto';
import { MAX_JSON_DEPTH } from './schema.ts';

// What JSON.stringify escapes in a string: '"', '\', U+0000-U+001F and (well-formed JSON.stringify) lone
// surrogates. A string with none of these is quoted as it is; the rest (rare) go through JSON.stringify.
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPE = new RegExp('["\\\\\\u0000-\\u001f\\ud800-\\udfff]');

const quote = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

/** Array#sort's default order for strings (UTF-16 code units), by insertion: faster for the few keys of an object. */
function sortKeys(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
}

const TOP_EXCLUDED: ReadonlySet<string> = new Set(['id', 'collectedAt', 'consoleUser']);
const BOOTSTRAP_EXCLUDED: ReadonlySet<string> = new Set(['checkedAt']);

function tooDeep(): never {
  throw new RangeError(`canonicalJson: the value nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/** `depth`: the level value is at when it is an object or array (the top level is 1). */
function writeValue(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // Number#toString is JSON.stringify's number format (1e+21, 0 for -0); non-finite numbers are null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth > MAX_JSON_DEPTH) tooDeep();
      return Array.isArray(value)
        ? writeArray(value, depth)
        : writeObject(value as Record<string, unknown>, null, depth);
    default: {
      // undefined, functions and symbols become null (as in an array); a bigint throws as in JSON.stringify.
      const s = JSON.stringify(value);
      return s === undefined ? 'null' : s;
    }
  }
}

function writeArray(list: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ',';
    const v = list[i];
    // A hole writes nothing (as Array#map + join did); an undefined element writes null.
    if (v === undefined && !(i in list)) continue;
    out += writeValue(v, depth + 1);
  }
  return `${out}]`;
}

function writeObject(
  obj: Record<string, unknown>,
  excluded: ReadonlySet<string> | null,
  depth: number,
): string {
  const keys = Object.keys(obj);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const k of keys) {
    if (excluded !== null && excluded.has(k)) continue;
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${quote(k)}:`;
    out +=
      excluded === TOP_EXCLUDED &&
      k === 'bootstrapToken' &&
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v)
        ? writeObject(v as Record<string, unknown>, BOOTSTRAP_EXCLUDED, depth + 1)
        : writeValue(v, depth + 1);
  }
  return `${out}}`;
}

/** JSON with object keys sorted at every level and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  return writeValue(value, 1);
}

/** The part of a snapshot that a digest covers. Works on any object (unknown extra fields count). */
export function digestBody(snapshot: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, collectedAt: _c, consoleUser: _u, ...rest } = snapshot;
  const bt = rest['bootstrapToken'];
  if (bt !== null && typeof bt === 'object' && !Array.isArray(bt)) {
    const { checkedAt: _k, ...btRest } = bt as Record<string, unknown>;
    rest['bootstrapToken'] = btRest;
  }
  return rest;
}

/** canonicalJson(digestBody(snapshot)), without copying the snapshot. */
export function canonicalDigestJson(snapshot: object): string {
  if (Array.isArray(snapshot))
    return canonicalJson(digestBody(snapshot as unknown as Record<string, unknown>));
  return writeObject(snapshot as Record<string, unknown>, TOP_EXCLUDED, 1);
}

export function snapshotDigest(snapshot: object): string {
  return hash('sha256', canonicalDigestJson(snapshot), 'hex');
}
