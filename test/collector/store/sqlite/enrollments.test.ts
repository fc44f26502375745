// The enrollment audit's storage: counted rows (one per key), the hard cap (unauthenticated rows go
// first, then the oldest), retention from a counted row's latest repeat, and the migration that turns a
// database flooded one row per attempt into the counted rows it would hold now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { migrations } from '../../../../collector/store/sqlite/open.ts';
import type { EnrollmentAttempt, Store } from '../../../../collector/store/types.ts';

const H = 3_600_000;

function attempt(at: number, outcome: EnrollmentAttempt['outcome'], n = 0): EnrollmentAttempt {
  return {
    at,
    serial: `C02${String(n).padStart(5, '0')}`,
    hardwareUuid: null,
    outcome,
    remoteAddress: `192.0.2.${n % 250}`,
    detail: null,
  };
}

async function withStore(
  fn: (store: Store, path: string) => Promise<void>,
  auditMaxRows?: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-audit-'));
  const path = join(dir, 's.db');
  const store = openSqliteStore(path, auditMaxRows === undefined ? {} : { auditMaxRows });
  try {
    await fn(store, path);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tally counts into the row of its key: first time stays, last time, count and latest serial follow', async () => {
  await withStore(async (store) => {
    await store.enrollments.tally(attempt(100, 'refused_secret', 1), 'k', true);
    await store.enrollments.tally(attempt(300, 'refused_secret', 2), 'k', true);
    await store.enrollments.tally(attempt(200, 'refused_secret', 3), 'k', true);
    await store.enrollments.tally(attempt(400, 'refused_secret', 4), 'other', true);
    const rows = await store.enrollments.list({ limit: 10 });
    assert.deepEqual(
      rows.map((r) => [r.at, r.lastAt, r.count, r.serial]),
      [
        [400, 400, 1, 'C0200004'],
        [100, 300, 3, 'C0200003'],
      ],
    );
  });
});

test('the cap drops unauthenticated rows first, so events outlive any flood', async () => {
  await withStore(async (store) => {
    for (let i = 0; i < 5; i++) await store.enrollments.record(attempt(i, 'issued', i));
    for (let i = 0; i < 500; i++)
      await store.enrollments.tally(attempt(10 + i, 'refused_secret', i), `flood-${i}`, true);
    const rows = await store.enrollments.list({ limit: 100 });
    assert.equal(rows.length, 20);
    assert.deepEqual(
      rows.filter((r) => r.outcome === 'issued').map((r) => r.at),
      [4, 3, 2, 1, 0],
    );
    // The 15 newest counted rows are the ones kept.
    assert.deepEqual(
      rows.filter((r) => r.outcome === 'refused_secret').map((r) => r.at),
      Array.from({ length: 15 }, (_, i) => 509 - i),
    );
  }, 20);
});

test('a table full of events drops its oldest events at the cap', async () => {
  await withStore(async (store) => {
    for (let i = 0; i < 30; i++) await store.enrollments.record(attempt(i, 'rotated', i));
    const rows = await store.enrollments.list({ limit: 100 });
    assert.equal(rows.length, 12);
    assert.deepEqual(
      rows.map((r) => r.at),
      Array.from({ length: 12 }, (_, i) => 29 - i),
    );
  }, 12);
});

test('retention keeps a counted row while its latest repeat is recent', async () => {
  await withStore(async (store) => {
    await store.enrollments.tally(attempt(0, 'refused_invalid'), 'k', true);
    await store.enrollments.tally(attempt(100, 'refused_invalid'), 'k', true);
    await store.enrollments.record(attempt(10, 'issued'));
    assert.equal((await store.prune({ historyBefore: 0, receiptsBefore: 0, auditBefore: 50 })).audit, 1);
    assert.deepEqual(
      (await store.enrollments.list({ limit: 10 })).map((r) => r.outcome),
      ['refused_invalid'],
    );
    assert.equal((await store.prune({ historyBefore: 0, receiptsBefore: 0, auditBefore: 101 })).audit, 1);
    assert.equal((await store.enrollments.list({ limit: 10 })).length, 0);
  });
});

test('the migration turns one row per unauthenticated attempt into hourly counts, events untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-audit-'));
  const path = join(dir, 's.db');
  try {
    // A database of schema version 1 (before the counted audit) flooded one row per attempt.
    const db = new Database(path);
    db.exec((migrations()[0] as { sql: string }).sql);
    db.pragma('user_version = 1');
    const insert = db.prepare(
      `INSERT INTO enrollment_audit (at, serial, hardware_uuid, outcome, remote_address, detail) VALUES (?, ?, NULL, ?, ?, ?)`,
    );
    const T = 1_772_452_800_000; // 2026-03-02T12:00:00Z, an hour boundary
    db.transaction(() => {
      insert.run(T - 1, 'C02REAL', 'issued', '10.0.0.9', null);
      for (let i = 0; i < 3_000; i++)
        insert.run(T + i * 1000, `C02F${i}`, 'refused_secret', '192.0.2.1', null);
      for (let i = 0; i < 5; i++) insert.run(T + H + i, `C02G${i}`, 'refused_secret', '192.0.2.1', null);
      for (let i = 0; i < 20; i++)
        insert.run(T + i, null, 'refused_invalid', '192.0.2.2', `invalid_body: attempt ${i}`);
      for (let i = 0; i < 7; i++) insert.run(T + i, null, 'refused_rate_limited', null, null);
      insert.run(T + 5, 'C02REAL', 'refused_active', '10.0.0.9', 'no token presented');
      insert.run(T + 6, 'C02REAL', 'refused_active', '10.0.0.9', 'no token presented');
    })();
    db.close();

    const store = openSqliteStore(path);
    try {
      const rows = await store.enrollments.list({ limit: 100 });
      const shape = rows
        .map((r) => [r.outcome, r.remoteAddress, r.count, r.at - T, r.lastAt - T, r.serial, r.detail])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[3]) - Number(b[3]));
      assert.deepEqual(shape, [
        ['issued', '10.0.0.9', 1, -1, -1, 'C02REAL', null],
        // Events with the valid secret stay one row each.
        ['refused_active', '10.0.0.9', 1, 5, 5, 'C02REAL', 'no token presented'],
        ['refused_active', '10.0.0.9', 1, 6, 6, 'C02REAL', 'no token presented'],
        ['refused_invalid', '192.0.2.2', 20, 0, 19, null, 'invalid_body: attempt 19'],
        ['refused_rate_limited', null, 7, 0, 6, null, null],
        // 3,000 attempts over 50 minutes: one hour, one row; the next hour has its own.
        ['refused_secret', '192.0.2.1', 3_000, 0, 2_999_000, 'C02F2999', null],
        ['refused_secret', '192.0.2.1', 5, H, H + 4, 'C02G4', null],
      ]);
      // The migrated rows keep counting: the same key is the service's (outcome, hour, address).
      await store.enrollments.tally(
        attempt(T + 3_000_000, 'refused_secret', 1),
        JSON.stringify(['refused_secret', T, '192.0.2.1']),
        true,
      );
      const secret = (await store.enrollments.list({ limit: 100 })).filter(
        (r) => r.outcome === 'refused_secret',
      );
      assert.deepEqual(
        secret.map((r) => r.count),
        [5, 3_001],
      );
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    const size = check
      .prepare('SELECT unauthenticated, rows FROM enrollment_audit_size ORDER BY 1')
      .all() as { rows: number }[];
    check.close();
    assert.deepEqual(
      size.map((s) => s.rows),
      [3, 4],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
