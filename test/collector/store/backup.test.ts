// backupSqlite: what it refuses to copy and where, and that a copy failing its checks never takes the
// target's name (nothing is left behind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BackupError, backupSqlite, latestSchemaVersion } from '../../../collector/store/sqlite/backup.ts';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'tokenwatch-backup-store-'));
}

function sqliteFile(path: string, setup: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    setup(db);
  } finally {
    db.close();
  }
}

async function refused(db: string, out: string, message: string | RegExp): Promise<void> {
  await assert.rejects(backupSqlite(db, out, false), (e: unknown) => {
    assert.ok(e instanceof BackupError, String(e));
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('a copy that fails integrity_check is refused and never takes the target name', async () => {
  const dir = scratch();
  try {
    const db = join(dir, 'collector.db');
    // An index entry that no longer matches its row: the key 50 of row 6 becomes 51 in the index's page
    // (still in order, so only the cross-check of table and index can find it).
    let root = 0;
    sqliteFile(db, (d) => {
      d.exec('CREATE TABLE t (a INTEGER); CREATE INDEX t_i ON t (a);');
      const insert = d.prepare('INSERT INTO t (rowid, a) VALUES (?, ?)');
      for (let i = 1; i <= 20; i++) insert.run(i, (i - 1) * 10);
      d.pragma('user_version = 1');
      root = (
        d.prepare("SELECT rootpage FROM sqlite_master WHERE name = 't_i'").get() as { rootpage: number }
      ).rootpage;
    });
    const bytes = readFileSync(db);
    const page = bytes.subarray((root - 1) * 4096, root * 4096);
    // The index record (a = 50, rowid = 6): header size 3, two 8-bit integers, then 50 and 6.
    const at = page.indexOf(Buffer.from([3, 1, 1, 50, 6]));
    assert.ok(at > 0, 'the index entry is on its root page');
    page[at + 3] = 51;
    writeFileSync(db, bytes);
    const out = join(dir, 'copy.db');
    await refused(db, out, /^the copy failed integrity_check: .*t_i/);
    assert.deepEqual(readdirSync(dir), ['collector.db'], 'no copy, no temporary file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what is not a tokenwatch database of a version this tokenwatch knows is refused, naming the file', async () => {
  const dir = scratch();
  try {
    const out = join(dir, 'copy.db');
    const plain = join(dir, 'plain.db');
    sqliteFile(plain, (d) => d.exec('CREATE TABLE notes (x)'));
    await refused(plain, out, `${plain} is not a tokenwatch database (schema version 0)`);

    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database, only text long enough to be read as a header by SQLite'.repeat(3));
    await refused(junk, out, `${junk} is not a SQLite database`);

    const newer = join(dir, 'newer.db');
    sqliteFile(newer, (d) => d.pragma(`user_version = ${latestSchemaVersion() + 1}`));
    await refused(
      newer,
      out,
      `${newer} has schema version ${latestSchemaVersion() + 1}, newer than this tokenwatch knows (${latestSchemaVersion()}): back it up with the tokenwatch that runs the collector`,
    );

    const folder = join(dir, 'folder.db');
    mkdirSync(folder);
    await refused(folder, out, `${folder} is not a file`);
    assert.deepEqual(readdirSync(dir).sort(), ['folder.db', 'junk.db', 'newer.db', 'plain.db']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the target must be a new file in an existing directory, and not the database itself', async () => {
  const dir = scratch();
  try {
    const db = join(dir, 'collector.db');
    const store = openSqliteStore(db);
    await store.close();
    await refused(
      db,
      join(dir, 'missing', 'copy.db'),
      `the backup's directory ${join(dir, 'missing')} does not exist`,
    );
    await refused(db, db, 'the backup must not be the database itself');
    mkdirSync(join(dir, 'copy.db'));
    await refused(
      db,
      join(dir, 'copy.db'),
      `${join(dir, 'copy.db')} is a directory: give the backup file's name`,
    );
    const r = await backupSqlite(db, join(dir, 'copy-2.db'), false);
    assert.equal(r.schemaVersion, latestSchemaVersion());
    assert.ok(r.pages > 1 && r.bytes === r.pages * 4096, `${r.pages} pages, ${r.bytes} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
