// The canonical digest is the contract between agent and collector: the fast serialiser in
// agent/snapshot/digest.ts must write exactly what the plain definition below writes (sorted keys at every
// level, JSON.stringify for every key and primitive, undefined object members left out), on random values
// and on real snapshots, and the digest must leave out exactly id, collectedAt, consoleUser and
// bootstrapToken.checkedAt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom as prng } from '../../helpers/seeded-random.ts';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canonicalDigestJson,
  canonicalJson,
  digestBody,
  MAX_JSON_DEPTH,
  snapshotDigest,
} from '../../../agent/snapshot/index.ts';
import { compliantSnapshot, user } from '../../collector/rules/compliant-snapshot.ts';

/** The definition, written the obvious way (the implementation before it was made fast). */
function referenceJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(referenceJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceJson(obj[k])}`).join(',')}}`;
}

function referenceDigestBody(snapshot: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, collectedAt: _c, consoleUser: _u, ...rest } = snapshot;
  const bt = rest['bootstrapToken'];
  if (bt !== null && typeof bt === 'object' && !Array.isArray(bt)) {
    const { checkedAt: _k, ...btRest } = bt as Record<string, unknown>;
    rest['bootstrapToken'] = btRest;
  }
  return rest;
}

const referenceDigest = (s: object): string =>
  createHash('sha256')
    .update(referenceJson(referenceDigestBody(s as Record<string, unknown>)))
    .digest('hex');

function same(value: unknown, label: string): void {
  assert.equal(canonicalJson(value), referenceJson(value), label);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    assert.equal(
      canonicalDigestJson(value),
      referenceJson(referenceDigestBody(value as Record<string, unknown>)),
      label,
    );
    assert.equal(snapshotDigest(value), referenceDigest(value), label);
  }
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  0.2 + 0.1,
  1e21,
  1e-7,
  -1e21,
  123456789012345680000,
  5e-324,
  Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
  1.5e300,
  NaN,
  Infinity,
  -Infinity,
  501,
  4294967295,
];
const STRINGS = [
  '',
  'a',
  'alice',
  'Ünïcödé',
  'naïve café',
  '日本語',
  'emoji 😀',
  '\ud83d',
  '\ude00x',
  'x\ud800',
  'quote"',
  'back\\slash',
  'new\nline',
  'tab\t',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028\u2029',
  '</script>',
  'MDM Bootstrap Token External Key',
  '5A2B7C10-3E4F-4A6B-9C8D-1E2F3A4B5C6D',
  '__proto__x',
  'constructor',
];
const KEYS = [
  ...STRINGS,
  'id',
  'collectedAt',
  'consoleUser',
  'checkedAt',
  'bootstrapToken',
  'users',
  '10',
  '2',
  '01',
  'B',
  'a',
  'Z',
  'é',
  'e\u0301',
  '\uffff',
  '😀',
];

function randomValue(r: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const kind = depth > 4 ? Math.floor(r() * 5) : Math.floor(r() * 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return r() < 0.5 ? pick(NUMBERS) : (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    case 3:
      return r() < 0.7
        ? pick(STRINGS)
        : String.fromCharCode(
            ...Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * 0x10000)),
          );
    case 4:
      return r() < 0.1 ? undefined : Math.floor(r() * 1000);
    case 5:
    case 6: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 7);
      for (let i = 0; i < n; i++)
        o[r() < 0.8 ? pick(KEYS) : `k${Math.floor(r() * 100)}`] = randomValue(r, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
  }
}

test('canonicalJson matches the reference on random values (unicode, escapes, numbers, nesting, undefined)', () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const r = prng(seed);
    const v = randomValue(r, 0);
    same(v, `seed ${seed}`);
    // The same value as a snapshot-shaped object (the digest's excluded fields in play).
    same(
      {
        id: 'x',
        collectedAt: 'y',
        consoleUser: v,
        bootstrapToken: { checkedAt: 1, other: v },
        v,
        w: randomValue(r, 1),
      },
      `snapshot seed ${seed}`,
    );
  }
});

test('canonicalJson matches the reference on edge cases', () => {
  const cases: unknown[] = [
    undefined,
    null,
    true,
    false,
    0,
    -0,
    1e21,
    1e-7,
    0.1,
    -1.5,
    NaN,
    Infinity,
    '',
    '"',
    '\\',
    '\u2028',
    '\ud800',
    [],
    {},
    [[]],
    [[[1, [2, [3]]]]],
    [undefined, null],
    { a: undefined },
    { a: undefined, b: 1 },
    { b: 1, a: 2 },
    { 'key"q': 1, 'key\\b': 2, 'key\nn': 3, ké: 4, '😀': 5, '\ud800': 6, '': 7 },
    { '10': 1, '2': 2, a: 3, A: 4, _: 5 },
    [1, [2, { c: [3, { b: 2, a: 1 }] }]],
    { nested: { deeper: { deepest: [{ z: 1, y: [2, { x: 3 }] }] } } },
    // eslint-disable-next-line no-sparse-arrays
    [1, , 3],
    new Date(0),
    { d: new Date(0) },
    { f: () => 1 },
    [() => 1, Symbol('s')],
    { bootstrapToken: [1, 2], id: 1 },
    { bootstrapToken: null },
    { bootstrapToken: 'x', checkedAt: 1 },
  ];
  cases.forEach((c, i) => same(c, `case ${i}`));
  assert.throws(() => canonicalJson(1n), TypeError);
});

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return jsonFiles(p);
    return name.endsWith('.json') ? [p] : [];
  });
}

test('canonicalJson and the digest match the reference on real snapshots and every JSON fixture', () => {
  const s = compliantSnapshot();
  same(s, 'compliant snapshot');
  same(JSON.parse(JSON.stringify(s)), 'compliant snapshot as parsed JSON');
  const variants = [
    {
      ...s,
      users: [
        ...s.users,
        user('zoë 😀', '7D3E9F21-4A5B-4C6D-8E9F-0A1B2C3D4E5F', { uid: 502, secureToken: false }),
      ],
    },
    {
      ...s,
      device: { ...s.device, hostname: 'Zoë\'s "MacBook" \\ Pro\n' },
      extra: { newerAgent: [1e21, -0, 0.1] },
    },
    { ...s, bootstrapToken: { ...s.bootstrapToken, checkedAt: '2030-01-01T00:00:00.000Z' } },
  ];
  variants.forEach((v, i) => same(v, `variant ${i}`));
  const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));
  const files = jsonFiles(root);
  assert.ok(files.length >= 10, `found ${files.length} JSON fixtures`);
  for (const f of files) {
    const v: unknown = JSON.parse(readFileSync(f, 'utf8'));
    same(v, f);
    same({ ...s, extra: v }, `snapshot with ${f}`);
  }
});

test('the digest leaves out exactly id, collectedAt, consoleUser and bootstrapToken.checkedAt', () => {
  const s = compliantSnapshot();
  const d = snapshotDigest(s);
  assert.match(d, /^[0-9a-f]{64}$/);
  assert.equal(
    snapshotDigest({ ...s, id: 'other', collectedAt: '2031-01-01T00:00:00Z', consoleUser: 'bob' }),
    d,
  );
  assert.equal(
    snapshotDigest({ ...s, bootstrapToken: { ...s.bootstrapToken, checkedAt: '2031-01-01T00:00:00Z' } }),
    d,
  );
  assert.notEqual(snapshotDigest({ ...s, device: { ...s.device, hostname: 'other' } }), d);
  assert.notEqual(snapshotDigest({ ...s, extra: 1 }), d, 'unknown extra fields count');
  assert.equal(canonicalDigestJson(s), canonicalJson(digestBody(s as unknown as Record<string, unknown>)));
  // A known value: a change here breaks every agent's check-ins against an upgraded collector.
  assert.equal(
    snapshotDigest({ schema: 'x', id: 'i', b: [1, 'é', null], a: { y: 0.1, x: 1e21 } }),
    createHash('sha256').update('{"a":{"x":1e+21,"y":0.1},"b":[1,"é",null],"schema":"x"}').digest('hex'),
  );
});

/** `levels` objects nested in each other, the innermost holding a number. */
function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) v = i % 2 ? { a: v } : { b: v };
  return v;
}

test('the digest goes exactly MAX_JSON_DEPTH levels deep and refuses deeper values with a RangeError, not a stack overflow', () => {
  const atBound = nested(MAX_JSON_DEPTH);
  assert.equal(canonicalJson(atBound), referenceJson(atBound));
  const snapshot = { ...compliantSnapshot(), extra: nested(MAX_JSON_DEPTH - 1) };
  assert.equal(snapshotDigest(snapshot), referenceDigest(snapshot));
  assert.throws(() => canonicalJson(nested(MAX_JSON_DEPTH + 1)), {
    name: 'RangeError',
    message: `canonicalJson: the value nests deeper than ${MAX_JSON_DEPTH} levels`,
  });
  assert.throws(() => snapshotDigest({ ...compliantSnapshot(), extra: nested(MAX_JSON_DEPTH) }), RangeError);
  // Far deeper than any stack: still the same error (an array chain this time).
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.throws(() => canonicalJson(deep), {
    message: `canonicalJson: the value nests deeper than ${MAX_JSON_DEPTH} levels`,
  });
});
