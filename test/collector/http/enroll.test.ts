// Enrollment over real HTTP: tokens, takeover protection, rotation, revocation, staleness, audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestCollector, newIdentity, ENROLL_SECRET, snapshotFor } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector({ reenrollAfterSeconds: String(30 * 86400) });
});
after(() => c.stop());

test('enroll issues a per-device token and stores only its hash', async () => {
  const id = newIdentity();
  const r = await c.enroll(id.serial, id.hardwareUuid);
  assert.equal(r.status, 200);
  assert.match(r.json.deviceToken, /^twd_[A-Za-z0-9_-]{43}$/);
  const db = new Database(c.dbPath, { readonly: true });
  const row = db.prepare('SELECT token_hash FROM devices WHERE serial = ?').get(id.serial) as {
    token_hash: string;
  };
  db.close();
  assert.match(row.token_hash, /^[0-9a-f]{64}$/);
  assert.notEqual(row.token_hash, r.json.deviceToken);
});

test('a wrong enroll secret is 401 enroll_secret_invalid and audited', async () => {
  const id = newIdentity();
  const r = await c.request('POST', '/api/v1/enroll', {
    body: { enrollSecret: 'nope', serial: id.serial, hardwareUuid: id.hardwareUuid },
  });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: 'enroll_secret_invalid', message: 'the enroll secret is not valid' });
  const audit = await c.admin(`/api/v1/enrollments?serial=${id.serial}`);
  assert.equal(audit.json.enrollments[0].outcome, 'refused_secret');
});

test('an active device cannot be taken over with the enroll secret alone (409), rotation needs its token', async () => {
  const d = await c.device();
  const again = await c.enroll(d.serial, d.hardwareUuid);
  assert.equal(again.status, 409);
  assert.equal(again.json.error, 'device_enrolled');
  // Same hardware UUID under another serial: still the same device, still refused.
  const other = await c.enroll('C02OTHER999', d.hardwareUuid);
  assert.equal(other.status, 409);
  // A wrong token presented is refused too.
  const wrong = await c.enroll(d.serial, d.hardwareUuid, 'twd_not-the-token');
  assert.equal(wrong.status, 409);
  // Rotation: present the active token.
  const rotated = await c.enroll(d.serial, d.hardwareUuid, d.token);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.deviceToken, d.token);
  // The old token stops working at once; the new one works.
  const s = snapshotFor(d.serial, d.hardwareUuid);
  assert.equal((await c.upload(d.token, s)).status, 401);
  assert.equal((await c.upload(rotated.json.deviceToken, s)).status, 200);
  const audit = await c.admin(`/api/v1/enrollments?serial=${d.serial}`);
  assert.deepEqual(
    audit.json.enrollments.map((e: { outcome: string }) => e.outcome),
    ['rotated', 'refused_active', 'refused_active', 'issued'],
  );
});

test('serial and hardware UUID of two different devices: 409 identity_conflict', async () => {
  const a = await c.device();
  const b = await c.device();
  const r = await c.enroll(a.serial, b.hardwareUuid);
  assert.equal(r.status, 409);
  assert.equal(r.json.error, 'identity_conflict');
});

test('after an admin revokes a device its token is refused and it may enroll again', async () => {
  const d = await c.device();
  const s = snapshotFor(d.serial, d.hardwareUuid);
  assert.equal((await c.upload(d.token, s)).status, 200); // cached in the auth LRU
  const rev = await c.admin(`/api/v1/devices/${d.serial}/revoke`, 'POST');
  assert.equal(rev.status, 200);
  assert.ok(rev.json.revokedAt);
  const refused = await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid));
  assert.equal(refused.status, 401);
  assert.equal(refused.json.error, 'unauthorized');
  const again = await c.enroll(d.serial, d.hardwareUuid);
  assert.equal(again.status, 200);
  const audit = await c.admin(`/api/v1/enrollments?serial=${d.serial}`);
  assert.deepEqual(
    audit.json.enrollments.map((e: { outcome: string }) => e.outcome),
    ['reenrolled_revoked', 'revoked', 'issued'],
  );
});

test('a device silent past reenrollAfterSeconds may enroll again without its token', async () => {
  const d = await c.device();
  c.clock.advance(29 * 86400 * 1000);
  assert.equal((await c.enroll(d.serial, d.hardwareUuid)).status, 409);
  c.clock.advance(2 * 86400 * 1000);
  const r = await c.enroll(d.serial, d.hardwareUuid);
  assert.equal(r.status, 200);
  assert.equal((await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid))).status, 401);
});

test('invalid enroll bodies are 400 and audited', async () => {
  const r = await c.request('POST', '/api/v1/enroll', {
    body: { enrollSecret: ENROLL_SECRET, serial: 'C02BAD' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_body');
  assert.match(r.json.message, /hardwareUuid/);
  const audit = await c.admin('/api/v1/enrollments?serial=C02BAD');
  assert.equal(audit.json.enrollments[0].outcome, 'refused_invalid');
});

test('auth matrix: admin routes need the admin token, device token is not enough, and vice versa', async () => {
  const d = await c.device();
  const adminPaths = [
    '/api/v1/devices',
    `/api/v1/devices/${d.serial}`,
    '/api/v1/summary',
    '/api/v1/exemptions',
    '/api/v1/enrollments',
    '/api/v1/rules',
  ];
  for (const p of adminPaths) {
    for (const token of [null, d.token, 'wrong', `${'x'.repeat(40)}`]) {
      const r = await c.request('GET', p, { token });
      assert.equal(r.status, 401, `${p} with ${token}`);
      assert.equal(r.json.error, 'unauthorized');
    }
    c.advanceMonotonic(60_000); // past the failed-admin-authentication window (20 a minute)
    assert.equal((await c.admin(p)).status, 200, p);
  }
  const revoke = await c.request('POST', `/api/v1/devices/${d.serial}/revoke`, { token: d.token });
  assert.equal(revoke.status, 401);
  // The admin token is not a device token.
  const up = await c.upload(c.config.adminToken, snapshotFor(d.serial, d.hardwareUuid));
  assert.equal(up.status, 401);
  const none = await c.upload('', snapshotFor(d.serial, d.hardwareUuid));
  assert.equal(none.status, 401);
  const basic = await c.request('POST', '/api/v1/snapshots', {
    headers: { authorization: 'Basic abc' },
    body: {},
  });
  assert.equal(basic.status, 401);
});

test('repeated enrollment failures from one address get 429 with Retry-After', async () => {
  const limited = await startTestCollector();
  try {
    let last = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 25; i++) {
      const r = await limited.request('POST', '/api/v1/enroll', {
        body: {
          enrollSecret: 'guess' + i,
          serial: 'C02GUESS',
          hardwareUuid: '11111111-2222-3333-4444-555555555555',
        },
      });
      last = r.status;
      retryAfter = r.headers.get('retry-after');
      if (last === 429) break;
    }
    assert.equal(last, 429);
    assert.ok(Number(retryAfter) > 0);
  } finally {
    await limited.stop();
  }
});
