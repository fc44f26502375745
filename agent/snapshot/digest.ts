// The snapshot digest: SHA-256 of the canonical snapshot without the fields that change on every
// collection (id, collectedAt, bootstrapToken.checkedAt, consoleUser). Same digest = nothing changed.
// Agent and collector both use this function, so a check-in's digest means the same on both sides.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
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

export function snapshotDigest(snapshot: object): string {
  return createHash('sha256')
    .update(canonicalJson(digestBody(snapshot as Record<string, unknown>)))
    .digest('hex');
}
