// The enrollment audit under attack, over real HTTP with a real SQLite file: a client without the enroll
// secret writes a few counted rows an hour whatever it sends (wrong secrets, invalid bodies, broken JSON,
// aborted connections), the table never grows past its cap, and a flood never pushes out an issued token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { startTestCollector, newIdentity, ENROLL_SECRET } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';

interface Row {
  outcome: string;
  count: number;
  remote_address: string | null;
}

function auditRows(c: TestCollector): Row[] {
  const db = new Database(c.dbPath, { readonly: true });
  try {
    return db
      .prepare<[], Row>('SELECT outcome, count, remote_address FROM enrollment_audit ORDER BY id')
      .all();
  } finally {
    db.close();
  }
}

const sum = (rows: Row[]) => rows.reduce((n, r) => n + r.count, 0);

/** Send `n` requests with `concurrency` in flight; returns the statuses seen. */
async function flood(
  n: number,
  concurrency: number,
  send: (i: number) => Promise<{ status: number }>,
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const r = await send(next++);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** Open a connection, send an enroll request's headers and part of its body, then reset it. */
function abortedEnroll(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({
    enrollSecret: ENROLL_SECRET,
    serial: 'C02ABORTED',
    hardwareUuid: '11111111-2222-3333-4444-555555555555',
  });
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => {
      s.write(
        `POST /api/v1/enroll HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 12)}`,
      );
      // Long enough for the server to have read the headers and started on the body.
      setTimeout(() => {
        s.resetAndDestroy();
        resolve();
      }, 15);
    });
    s.on('error', reject);
  });
}

test('10,000 bad enrolls from one client write one counted row per outcome, not one per attempt', async (t) => {
  const c = await startTestCollector();
  try {
    const statuses = await flood(10_000, 16, (i) => {
      const kind = i % 3;
      if (kind === 0)
        return c.request('POST', '/api/v1/enroll', {
          body: { enrollSecret: `guess-${i}`, serial: 'C02FLOOD', hardwareUuid: newIdentity().hardwareUuid },
        });
      if (kind === 1)
        return c.request('POST', '/api/v1/enroll', { body: { enrollSecret: 'x', serial: 'C02FLOOD' } });
      return c.request('POST', '/api/v1/enroll', { raw: '{"enrollSecret":' });
    });
    const rows = auditRows(c);
    t.diagnostic(
      `10,000 bad enrolls (statuses ${JSON.stringify(Object.fromEntries(statuses))}) wrote ${rows.length} audit rows`,
    );
    assert.equal(
      [...statuses.values()].reduce((a, b) => a + b, 0),
      10_000,
    );
    assert.ok((statuses.get(429) ?? 0) > 9_000, 'the failure limiter still answers 429');
    assert.deepEqual(rows.map((r) => r.outcome).sort(), [
      'refused_invalid',
      'refused_rate_limited',
      'refused_secret',
    ]);
    // Every attempt is counted: the rows add up to the requests.
    assert.equal(sum(rows), 10_000);
    assert.ok(rows.every((r) => r.remote_address === '127.0.0.1'));
  } finally {
    await c.stop();
  }
});

test('aborted connections write one counted row, never one per connection', async (t) => {
  const c = await startTestCollector();
  try {
    for (let i = 0; i < 200; i += 20)
      await Promise.all(Array.from({ length: 20 }, () => abortedEnroll(c.url)));
    // The server notices the resets asynchronously: wait until all 200 are counted.
    for (let i = 0; i < 100 && sum(auditRows(c)) < 200; i++) await new Promise((r) => setTimeout(r, 20));
    const rows = auditRows(c);
    t.diagnostic(`200 aborted enrolls wrote ${rows.length} audit rows: ${JSON.stringify(rows)}`);
    // One row per address and hour. A connection reset before the server read its peer has no address
    // left: those share one more row (null address). After 20 failures the address is refused before
    // its body is read: counted as rate limited.
    const aborted = rows.filter((r) => r.outcome === 'refused_aborted');
    assert.equal(aborted.filter((r) => r.remote_address === '127.0.0.1').length, 1);
    assert.ok(aborted.length <= 2 && aborted.every((r) => [null, '127.0.0.1'].includes(r.remote_address)));
    assert.ok(rows.length <= 3);
    assert.ok(rows.every((r) => ['refused_aborted', 'refused_rate_limited'].includes(r.outcome)));
    assert.equal(sum(rows), 200);
    assert.equal((await c.request('GET', '/healthz')).status, 200);
  } finally {
    await c.stop();
  }
});

test('a flood from many addresses stops at auditMaxRows and never pushes out an issued token', async (t) => {
  const c = await startTestCollector({ trustProxy: 'true', auditMaxRows: '50' });
  try {
    const d = await c.device();
    assert.equal((await c.admin(`/api/v1/devices/${d.serial}/revoke`, 'POST')).status, 200);
    await flood(1_000, 16, (i) =>
      c.request('POST', '/api/v1/enroll', {
        headers: { 'x-forwarded-for': `198.51.100.${i % 250}, 10.0.${Math.floor(i / 250)}.1` },
        body: { enrollSecret: `guess-${i}`, serial: 'C02FLOOD', hardwareUuid: newIdentity().hardwareUuid },
      }),
    );
    await flood(1_000, 16, (i) =>
      c.request('POST', '/api/v1/enroll', {
        headers: { 'x-forwarded-for': `2001:db8::${i.toString(16)}` },
        body: { enrollSecret: `guess-${i}`, serial: 'C02FLOOD', hardwareUuid: newIdentity().hardwareUuid },
      }),
    );
    const rows = auditRows(c);
    t.diagnostic(`2,000 wrong secrets from 1,250 addresses left ${rows.length} audit rows (cap 50)`);
    assert.equal(rows.length, 50);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r.outcome),
      ['issued', 'revoked'],
    );
    // The newest counts are the ones kept.
    assert.equal(rows[rows.length - 1]?.remote_address, '2001:db8::3e7');
    const listed = await c.admin(`/api/v1/enrollments?serial=${d.serial}`);
    assert.deepEqual(
      listed.json.enrollments.map((e: { outcome: string }) => e.outcome),
      ['revoked', 'issued'],
    );
  } finally {
    await c.stop();
  }
});

test('GET /api/v1/enrollments shows a counted row with its count and first and last time', async () => {
  const c = await startTestCollector();
  try {
    const body = { enrollSecret: 'wrong', serial: 'C02COUNTED', hardwareUuid: newIdentity().hardwareUuid };
    await c.request('POST', '/api/v1/enroll', { body });
    c.clock.advance(60_000);
    await c.request('POST', '/api/v1/enroll', { body });
    c.clock.advance(60_000);
    await c.request('POST', '/api/v1/enroll', { body });
    // The next hour starts a new row.
    c.clock.advance(3_600_000);
    await c.request('POST', '/api/v1/enroll', { body });
    const r = await c.admin('/api/v1/enrollments?serial=C02COUNTED');
    assert.equal(r.status, 200);
    const [later, first] = r.json.enrollments;
    assert.equal(r.json.enrollments.length, 2);
    assert.deepEqual(
      { outcome: first.outcome, count: first.count, at: first.at, lastAt: first.lastAt },
      {
        outcome: 'refused_secret',
        count: 3,
        at: '2026-03-02T12:00:00.000Z',
        lastAt: '2026-03-02T12:02:00.000Z',
      },
    );
    assert.equal(first.remoteAddress, '127.0.0.1');
    assert.deepEqual(
      { count: later.count, at: later.at, lastAt: later.lastAt },
      { count: 1, at: '2026-03-02T13:02:00.000Z', lastAt: '2026-03-02T13:02:00.000Z' },
    );
  } finally {
    await c.stop();
  }
});

test('a repeated refusal of a client with the valid secret is one row per reason and hour, with its count', async () => {
  const c = await startTestCollector();
  try {
    const d = await c.device();
    for (let i = 0; i < 5; i++) assert.equal((await c.enroll(d.serial, d.hardwareUuid)).status, 409);
    for (let i = 0; i < 3; i++)
      assert.equal((await c.enroll(d.serial, d.hardwareUuid, 'twd_not-the-token')).status, 409);
    const r = await c.admin(`/api/v1/enrollments?serial=${d.serial}`);
    assert.deepEqual(
      r.json.enrollments.map((e: { outcome: string; count: number; detail: string | null }) => [
        e.outcome,
        e.count,
        e.detail,
      ]),
      [
        ['refused_active', 3, 'the presented token is not the active one'],
        ['refused_active', 5, 'no token presented'],
        ['issued', 1, null],
      ],
    );
  } finally {
    await c.stop();
  }
});

test('/metrics counts every enrollment outcome, refused ones included', async () => {
  const c = await startTestCollector();
  try {
    await c.device();
    await c.request('POST', '/api/v1/enroll', {
      body: { enrollSecret: 'wrong', serial: 'C02METRIC', hardwareUuid: newIdentity().hardwareUuid },
    });
    await c.request('POST', '/api/v1/enroll', { body: { serial: 'C02METRIC' } });
    const m = (await c.request('GET', '/metrics')).text;
    assert.match(m, /^tokenwatch_enrollments_total\{outcome="issued"\} 1$/m);
    assert.match(m, /^tokenwatch_enrollments_total\{outcome="refused_secret"\} 1$/m);
    assert.match(m, /^tokenwatch_enrollments_total\{outcome="refused_invalid"\} 1$/m);
  } finally {
    await c.stop();
  }
});
