// Accepted snapshot bodies as stored: the bytes as received, deflate-raw compressed (about 20-40 µs for a
// typical 2-7 KB snapshot, on the request path: no thread-pool round trip), and the section diff between
// two stored changes (computed when history is read, not on ingest). Reading a stored body back checks
// everything a read could trip on (its encoding, the bytes, the nesting depth, the JSON, an object), so an
// unreadable one is a BodyError that says why, for the device page to show instead of failing.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { digestBody, canonicalJson, MAX_JSON_DEPTH } from '../../agent/snapshot/index.ts';
import type { BodyEncoding } from '../store/types.ts';
import { depthExceededAt } from './json-depth.ts';

export class BodyError extends Error {
  override name = 'BodyError';
}

export function encodeBody(raw: Uint8Array): { body: Uint8Array; encoding: BodyEncoding } {
  return { body: deflateRawSync(raw, { level: 6 }), encoding: 'deflate-raw' };
}

/** A stored body as the accepted JSON object; BodyError when it cannot be read. */
export function decodeBody(body: unknown, encoding: unknown): Record<string, unknown> {
  if (!(body instanceof Uint8Array)) throw new BodyError('the stored body is not bytes');
  let bytes: Buffer;
  if (encoding === 'deflate-raw') {
    try {
      bytes = inflateRawSync(body);
    } catch (e) {
      throw new BodyError(`the stored body does not inflate: ${(e as Error).message}`);
    }
  } else if (encoding === 'identity') bytes = Buffer.from(body);
  else throw new BodyError(`unknown body encoding ${JSON.stringify(encoding)}`);
  if (depthExceededAt(bytes, MAX_JSON_DEPTH) >= 0)
    throw new BodyError(`the stored body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new BodyError(`the stored body is not JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BodyError('the stored body is not a JSON object');
  return value as Record<string, unknown>;
}

/** Top-level sections (and users by name) that differ between two snapshots. */
export function changedSections(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): string[] {
  if (before === null) return [];
  const a = digestBody(before);
  const b = digestBody(after);
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonicalJson(a[key]) === canonicalJson(b[key])) continue;
    if (key === 'users' && Array.isArray(a[key]) && Array.isArray(b[key])) {
      const byName = (list: unknown[]) =>
        new Map(list.map((u) => [String((u as { name?: unknown } | null)?.name), canonicalJson(u)]));
      const ua = byName(a[key] as unknown[]);
      const ub = byName(b[key] as unknown[]);
      for (const name of [...new Set([...ua.keys(), ...ub.keys()])].sort()) {
        if (ua.get(name) !== ub.get(name)) out.push(`users/${name}`);
      }
      continue;
    }
    out.push(key);
  }
  return out;
}
