// `tokenwatch backup` as a real process against a real collector's SQLite file while agents keep uploading,
// then the documented restore (stop, replace the file, start) into a fresh collector, checked over HTTP.
// Also: what the command refuses (a missing --db is never created, an existing --out is kept without
// --force) and --out-dir's rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { snapshotFor, startTestCollector } from '../helpers/collector.ts';
import type { TestCollector } from '../helpers/collector.ts';
import { backupCommand, PG_REFUSAL, pruneBackups, stampedName } from '../../collector/backup.ts';
import { latestSchemaVersion } from '../../collector/store/sqlite/backup.ts';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;

function tokenwatch(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Mac {
  serial: string;
  hardwareUuid: string;
  token: string;
  /** Snapshot ids the collector acknowledged (200, changed), oldest first. */
  acked: string[];
  lastDigest: string | null;
}

/** Upload a changed snapshot (a new host name) and remember it once the collector acknowledged it. */
async function change(c: TestCollector, mac: Mac): Promise<void> {
  const s = snapshotFor(mac.serial, mac.hardwareUuid, (x) => {
    x.device.hostname = `mac-${mac.serial}-${mac.acked.length}`;
  });
  const r = await c.upload(mac.token, s);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, true);
  mac.acked.push(s.id);
  mac.lastDigest = r.json.digest as string;
}

async function newMac(c: TestCollector): Promise<Mac> {
  const d = await c.device();
  const mac: Mac = { ...d, acked: [], lastDigest: null };
  await change(c, mac);
  return mac;
}

const checkin = (digest: string) => ({
  schema: 'tokenwatch.checkin/1',
  id: crypto.randomUUID(),
  digest,
  collectedAt: '2026-03-02T12:00:00.000Z',
  consoleUser: null,
});

test('an online backup taken while agents upload restores into a fresh collector with everything acknowledged before it', async () => {
  const c = await startTestCollector();
  const backups = mkdtempSync(join(tmpdir(), 'tokenwatch-backups-'));
  let restored: TestCollector | null = null;
  // A reader that stays in one transaction (as a long report query would) keeps the checkpointer from
  // moving what follows into the database file: what the collector acknowledges stays in the WAL, where a
  // backup through SQLite sees it and a copy of the file would not.
  const reader = new Database(c.dbPath, { readonly: true });
  reader.prepare('BEGIN').run();
  reader.prepare('SELECT count(*) FROM devices').get();
  try {
    const before: Mac[] = [];
    for (let i = 0; i < 150; i++) before.push(await newMac(c));
    for (const mac of before.slice(0, 50)) await change(c, mac);
    const ackedBefore = new Map(before.map((m) => [m.serial, [...m.acked]]));

    // Agents keep writing for as long as the backup process runs: new Macs enroll, known ones change.
    let backupDone = false;
    let writesDuring = 0;
    const writer = (async () => {
      for (let i = 0; !backupDone; i++) {
        if (i % 2 === 0) await newMac(c);
        else await change(c, before[i % before.length] as Mac);
        writesDuring++;
      }
    })();
    const copy = join(backups, 'collector-copy.db');
    const result = await tokenwatch(['backup', '--db', c.dbPath, '--out', copy]);
    backupDone = true;
    await writer;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(
      result.stdout,
      new RegExp(
        `^backed up .+collector\\.db to .+collector-copy\\.db: [\\d.]+ [KM]iB \\(\\d+ bytes, \\d+ pages\\), schema version ${latestSchemaVersion()}, integrity ok, [\\d.]+ s\n$`,
      ),
    );
    assert.ok(writesDuring > 0, 'uploads were acknowledged while the backup process ran');
    assert.deepEqual(readdirSync(backups), ['collector-copy.db'], 'no temporary, -wal or -shm file is left');
    assert.equal(
      c.logs.filter((l) => (l['level'] as number) >= 50).length,
      0,
      'the collector logged no error',
    );
    reader.prepare('COMMIT').run();
    reader.close();
    // After the backup: a Mac enrolls, and a known one changes.
    const late = await newMac(c);
    const changedLate = before[1] as Mac;
    await change(c, changedLate);

    // Restore as docs/operations.md says: stop the collector, replace the file (and drop its -wal/-shm), start.
    await c.close();
    for (const f of [c.dbPath, `${c.dbPath}-wal`, `${c.dbPath}-shm`]) rmSync(f, { force: true });
    copyFileSync(copy, c.dbPath);
    restored = await startTestCollector({ db: c.dbPath });

    const health = await restored.request('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.ok(health.json.devices >= before.length, `${health.json.devices} devices after the restore`);
    for (const mac of before) {
      const d = await restored.admin(`/api/v1/devices/${mac.serial}`);
      assert.equal(d.status, 200, `${mac.serial} is in the restored collector`);
      const ids = (d.json.history as { snapshotId: string }[]).map((h) => h.snapshotId);
      for (const id of ackedBefore.get(mac.serial) ?? [])
        assert.ok(ids.includes(id), `${mac.serial}: snapshot ${id} acknowledged before the backup is there`);
    }
    // A Mac the backup knows keeps its token and uploads on.
    await change(restored, before[0] as Mac);
    // A change made after the backup is unknown again: the agent's check-in with its digest gets
    // 409 digest_unknown, so it sends the snapshot, which is accepted anew.
    const lateCheckin = await restored.request('POST', '/api/v1/checkins', {
      token: changedLate.token,
      body: checkin(changedLate.lastDigest as string),
    });
    assert.equal(lateCheckin.status, 409);
    assert.equal(lateCheckin.json.error, 'digest_unknown');
    await change(restored, changedLate);
    // A Mac that enrolled after the backup is unknown: 401, and it may enroll again.
    const r = await restored.upload(late.token, snapshotFor(late.serial, late.hardwareUuid));
    assert.equal(r.status, 401);
    assert.equal((await restored.enroll(late.serial, late.hardwareUuid)).status, 200);
  } finally {
    if (reader.open) reader.close();
    await restored?.stop();
    rmSync(c.dir, { recursive: true, force: true });
    rmSync(backups, { recursive: true, force: true });
  }
});

/** backupCommand in process, with its output captured. */
async function run(argv: string[], now = new Date('2026-03-02T12:00:00.000Z'), env = {}) {
  let out = '';
  let err = '';
  const code = await backupCommand(argv, {
    env,
    now,
    monotonic: () => 0,
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

test('--db opens an existing database only: a mistyped path is an error naming it, and no file appears', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-backup-'));
  try {
    const typo = join(dir, 'colector.db');
    const r = await tokenwatch(['backup', '--db', typo, '--out', join(dir, 'copy.db')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `tokenwatch backup: ${typo} does not exist (give the collector's database file; backup never creates one)\n`,
    );
    assert.deepEqual(readdirSync(dir), [], 'neither the database nor a backup was created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an existing --out is kept unless --force; with --force it is replaced by a checked copy', async () => {
  const c = await startTestCollector();
  try {
    await newMac(c);
    const out = join(c.dir, 'copy.db');
    writeFileSync(out, 'yesterday');
    const refused = await run(['--db', c.dbPath, '--out', out]);
    assert.equal(refused.code, 1);
    assert.equal(refused.err, `tokenwatch backup: ${out} exists (--force replaces it)\n`);
    assert.equal(readFileSync(out, 'utf8'), 'yesterday');
    const forced = await run(['--db', c.dbPath, '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(
      readdirSync(c.dir)
        .filter((f) => !f.startsWith('collector.db'))
        .sort(),
      ['copy.db'],
      'no temporary file left',
    );
    const copy = new Database(out, { fileMustExist: true });
    try {
      assert.equal((copy.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n, 1);
    } finally {
      copy.close();
    }
  } finally {
    await c.stop();
  }
});

test('usage errors exit 2 with the usage line; the database is never touched', async () => {
  for (const [argv, message] of [
    [[], '--db FILE (or TOKENWATCH_DB) is required'],
    [['--db', 'x.db'], 'give exactly one of --out FILE or --out-dir DIR'],
    [['--db', 'x.db', '--out', 'a', '--out-dir', 'b'], 'give exactly one of --out FILE or --out-dir DIR'],
    [['--db', 'x.db', '--out', 'a', '--keep', '3'], '--keep goes with --out-dir'],
    [
      ['--db', 'x.db', '--out-dir', 'b', '--force'],
      '--force goes with --out (--out-dir never replaces a file)',
    ],
    [['--db', 'x.db', '--out-dir', 'b', '--keep', '0'], '--keep must be a whole number of at least 1'],
  ] as const) {
    const r = await run([...argv]);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(
      r.err,
      new RegExp(
        `^tokenwatch backup: ${message.replace(/[()]/g, '\\$&')}\nusage: tokenwatch backup --db FILE`,
      ),
    );
  }
  assert.equal(existsSync('x.db'), false);
});

test('a PostgreSQL database (--database-url, or TOKENWATCH_DATABASE_URL without --db) is refused in one line naming pg_dump, exit 2', async () => {
  const url = 'postgres://tokenwatch:secret@db.example:5432/tokenwatch';
  for (const [argv, env] of [
    [['--database-url', url, '--out', 'x.db'], {}],
    [['--out', 'x.db'], { TOKENWATCH_DATABASE_URL: url }],
    [['--out', 'x.db'], { TOKENWATCH_DATABASE_URL: url, TOKENWATCH_DB: 'y.db' }],
  ] as const) {
    const r = await run([...argv], undefined, env);
    assert.equal(r.code, 2, argv.join(' '));
    const [first] = r.err.split('\n');
    assert.equal(first, `tokenwatch backup: ${PG_REFUSAL}`);
    assert.match(first ?? '', /pg_dump/);
    assert.doesNotMatch(r.err, /secret/, 'the password is never printed');
  }
  assert.equal(existsSync('x.db'), false);
  // --db names a SQLite file: the environment's URL does not stand in its way.
  const missing = await run(['--db', 'no-such.db', '--out', 'x.db'], undefined, {
    TOKENWATCH_DATABASE_URL: url,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no-such\.db/);
});

test('--out-dir writes a time-stamped copy and --keep N removes the oldest of its own copies only', async () => {
  const c = await startTestCollector();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-backups-'));
  try {
    await newMac(c);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    writeFileSync(join(dir, 'other-20260101T000000Z.db'), 'another database');
    const days = ['2026-03-01T02:30:00.000Z', '2026-03-02T02:30:00.000Z', '2026-03-03T02:30:00.000Z'];
    const outputs: string[] = [];
    for (const day of days) {
      const r = await run(['--db', c.dbPath, '--out-dir', dir, '--keep', '2'], new Date(day));
      assert.equal(r.code, 0, r.err);
      outputs.push(r.out);
    }
    assert.equal(stampedName(c.dbPath, new Date(days[0] as string)), 'collector-20260301T023000Z.db');
    assert.deepEqual(readdirSync(dir).sort(), [
      'collector-20260302T023000Z.db',
      'collector-20260303T023000Z.db',
      'notes.txt',
      'other-20260101T000000Z.db',
    ]);
    assert.match(outputs[2] as string, /\nremoved old backup .+collector-20260301T023000Z\.db\n$/);
    assert.doesNotMatch(outputs[1] as string, /removed/);
    // Two in the same second: the second is refused rather than replacing the first.
    const again = await run(['--db', c.dbPath, '--out-dir', dir], new Date(days[2] as string));
    assert.equal(again.code, 1);
    assert.match(again.err, /collector-20260303T023000Z\.db exists/);
    assert.deepEqual(pruneBackups(dir, c.dbPath, 1), [join(dir, 'collector-20260302T023000Z.db')]);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
