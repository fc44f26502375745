// Snapshot upload and check-ins over real HTTP with a real SQLite file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MAX_JSON_DEPTH, snapshotDigest } from '../../../agent/snapshot/index.ts';
import { startTestCollector, snapshotFor, T0 } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector({ bodyLimitBytes: String(64 * 1024) });
});
after(() => c.stop());

const count = (sql: string, ...args: unknown[]): number => {
  const db = new Database(c.dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    db.close();
  }
};

test('an accepted snapshot answers 200 with id, digest, changed and receivedAt', async () => {
  const d = await c.device();
  const s = snapshotFor(d.serial, d.hardwareUuid);
  const r = await c.upload(d.token, s);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, {
    id: s.id,
    digest: snapshotDigest(s),
    changed: true,
    receivedAt: T0.toISOString(),
  });
});

test('validation: wrong types, missing fields, unknown schema, bad JSON are 4xx naming the problem, and write nothing', async () => {
  const d = await c.device();
  const before = count('SELECT count(*) AS n FROM snapshot_receipts');
  const cases: {
    body?: unknown;
    raw?: string;
    status: number;
    error: string;
    message: RegExp;
    type?: string;
  }[] = [
    {
      body: { ...snapshotFor(d.serial, d.hardwareUuid), users: 'alice' },
      status: 400,
      error: 'invalid_body',
      message: /body\/users must be array/,
    },
    {
      body: snapshotFor(
        d.serial,
        d.hardwareUuid,
        (s) => ((s.fileVault as { state: string }).state = 'maybe'),
      ),
      status: 400,
      error: 'invalid_body',
      message: /body\/fileVault\/state/,
    },
    {
      body: snapshotFor(
        d.serial,
        d.hardwareUuid,
        (s) => ((s.mdm as { enrolled: unknown }).enrolled = 'true'),
      ),
      status: 400,
      error: 'invalid_body',
      message: /body\/mdm\/enrolled/,
    },
    {
      body: (() => {
        const s = snapshotFor(d.serial, d.hardwareUuid) as unknown as Record<string, unknown>;
        delete s['bootstrapToken'];
        return s;
      })(),
      status: 400,
      error: 'invalid_body',
      message: /bootstrapToken/,
    },
    {
      body: { ...snapshotFor(d.serial, d.hardwareUuid), schema: 'tokenwatch.snapshot/2' },
      status: 400,
      error: 'unknown_schema',
      message: /tokenwatch\.snapshot\/2/,
    },
    {
      body: { ...snapshotFor(d.serial, d.hardwareUuid), id: 'not-a-uuid' },
      status: 400,
      error: 'invalid_body',
      message: /body\/id/,
    },
    {
      // Impossible fields are refused by the contract's pattern, naming the path.
      body: { ...snapshotFor(d.serial, d.hardwareUuid), collectedAt: '2026-13-45T99:00:00Z' },
      status: 400,
      error: 'invalid_body',
      message: /body\/collectedAt must match pattern/,
    },
    {
      // A leap second matches RFC 3339 but is no instant JavaScript can store: ingest refuses it by name.
      body: { ...snapshotFor(d.serial, d.hardwareUuid), collectedAt: '2016-12-31T23:59:60Z' },
      status: 400,
      error: 'invalid_body',
      message: /body\/collectedAt "2016-12-31T23:59:60Z" is not a real instant/,
    },
    {
      raw: '{"schema": "tokenwatch.snapshot/1", ',
      status: 400,
      error: 'invalid_json',
      message: /not valid JSON/,
    },
    { raw: '', status: 400, error: 'invalid_json', message: /empty/ },
    { raw: '[1,2]', status: 400, error: 'invalid_body', message: /must be object/ },
    { raw: '{"__proto__": {"x": 1}}', status: 400, error: 'invalid_json', message: /forbidden key/ },
    {
      // The escaped spelling is the same key once parsed.
      raw: '{"futureField": {"\\u005f_proto__": {"x": 1}}}',
      status: 400,
      error: 'invalid_json',
      message: /forbidden key: __proto__/,
    },
    {
      raw: '{"a": [{"constructor": {"prototype": {"x": 1}}}]}',
      status: 400,
      error: 'invalid_json',
      message: /constructor\.prototype/,
    },
    {
      raw: 'schema=x',
      status: 415,
      error: 'unsupported_media_type',
      message: /Content-Type: application\/json/,
      type: 'application/x-www-form-urlencoded',
    },
    {
      raw: JSON.stringify(snapshotFor(d.serial, d.hardwareUuid)),
      status: 415,
      error: 'unsupported_media_type',
      message: /Content-Type: application\/json/,
      type: 'text/plain',
    },
  ];
  for (const k of cases) {
    const r = await c.request('POST', '/api/v1/snapshots', {
      token: d.token,
      ...(k.raw !== undefined ? { raw: k.raw } : { body: k.body }),
      ...(k.type ? { headers: { 'content-type': k.type } } : {}),
    });
    assert.equal(r.status, k.status, `${k.error}: ${r.text}`);
    assert.equal(r.json.error, k.error, r.text);
    assert.match(r.json.message, k.message);
  }
  assert.equal(count('SELECT count(*) AS n FROM snapshot_receipts'), before);
  const metrics = await c.request('GET', '/metrics');
  assert.match(metrics.text, /tokenwatch_rejects_total\{reason="invalid_body"\} \d+/);
  assert.match(metrics.text, /tokenwatch_rejects_total\{reason="unknown_schema"\} 1/);
});

test('instants no Mac can mean are 400 naming the path and write nothing: calendar-invalid days, years before 2000 or from 2100, offsets pushing out of range', async () => {
  const d = await c.device();
  const written = () =>
    count('SELECT count(*) AS n FROM snapshot_receipts') +
    count('SELECT count(*) AS n FROM snapshot_history');
  const seen = () => count('SELECT coalesce(last_seen, -1) AS n FROM devices WHERE serial = ?', d.serial);
  const before = { written: written(), seen: seen() };
  const snapshotCases: { patch: (s: Snapshot) => void; message: RegExp }[] = [
    {
      patch: (s) => (s.collectedAt = '9999-12-31T23:59:59-23:59'),
      message:
        /^body\/collectedAt "9999-12-31T23:59:59-23:59" is \+010000-01-01T23:58:59\.000Z, outside 2000-01-01T00:00:00\.000Z to 2100-01-01T00:00:00\.000Z: no Mac means that time$/,
    },
    { patch: (s) => (s.collectedAt = '1970-01-01T00:00:00Z'), message: /body\/collectedAt .* outside/ },
    { patch: (s) => (s.collectedAt = '1999-12-31T23:59:59.999Z'), message: /body\/collectedAt .* outside/ },
    {
      patch: (s) => (s.collectedAt = '2099-12-31T23:30:00-00:31'),
      message: /body\/collectedAt "2099-12-31T23:30:00-00:31" is 2100-01-01T00:01:00\.000Z, outside/,
    },
    {
      patch: (s) => (s.collectedAt = '2026-02-30T10:00:00Z'),
      message: /^body\/collectedAt "2026-02-30T10:00:00Z" is not a real instant: February 2026 has 28 days$/,
    },
    {
      patch: (s) => (s.collectedAt = '2026-04-31T10:00:00+02:00'),
      message: /April 2026 has 30 days/,
    },
    {
      patch: (s) => (s.bootstrapToken.checkedAt = '2025-02-29T00:00:00Z'),
      message:
        /^body\/bootstrapToken\/checkedAt "2025-02-29T00:00:00Z" is not a real instant: February 2025 has 28 days$/,
    },
    {
      patch: (s) => (s.bootstrapToken.checkedAt = '2100-01-01T00:00:00Z'),
      message:
        /^body\/bootstrapToken\/checkedAt "2100-01-01T00:00:00Z" is 2100-01-01T00:00:00\.000Z, outside/,
    },
  ];
  for (const k of snapshotCases) {
    const r = await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid, k.patch));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_body');
    assert.match(r.json.message, k.message);
  }
  assert.deepEqual({ written: written(), seen: seen() }, before);
  // The edges of the range are accepted (a leap day too).
  for (const at of ['2000-01-01T00:00:00Z', '2024-02-29T23:59:59+01:00']) {
    const r = await c.upload(
      d.token,
      snapshotFor(d.serial, d.hardwareUuid, (s) => (s.collectedAt = at)),
    );
    assert.equal(r.status, 200, `${at}: ${r.text}`);
  }
  // Check-ins read their collectedAt the same way.
  const current = snapshotFor(d.serial, d.hardwareUuid, (s) => (s.collectedAt = '2024-02-29T23:59:59+01:00'));
  const lastSeen = seen();
  for (const [collectedAt, message] of [
    ['2026-02-29T12:00:00Z', /^body\/collectedAt "2026-02-29T12:00:00Z" is not a real instant/],
    [
      '9999-12-31T23:59:59Z',
      /^body\/collectedAt "9999-12-31T23:59:59Z" is 9999-12-31T23:59:59\.000Z, outside/,
    ],
  ] as const) {
    c.clock.advance(1000);
    const r = await c.request('POST', '/api/v1/checkins', {
      token: d.token,
      body: {
        schema: 'tokenwatch.checkin/1',
        id: crypto.randomUUID(),
        digest: snapshotDigest(current),
        collectedAt,
        consoleUser: null,
      },
    });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.message, message);
  }
  assert.equal(seen(), lastSeen, 'a refused check-in does not touch lastSeen');
});

/** A snapshot with an extra field nested so that the body reaches `levels` levels (the body itself is 1). */
function nestedSnapshot(d: { serial: string; hardwareUuid: string }, levels: number) {
  let v: unknown = 'leaf';
  for (let i = 1; i < levels; i++) v = i % 2 ? { n: v } : [v];
  return { ...snapshotFor(d.serial, d.hardwareUuid), futureField: v };
}

test('nesting: a body exactly MAX_JSON_DEPTH deep is accepted and its device detail answers 200; one level deeper is 400 before parsing', async () => {
  const d = await c.device();
  const rows = () => count('SELECT count(*) AS n FROM snapshot_history');
  const atBound = nestedSnapshot(d, MAX_JSON_DEPTH);
  const ok = await c.upload(d.token, atBound);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.digest, snapshotDigest(atBound));
  const detail = await c.admin(`/api/v1/devices/${d.serial}`);
  assert.equal(detail.status, 200, detail.text);
  assert.deepEqual(detail.json.snapshot.futureField, atBound.futureField);
  const before = rows();
  const deeper = [MAX_JSON_DEPTH + 1, 6000, 20_000].map((levels) => ({
    levels,
    // Written as text: JSON.stringify itself cannot go that deep.
    raw: JSON.stringify({ ...snapshotFor(d.serial, d.hardwareUuid), futureField: 0 }).replace(
      '"futureField":0',
      `"futureField":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`,
    ),
  }));
  for (const { levels, raw } of deeper) {
    const deep = await c.request('POST', '/api/v1/snapshots', { token: d.token, raw });
    assert.equal(deep.status, 400, `${levels} levels: ${deep.text}`);
    assert.equal(deep.json.error, 'invalid_json');
    assert.match(deep.json.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels \\(at byte \\d+\\)`));
  }
  // Brackets inside strings are text, not nesting.
  const brackets = {
    ...snapshotFor(d.serial, d.hardwareUuid),
    futureField: '['.repeat(500) + '{'.repeat(500),
  };
  assert.equal((await c.upload(d.token, brackets)).status, 200);
  assert.equal(rows(), before + 1);
  assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).status, 200);
});

test('snapshot ids: an upper-cased id is the same id (stored and answered in lower case)', async () => {
  const d = await c.device();
  const s = snapshotFor(d.serial, d.hardwareUuid);
  const upper = { ...s, id: s.id.toUpperCase() };
  const first = await c.upload(d.token, upper);
  assert.equal(first.status, 200);
  assert.equal(first.json.id, s.id);
  assert.equal(count('SELECT count(*) AS n FROM snapshot_receipts WHERE snapshot_id = ?', s.id), 1);
  // The identical retry is a replay; the same id in lower case with other bytes is a conflict, not a new id.
  c.clock.advance(1000);
  assert.deepEqual((await c.upload(d.token, upper)).json, first.json);
  const lower = await c.upload(d.token, s);
  assert.equal(lower.status, 409);
  assert.equal(lower.json.error, 'snapshot_conflict');
  assert.equal(
    count('SELECT count(*) AS n FROM snapshot_receipts WHERE lower(snapshot_id) = ?', s.id),
    1,
    'one receipt for the id, whatever its case',
  );
});

test('bodies over the limit are refused early with 413', async () => {
  const d = await c.device();
  const s = snapshotFor(d.serial, d.hardwareUuid) as unknown as Record<string, unknown>;
  s['padding'] = 'x'.repeat(70 * 1024);
  const r = await c.upload(d.token, s);
  assert.equal(r.status, 413);
  assert.equal(r.json.error, 'body_too_large');
  // Unauthenticated big bodies are refused by auth before being read.
  const anon = await c.upload('twd_bogus', s);
  assert.equal(anon.status, 401);
});

test('a device can write only its own serial and hardware UUID (403)', async () => {
  const a = await c.device();
  const b = await c.device();
  const r = await c.upload(a.token, snapshotFor(b.serial, a.hardwareUuid));
  assert.equal(r.status, 403);
  assert.equal(r.json.error, 'device_mismatch');
  const r2 = await c.upload(a.token, snapshotFor(a.serial, b.hardwareUuid));
  assert.equal(r2.status, 403);
  // Lower-case hardware UUID of its own is fine.
  const ok = await c.upload(a.token, snapshotFor(a.serial, a.hardwareUuid.toLowerCase()));
  assert.equal(ok.status, 200);
});

test('idempotency: identical retry answers as the first time; different body or other device is 409', async () => {
  const a = await c.device();
  const b = await c.device();
  const s = snapshotFor(a.serial, a.hardwareUuid);
  const first = await c.upload(a.token, s);
  c.clock.advance(5000);
  const retry = await c.upload(a.token, s);
  assert.equal(retry.status, 200);
  assert.deepEqual(retry.json, first.json);
  assert.equal(count('SELECT count(*) AS n FROM snapshot_history WHERE snapshot_id = ?', s.id), 1);
  // The retry is counted as a replay, not as a second change.
  assert.match(
    (await c.request('GET', '/metrics')).text,
    /tokenwatch_uploads_total\{result="replay"\} [1-9]/,
  );
  const changed = await c.upload(a.token, { ...s, consoleUser: 'bob' });
  assert.equal(changed.status, 409);
  assert.equal(changed.json.error, 'snapshot_conflict');
  const other = await c.upload(b.token, {
    ...s,
    device: { ...s.device, serial: b.serial, hardwareUuid: b.hardwareUuid },
  });
  assert.equal(other.status, 409);
  assert.equal(other.json.error, 'snapshot_conflict');
});

test('history grows with changes only; unknown extra fields are kept', async () => {
  const d = await c.device();
  const first = snapshotFor(d.serial, d.hardwareUuid, (s) => {
    (s as unknown as Record<string, unknown>)['futureField'] = { nested: [1, 2, 3] };
  });
  assert.equal((await c.upload(d.token, first)).json.changed, true);
  for (let i = 0; i < 5; i++) {
    c.clock.advance(60_000);
    const same = {
      ...first,
      id: crypto.randomUUID(),
      collectedAt: new Date(T0.getTime() + i * 60_000).toISOString(),
      consoleUser: i % 2 ? 'bob' : 'alice',
    };
    const r = await c.upload(d.token, same);
    assert.equal(r.status, 200);
    assert.equal(r.json.changed, false);
  }
  const devId = count('SELECT id AS n FROM devices WHERE serial = ?', d.serial);
  assert.equal(count('SELECT count(*) AS n FROM snapshot_history WHERE device_id = ?', devId), 1);
  const changed = snapshotFor(d.serial, d.hardwareUuid, (s) => (s.fileVault.personalRecoveryKey = false));
  c.clock.advance(60_000);
  const r = await c.upload(d.token, changed);
  assert.equal(r.json.changed, true);
  assert.equal(count('SELECT count(*) AS n FROM snapshot_history WHERE device_id = ?', devId), 2);
  const detail = await c.admin(`/api/v1/devices/${d.serial}`);
  assert.equal(detail.status, 200);
  assert.equal(detail.json.lastSeen, c.clock.now().toISOString());
  assert.equal(detail.json.history.length, 2);
  assert.deepEqual(detail.json.history[0].changes, ['fileVault', 'futureField']); // the second change dropped it
  // The first change kept the unknown field as received.
  const db = new Database(c.dbPath, { readonly: true });
  const row = db
    .prepare('SELECT body, encoding FROM snapshot_history WHERE device_id = ? ORDER BY seq LIMIT 1')
    .get(devId) as { body: Buffer; encoding: string };
  db.close();
  const { inflateRawSync } = await import('node:zlib');
  assert.equal(row.encoding, 'deflate-raw');
  assert.deepEqual(JSON.parse(inflateRawSync(row.body).toString('utf8')).futureField, { nested: [1, 2, 3] });
});

test('check-ins: matching digest updates lastSeen and console user; otherwise 409 digest_unknown', async () => {
  const d = await c.device();
  const checkin = (digest: string) => ({
    schema: 'tokenwatch.checkin/1',
    id: crypto.randomUUID(),
    digest,
    collectedAt: c.clock.now().toISOString(),
    consoleUser: 'carol',
  });
  const early = await c.request('POST', '/api/v1/checkins', {
    token: d.token,
    body: checkin('0'.repeat(64)),
  });
  assert.equal(early.status, 409);
  assert.equal(early.json.error, 'digest_unknown');
  const s = snapshotFor(d.serial, d.hardwareUuid);
  await c.upload(d.token, s);
  c.clock.advance(3_600_000);
  const ok = await c.request('POST', '/api/v1/checkins', {
    token: d.token,
    body: checkin(snapshotDigest(s)),
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.lastSeen, c.clock.now().toISOString());
  const detail = await c.admin(`/api/v1/devices/${d.serial}`);
  assert.equal(detail.json.lastSeen, c.clock.now().toISOString());
  assert.equal(detail.json.consoleUser, 'carol');
  const stale = await c.request('POST', '/api/v1/checkins', {
    token: d.token,
    body: checkin('a'.repeat(64)),
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error, 'digest_unknown');
  const wrongSchema = await c.request('POST', '/api/v1/checkins', {
    token: d.token,
    body: { ...checkin(snapshotDigest(s)), schema: 'tokenwatch.snapshot/1' },
  });
  assert.equal(wrongSchema.status, 400);
  assert.equal(wrongSchema.json.error, 'unknown_schema');
  const noAuth = await c.request('POST', '/api/v1/checkins', { body: checkin(snapshotDigest(s)) });
  assert.equal(noAuth.status, 401);
});

test('unknown routes are 404 not_found in the error format', async () => {
  const r = await c.request('GET', '/api/v1/nope');
  assert.equal(r.status, 404);
  assert.equal(r.json.error, 'not_found');
});

test('what the router refuses (a parameter over 100 characters, a broken URL) is answered in the catalogue format', async () => {
  for (const path of [`/api/v1/devices/${'C'.repeat(101)}`, '/api/v1/exemptions/%E0%A4%A']) {
    const r = await c.admin(path);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_query', r.text);
  }
  const metrics = await c.request('GET', '/metrics');
  assert.match(metrics.text, /tokenwatch_rejects_total\{reason="invalid_query"\} [1-9]/);
});
