// Migration 005 on a database an older version left frozen: the device whose current snapshot was dated
// 2099 gets its place in the order from its receive time (+ 5 minutes) and its skew from the same
// snapshot, so the next real snapshot becomes current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrations } from '../../../../collector/store/sqlite/open.ts';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { ingestSnapshot } from '../../../../collector/services/ingest.ts';
import { snapshotFor, T0 } from '../../../helpers/collector.ts';

const FUTURE = Date.parse('2099-06-01T00:00:00Z');

test('005 orders existing devices by their current snapshot (receive time capped) and heals one frozen by 2099', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-migrate-'));
  const path = join(dir, 'old.db');
  const v1 = new Database(path);
  v1.exec((migrations()[0] as { sql: string }).sql);
  v1.pragma('user_version = 1');
  const t = T0.getTime();
  v1.prepare(
    `INSERT INTO devices (id, serial, hardware_uuid, token_hash, enrolled_at, last_seen, last_contact, digest, snapshot_id, collected_at)
     VALUES (1, 'C02OLD', 'HW-OLD', NULL, ?, ?, ?, ?, 'future', ?), (2, 'C02FINE', 'HW-FINE', NULL, ?, ?, ?, ?, 'fine', ?)`,
  ).run(t, t + 3_600_000, t + 3_600_000, 'a'.repeat(64), FUTURE, t, t, t, 'c'.repeat(64), t - 1000);
  const history = v1.prepare(
    `INSERT INTO snapshot_history (device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
     VALUES (?, ?, ?, ?, ?, 'identity', X'7B7D')`,
  );
  history.run(1, 'future', 'a'.repeat(64), FUTURE, t);
  history.run(1, 'real', 'b'.repeat(64), t + 3_600_000, t + 3_600_000); // went to history only
  history.run(2, 'fine', 'c'.repeat(64), t - 1000, t);
  v1.close();

  const store = openSqliteStore(path);
  try {
    const old = await store.devices.byId(1);
    assert.equal(old?.orderedAt, t + 5 * 60_000);
    assert.equal(old?.clockSkewSeconds, Math.round((FUTURE - t) / 1000));
    assert.equal(old?.collectedAt, FUTURE, 'collectedAt stays as the agent reported it');
    const fine = await store.devices.byId(2);
    assert.equal(fine?.orderedAt, t - 1000);
    assert.equal(fine?.clockSkewSeconds, null);

    const next = snapshotFor(
      'C02OLD',
      'HW-OLD',
      (s) => (s.collectedAt = new Date(t + 7_200_000).toISOString()),
    );
    next.id = randomUUID();
    const r = await ingestSnapshot(
      { store, rules: { staleAfterSeconds: 86400 * 7, graceSeconds: {} } },
      { id: 1, serial: 'C02OLD', hardwareUuid: 'HW-OLD' },
      next,
      Buffer.from(JSON.stringify(next)),
      new Date(t + 7_200_000),
    );
    assert.equal(r.changed, true);
    const healed = await store.devices.byId(1);
    assert.equal(healed?.snapshotId, next.id);
    assert.equal(healed?.clockSkewSeconds, null);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
