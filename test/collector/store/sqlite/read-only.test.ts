// tokenwatch report --db opens the collector's database read-only: nothing it runs can write, no
// migration runs, and a file that is missing, not SQLite, or of another schema version is one line that
// says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { openSqliteReadOnly, ReadOnlyOpenError } from '../../../../collector/store/sqlite/read-only.ts';
import { latestSchemaVersion } from '../../../../collector/store/sqlite/backup.ts';

const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-read-only-'));

test('reads what the collector wrote; every write is refused by SQLite, and the file is unchanged', async () => {
  const file = join(dir, 'collector.db');
  const store = openSqliteStore(file);
  const d = await store.devices.create({
    serial: 'C02RO0001',
    hardwareUuid: 'U-1',
    tokenHash: 'h',
    at: 1000,
  });
  await store.close();
  const before = readFileSync(file);
  const ro = openSqliteReadOnly(file);
  try {
    assert.equal((await ro.devices.bySerial('C02RO0001'))?.id, d.id);
    assert.equal(await ro.fleet.deviceCount(), 1);
    await assert.rejects(
      () => ro.devices.touch(d.id, 2000, null, null),
      (e: Error & { code?: string }) => e.code === 'SQLITE_READONLY',
    );
  } finally {
    ro.close();
  }
  assert.deepEqual(readFileSync(file), before);
});

test('missing, not SQLite, not tokenwatch, older or newer schema: one line each, and no file is created', () => {
  const refused = (file: string, why: RegExp) =>
    assert.throws(
      () => openSqliteReadOnly(file),
      (e: Error) => e instanceof ReadOnlyOpenError && why.test(e.message) && !e.message.includes('\n'),
      file,
    );
  const missing = join(dir, 'typo.db');
  refused(missing, /typo\.db does not exist \(give the collector's database file\)$/);
  assert.ok(!existsSync(missing));
  refused(dir, /is not a file$/);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database\n'.repeat(100));
  refused(text, /notes\.txt is not a SQLite database$/);
  const versioned = (name: string, version: number) => {
    const file = join(dir, name);
    const db = new Database(file);
    db.pragma(`user_version = ${version}`);
    db.close();
    return file;
  };
  refused(versioned('empty.db', 0), /is not a tokenwatch database \(schema version 0\)$/);
  const latest = latestSchemaVersion();
  const older = versioned('older.db', latest - 1);
  refused(
    older,
    new RegExp(
      `schema version ${latest - 1}, older than this tokenwatch's \\(${latest}\\): start this version's collector on it once`,
    ),
  );
  const db = new Database(older);
  assert.equal(db.pragma('user_version', { simple: true }), latest - 1, 'not migrated');
  db.close();
  refused(versioned('newer.db', latest + 1), /newer than this tokenwatch knows/);
});
