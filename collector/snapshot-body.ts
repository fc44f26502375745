// Accepted snapshot bodies as stored: the bytes as received, deflate-raw compressed (about 20-40 µs for a
// typical 2-7 KB snapshot, on the request path: no thread-pool round trip), and the section diff between
// two stored changes (computed when history is read, not on ingest).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { digestBody, canonicalJson } from '../agent/snapshot/index.ts';
import type { BodyEncoding } from './store/types.ts';

export function encodeBody(raw: Uint8Array): { body: Uint8Array; encoding: BodyEncoding } {
  return { body: deflateRawSync(raw, { level: 6 }), encoding: 'deflate-raw' };
}

export function decodeBody(body: Uint8Array, encoding: BodyEncoding): Record<string, unknown> {
  const bytes = encoding === 'deflate-raw' ? inflateRawSync(body) : Buffer.from(body);
  return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
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
        new Map(list.map((u) => [String((u as { name?: unknown }).name), canonicalJson(u)]));
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
