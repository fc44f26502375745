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

// ---- what is planted in or at the state directory ----------------------------------------------

/** A file outside the state directory that a planted link points at: its bytes and mode must not change. */
function victim(): { file: string; unchanged: () => void } {
  const file = path.join(tmp(), 'victim');
  fs.writeFileSync(file, 'not the agent cache\n', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  return {
    file,
    unchanged: () => {
      assert.equal(fs.readFileSync(file, 'utf8'), 'not the agent cache\n');
      assert.equal(fs.statSync(file).mode & 0o777, 0o644, "the target's mode is unchanged");
    },
  };
}

const unsafe = (pattern: RegExp) => (err: unknown) =>
  err instanceof CacheError && err.code === 'cache_unsafe' && pattern.test(err.message);

test('a symbolic link planted at the cache path is refused, never followed; its target keeps its mode', () => {
  const dir = tmp();
  const target = victim();
  fs.symlinkSync(target.file, path.join(dir, CACHE_FILE));
  assert.throws(() => openCache({ stateDir: dir }), unsafe(/cache\.sqlite is a symbolic link/));
  target.unchanged();
});

test("a symbolic link at SQLite's -wal file is refused", () => {
  const dir = tmp();
  openCache({ stateDir: dir }).close();
  const target = victim();
  fs.rmSync(path.join(dir, `${CACHE_FILE}-wal`), { force: true });
  fs.symlinkSync(target.file, path.join(dir, `${CACHE_FILE}-wal`));
  assert.throws(() => openCache({ stateDir: dir }), unsafe(/-wal is a symbolic link/));
  target.unchanged();
});

test('a state directory that is a symbolic link is refused, and the directory it points at is left alone', () => {
  const real = tmp();
  fs.chmodSync(real, 0o755);
  const link = path.join(tmp(), 'state');
  fs.symlinkSync(real, link);
  assert.throws(() => openCache({ stateDir: link }), unsafe(/state directory .* is a symbolic link/));
  assert.equal(fs.statSync(real).mode & 0o777, 0o755);
  assert.deepEqual(fs.readdirSync(real), []);
});

test('a state directory writable by group or others is refused, not silently tightened', () => {
  for (const mode of [0o770, 0o707, 0o777]) {
    const dir = tmp();
    fs.chmodSync(dir, mode);
    assert.throws(() => openCache({ stateDir: dir }), unsafe(/writable by group or others/));
    assert.equal(fs.statSync(dir).mode & 0o777, mode);
    assert.equal(fs.existsSync(path.join(dir, CACHE_FILE)), false);
  }
});

test('a state directory that belongs to another user is refused', () => {
  const uid = process.getuid?.();
  // As root: a directory handed to another uid. As anyone else: a directory root owns, which is never
  // modified because ownership is checked first.
  let dir = '/';
  if (uid === 0) {
    dir = tmp();
    fs.chownSync(dir, 4242, 4242);
  }
  assert.throws(
    () => openCache({ stateDir: dir }),
    unsafe(/belongs to uid \d+, not to the user the agent runs as/),
  );
});
