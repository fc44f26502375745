// A database another connection holds for writing: the SQLite store rejects the unit with its own
// StoreBusyError (no SQLite error code leaves collector/store/sqlite), writes nothing, and works once the
// database is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { StoreBusyError } from '../../../../collector/store/types.ts';

test('a write while another connection holds the database is StoreBusyError, after the busy wait', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-busy-'));
  const path = join(dir, 's.db');
  const store = openSqliteStore(path);
  const other = new Database(path);
  try {
    other.exec('BEGIN IMMEDIATE');
    const device = { serial: 'C02BUSY', hardwareUuid: 'HW-BUSY', tokenHash: 'a'.repeat(64), at: 1 };
    await assert.rejects(store.devices.create(device), (e: unknown) => {
      assert.ok(e instanceof StoreBusyError, String(e));
      assert.match(e.message, /SQLITE_BUSY/);
      assert.equal((e.cause as { code?: string }).code, 'SQLITE_BUSY');
      return true;
    });
    other.exec('ROLLBACK');
    assert.equal(await store.devices.bySerial('C02BUSY'), null, 'the refused unit wrote nothing');
    assert.equal((await store.devices.create(device)).serial, 'C02BUSY');
  } finally {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
