// No stored value can make a read fail: rows as an older version (or a hand) left them — an instant no RFC
// 3339 text can say, bodies that do not inflate, are not JSON, nest 6,000 deep or use an unknown encoding,
// a finding of a rule this version does not know — and every admin read still answers 200, the device
// page naming each problem; the revocation of such a device is committed and answered as one unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { startTestCollector, snapshotFor } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

/** What a collector before the bounds stored for `collectedAt: "9999-12-31T23:59:59-23:59"`. */
const YEAR_10000 = Date.parse('9999-12-31T23:59:59-23:59');

function tamper(fn: (db: Database.Database) => void): void {
  const db = new Database(c.dbPath);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

test('hostile stored rows: the list, the device page, the summary and revocation answer 200', async () => {
  const good = await c.device();
  assert.equal((await c.upload(good.token, snapshotFor(good.serial, good.hardwareUuid))).status, 200);
  const bad = await c.device();
  assert.equal((await c.upload(bad.token, snapshotFor(bad.serial, bad.hardwareUuid))).status, 200);
  const deep = `{"schema":"tokenwatch.snapshot/1","x":${'['.repeat(6000)}${']'.repeat(6000)}}`;
  tamper((db) => {
    const id = (db.prepare('SELECT id FROM devices WHERE serial = ?').get(bad.serial) as { id: number }).id;
    db.prepare(`UPDATE devices SET collected_at = ?, snapshot_id = 'deep' WHERE id = ?`).run(YEAR_10000, id);
    const add = db.prepare(
      `INSERT INTO snapshot_history (device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const at = c.clock.now().getTime();
    add.run(id, 'deep', 'd'.repeat(64), YEAR_10000, at, 'deflate-raw', deflateRawSync(deep));
    add.run(id, 'not-deflate', 'e'.repeat(64), at, at, 'deflate-raw', Buffer.from('plain bytes'));
    add.run(id, 'not-json', 'f'.repeat(64), at, at, 'identity', Buffer.from('{"schema":'));
    add.run(id, 'an-array', '1'.repeat(64), at, at, 'identity', Buffer.from('[1,2]'));
    add.run(id, 'zstd', '2'.repeat(64), 'soon', at, 'zstd', Buffer.from('{}'));
    db.prepare(
      `INSERT INTO findings (device_id, rule, user_name, first_seen, last_seen, failing, reason)
       VALUES (?, 'retired-rule', '', ?, ?, 1, 'a rule of another version')`,
    ).run(id, at, at);
  });

  for (const limit of [1, 2, 100]) {
    let cursor: string | null = null;
    const serials: string[] = [];
    do {
      const page = await c.admin(`/api/v1/devices?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      serials.push(...page.json.devices.map((d: { serial: string }) => d.serial));
      const mine = page.json.devices.find((d: { serial: string }) => d.serial === bad.serial);
      if (mine) assert.equal(mine.collectedAt, null);
      cursor = page.json.nextCursor;
    } while (cursor);
    assert.ok(serials.includes(bad.serial) && serials.includes(good.serial));
  }
  const detail = await c.admin(`/api/v1/devices/${bad.serial}`);
  assert.equal(detail.status, 200, detail.text);
  assert.equal(detail.json.collectedAt, null);
  assert.equal(detail.json.snapshot, null, 'the current body cannot be shown');
  const problems: string[] = detail.json.problems;
  for (const expected of [
    /^collectedAt: the stored value 253402387139000 is no instant$/,
    /^snapshot: /,
    /^history deep: the stored body nests deeper than 64 levels$/,
    /^history deep: collectedAt 253402387139000 is no instant$/,
    /^history not-deflate: the stored body does not inflate: /,
    /^history not-json: the stored body is not JSON: /,
    /^history an-array: the stored body is not a JSON object$/,
    /^history zstd: unknown body encoding "zstd"$/,
    /^history zstd: collectedAt "soon" is no instant$/,
    /^findings: rule "retired-rule" is not one this collector knows/,
  ]) {
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${expected} in ${JSON.stringify(problems, null, 1)}`,
    );
  }
  assert.equal(detail.json.history.length, 6);
  assert.ok(!detail.json.findings.some((f: { rule: string }) => f.rule === 'retired-rule'));
  assert.equal((await c.admin('/api/v1/summary')).status, 200);
  assert.equal((await c.admin(`/api/v1/devices/${good.serial}`)).status, 200);

  // Revocation: answered 200 with the device page, and committed (the token stops working, audited).
  const revoked = await c.admin(`/api/v1/devices/${bad.serial}/revoke`, 'POST');
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.json.revokedAt, c.clock.now().toISOString());
  assert.equal(revoked.json.problems.length, problems.length);
  const up = await c.upload(bad.token, snapshotFor(bad.serial, bad.hardwareUuid));
  assert.equal(up.status, 401);
  const audit = await c.admin(`/api/v1/enrollments?serial=${bad.serial}`);
  assert.equal(audit.json.enrollments[0].outcome, 'revoked');
});
