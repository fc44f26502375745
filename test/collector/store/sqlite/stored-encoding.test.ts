// A stored body whose encoding the collector cannot read (written by hand, or by another version) comes back
// with that encoding, and decoding it is an error that names it (not compressed bytes handed to JSON.parse
// as plain text), raised when that one body is decoded, so the rest of the device's history still reads.
// (Encodings kept through the store interface: the conformance suite's snapshots.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { decodeBody } from '../../../../collector/services/snapshot-body.ts';

test('an unknown stored encoding is refused by name when that body is decoded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-store-'));
  const path = join(dir, 's.db');
  const store = openSqliteStore(path);
  try {
    const d = await store.devices.create({
      serial: 'S1',
      hardwareUuid: 'HW1',
      tokenHash: 'a'.repeat(64),
      at: 1000,
    });
    const body = Buffer.from('{"schema":"x"}');
    await store.snapshots.addHistory({
      deviceId: d.id,
      snapshotId: 'snap-1',
      digest: 'b'.repeat(64),
      collectedAt: 1000,
      receivedAt: 1000,
      body,
      encoding: 'identity',
    });
    const other = new Database(path);
    other.prepare(`UPDATE snapshot_history SET encoding = 'zstd'`).run();
    other.close();
    const [stored] = await store.snapshots.history(d.id, 10);
    assert.equal(stored?.encoding, 'zstd');
    assert.throws(() => decodeBody(stored?.body, stored?.encoding), {
      name: 'BodyError',
      message: 'unknown body encoding "zstd"',
    });
    assert.deepEqual(decodeBody(stored?.body, 'identity'), { schema: 'x' });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
