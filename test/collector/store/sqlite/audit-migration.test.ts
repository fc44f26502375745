// The migration that turns an enrollment audit flooded one row per attempt into the counted rows it would
// hold now. (The audit's behaviour through the store interface: the conformance suite's enrollments.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { migrations } from '../../../../collector/store/sqlite/open.ts';
import { attempt } from '../conformance/backend.ts';

const H = 3_600_000;

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
