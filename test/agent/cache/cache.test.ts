import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CACHE_FILE, CacheError, openCache } from '../../../agent/cache/open.ts';
import { latestSnapshot, recordSnapshot, snapshotStats } from '../../../agent/cache/snapshots.ts';
import { snapshotDigest } from '../../../agent/snapshot/index.ts';
import { compliantSnapshot } from '../../collector/rules/compliant-snapshot.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tw-cache-'));

test('creates a root-only state directory and a 0600 WAL database', () => {
  const dir = path.join(tmp(), 'state');
  const db = openCache({ stateDir: dir });
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(dir, CACHE_FILE)).mode & 0o777, 0o600);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('tightens a state directory that is too open', () => {
  const dir = tmp();
  fs.chmodSync(dir, 0o755);
  openCache({ stateDir: dir }).close();
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
});

test('an unchanged collection bumps the latest row; a change is a new row with a new digest', () => {
  const db = openCache({ stateDir: tmp() });
  const a = compliantSnapshot();
  const limits = { maxSnapshots: 100, maxBytes: 1e8 };
  assert.equal(recordSnapshot(db, a, snapshotDigest(a), limits).changed, true);
  const again = {
    ...a,
    id: '0b6f2b9e-7f0e-4d55-9a3f-1a2b3c4d5e6f',
    collectedAt: '2026-03-02T13:00:00.000Z',
    consoleUser: 'bob',
  };
  assert.equal(
    snapshotDigest(again),
    snapshotDigest(a),
    'id, collectedAt and consoleUser are outside the digest',
  );
  assert.equal(recordSnapshot(db, again, snapshotDigest(again), limits).changed, false);
  assert.equal(latestSnapshot(db)?.id, again.id, 'the latest collection is kept whole');
  const changed = {
    ...again,
    id: '1c7f3c0f-8a1f-4e66-8b4a-2b3c4d5e6f70',
    fileVault: { ...a.fileVault, state: 'off' as const },
  };
  assert.equal(recordSnapshot(db, changed, snapshotDigest(changed), limits).changed, true);
  assert.equal(snapshotStats(db).changes, 2);
});

test('the cache is bounded by count and by bytes, and keeps the newest', () => {
  const db = openCache({ stateDir: tmp() });
  const base = compliantSnapshot();
  for (let i = 0; i < 10; i++) {
    const s = {
      ...base,
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      device: { ...base.device, osBuild: `B${i}` },
    };
    recordSnapshot(db, s, snapshotDigest(s), { maxSnapshots: 4, maxBytes: 1e8 });
  }
  assert.equal(snapshotStats(db).changes, 4);
  const s = {
    ...base,
    id: '00000000-0000-4000-8000-999999999999',
    device: { ...base.device, osBuild: 'last' },
  };
  recordSnapshot(db, s, snapshotDigest(s), { maxSnapshots: 100, maxBytes: 10 });
  const stats = snapshotStats(db);
  assert.equal(stats.changes, 1, 'over the byte limit only the newest stays');
  assert.equal(latestSnapshot(db)?.device.osBuild, 'last');
});

test('a corrupt database is a clear error and the file is left alone', () => {
  const dir = tmp();
  const file = path.join(dir, CACHE_FILE);
  fs.writeFileSync(file, 'this is not a database, it is garbage '.repeat(200));
  const before = fs.readFileSync(file);
  assert.throws(
    () => openCache({ stateDir: dir }),
    (err: unknown) => err instanceof CacheError && err.code === 'cache_corrupt',
  );
  assert.deepEqual(fs.readFileSync(file), before, 'nothing was deleted or rewritten');
});

test('a database from a newer agent is refused, not downgraded', () => {
  const dir = tmp();
  const raw = new Database(path.join(dir, CACHE_FILE));
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(
    () => openCache({ stateDir: dir }),
    (err: unknown) => err instanceof CacheError && err.code === 'cache_too_new',
  );
});

test('a database locked by another writer is a clear error', () => {
  const dir = tmp();
  openCache({ stateDir: dir }).close();
  const other = new Database(path.join(dir, CACHE_FILE));
  other.pragma('journal_mode = DELETE');
  other.exec('BEGIN EXCLUSIVE');
  try {
    assert.throws(
      () => openCache({ stateDir: dir, busyTimeoutMs: 50 }),
      (err: unknown) => err instanceof CacheError && err.code === 'cache_locked',
    );
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
});
