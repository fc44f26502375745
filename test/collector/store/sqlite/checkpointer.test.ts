// WAL checkpoints run in a worker thread with its own connection: the main connection's automatic
// checkpoint is raised to a safety net, the worker's checkpoint backfills what the main one committed,
// the WAL then restarts from its beginning, and stopping the worker leaves the main connection working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, migrate } from '../../../../collector/store/sqlite/open.ts';
import { SAFETY_NET_PAGES, startCheckpointer } from '../../../../collector/store/sqlite/checkpointer.ts';
import type { Checkpointer } from '../../../../collector/store/sqlite/checkpointer.ts';
import type { Db } from '../../../../collector/store/sqlite/open.ts';

/** A migrated database file with a checkpointer (timer off: 60 s); stopped, closed and removed after fn. */
async function withCheckpointer(
  fn: (db: Db, ckpt: Checkpointer, path: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-ckpt-'));
  const path = join(dir, 'c.db');
  const db = openDatabase(path);
  migrate(db);
  const ckpt = startCheckpointer(db, path, 60_000);
  try {
    await fn(db, ckpt, path);
  } finally {
    await ckpt.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a worker thread checkpoints the WAL the main connection writes', () =>
  withCheckpointer(async (db, ckpt, path) => {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), SAFETY_NET_PAGES);
    const insert = db.prepare(`INSERT INTO enrollment_audit (at, outcome, detail) VALUES (?, 'ok', ?)`);
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(i, 'x'.repeat(200));
    })();
    const walBefore = statSync(`${path}-wal`).size;
    assert.ok(walBefore > 100_000, `the WAL holds the writes (${walBefore} bytes)`);
    const r = await ckpt.checkpointNow();
    assert.equal(r.busy, 0);
    assert.ok(r.log > 0, 'frames in the WAL');
    assert.equal(r.checkpointed, r.log, 'every committed frame copied into the database');
    // The next write restarts the WAL from its beginning (it does not grow past what one batch needs).
    insert.run(1, 'y');
    const again = await ckpt.checkpointNow();
    assert.ok(again.log < r.log, `the WAL restarted (${again.log} frames after ${r.log})`);
    assert.equal(again.checkpointed, again.log);
    await ckpt.stop();
    await assert.rejects(ckpt.checkpointNow(), /not running/);
    insert.run(2, 'z');
    assert.equal((db.prepare('SELECT count(*) AS n FROM enrollment_audit').get() as { n: number }).n, 2002);
  }));

test('if the worker stops, the main connection checkpoints by itself again', () =>
  withCheckpointer(async (db, ckpt) => {
    await ckpt.stop();
    // stop() is the orderly end; a crash takes the same 'exit' path, which restores SQLite's default.
    await new Promise((r) => setImmediate(r));
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  }));
