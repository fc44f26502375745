// The commands that read the collector's database, on PostgreSQL (--database-url, or TOKENWATCH_DATABASE_URL)
// as on SQLite (--db): one small fleet is built on both, by two real collectors (HTTP on port 0, one on a
// SQLite file, one on a database of a real PostgreSQL server) taking the same enrollments and the same
// snapshots at the same instants, and each command, run as a real process, prints the same answer from
// both (what differs by nature, the database's name and the clock of the run, is set aside). tokenwatch
// report opens PostgreSQL read-only (every session default_transaction_read_only, no migration run), and
// tokenwatch backup refuses a PostgreSQL database in one line naming pg_dump. The dashboard and the admin
// API's summary, served from each database, show the same fleet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import pg from 'pg';
import { snapshotFor, startTestCollector } from '../../helpers/collector.ts';
import type { Json, TestCollector } from '../../helpers/collector.ts';
import { startPostgres } from '../../helpers/postgres.ts';
import type { PostgresServer } from '../../helpers/postgres.ts';
import { systemClock } from '../../../collector/clock.ts';
import { openReadOnlyStore } from '../../../collector/store/open.ts';
import { PG_REFUSAL } from '../../../collector/backup.ts';
import { Visitor } from '../../reports/dashboard/client.ts';

const BIN = new URL('../../../bin/tokenwatch.js', import.meta.url).pathname;
const H = 3_600_000;

let server: PostgresServer;
let database: { url: string; drop(): Promise<void> };
let sqlite: TestCollector;
let postgres: TestCollector;
/** The instant between the fleet's first and second hour (for --as-of). */
let firstHour: Date;
/**
 * What differs by nature between the two databases (SQLite's, PostgreSQL's), with its placeholder: the new
 * exemption's id and the instants the exemption and the retirement were written at (each run's own clock).
 */
const differs: Map<string, string>[] = [new Map(), new Map()];

/** A command's output from backend `i` (0 SQLite, 1 PostgreSQL) with what differs by nature replaced. */
function same(text: string, i: number): string {
  let out = text;
  for (const [value, placeholder] of differs[i] ?? []) out = out.replaceAll(value, placeholder);
  return out;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** tokenwatch ARGS as a process (asynchronous: the collectors in this process keep answering). */
function tokenwatch(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The same command on the SQLite file and on the PostgreSQL database; both must succeed. */
async function onBoth(args: string[], env: Record<string, string> = {}): Promise<[Run, Run]> {
  const [a, b] = await Promise.all([
    tokenwatch([...args, '--db', sqlite.dbPath], env),
    tokenwatch([...args, '--database-url', database.url], env),
  ]);
  assert.equal(a.code, 0, `${args.join(' ')} --db: ${a.stderr}`);
  assert.equal(b.code, 0, `${args.join(' ')} --database-url: ${b.stderr}`);
  return [a, b];
}

/** Both collectors at the same instant. */
function setClocks(at: Date) {
  sqlite.clock.set(at);
  postgres.clock.set(at);
}

/** One request to both collectors; both must answer `status`, the same. */
async function toBoth(
  send: (c: TestCollector, i: number) => Promise<{ status: number; json: Json }>,
  status = 200,
): Promise<Json[]> {
  const answers = [await send(sqlite, 0), await send(postgres, 1)];
  const said = answers.map((a) => JSON.stringify(a.json)).join(' / ');
  assert.equal(answers[0]?.status, answers[1]?.status, said);
  assert.equal(answers[0]?.status, status, said);
  return answers.map((a) => a.json);
}

before(async () => {
  server = await startPostgres();
  database = await server.createDatabase();
  sqlite = await startTestCollector({}, { jobs: false });
  postgres = await startTestCollector({ databaseUrl: database.url }, { jobs: false });
  // The fleet's history runs over the three hours before now (the commands read at the system's clock).
  const start = new Date(systemClock.now().getTime() - 3 * H);
  setClocks(start);
  const macs = Array.from({ length: 7 }, (_, i) => ({
    serial: `C02PGCMP${String(i).padStart(4, '0')}`,
    hardwareUuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
  const tokens: string[][] = [];
  for (const m of macs)
    tokens.push(
      (await toBoth((c) => c.enroll(m.serial, m.hardwareUuid))).map((j) => j.deviceToken as string),
    );
  const upload = async (i: number, patch: Parameters<typeof snapshotFor>[2] = () => {}) => {
    const m = macs[i] as (typeof macs)[number];
    const s = snapshotFor(m.serial, m.hardwareUuid, patch);
    await toBoth((c, k) => c.upload((tokens[i] as string[])[k] as string, s));
  };
  const fileVaultOff = (s: Json) => ((s.fileVault as { state: string }).state = 'off');
  // Mac 0 compliant; 1 FileVault off; 2 FileVault off, fixed an hour later; 3 and 4 compliant (4 retired
  // below); 5 exempted from FileVault; 6 enrolled and never uploaded.
  for (const i of [0, 3, 4]) await upload(i);
  for (const i of [1, 2, 5]) await upload(i, fileVaultOff);
  firstHour = new Date(start.getTime() + 30 * 60_000);
  setClocks(new Date(start.getTime() + H));
  await upload(2);
  // A claim of Mac 0's serial from another board: an open identity conflict on both.
  setClocks(new Date(start.getTime() + 2 * H));
  await toBoth((c) => c.enroll(macs[0]?.serial as string, '00000000-0000-4000-8000-00000000ffff'), 409);
  // Written through the commands, on each database.
  const exempt = [
    'exempt',
    'add',
    '--serial',
    'C02PGCMP0005',
    '--rule',
    'filevault-off',
    '--reason',
    'loaner awaiting wipe',
    '--by',
    'ana',
  ];
  const [addedA, addedB] = await onBoth(exempt);
  // Each database's exemption: its id and creation instant (the run's clock) differ by nature.
  const [listed, listedPg] = await onBoth(['exempt', 'list']);
  [listed, listedPg].forEach((r, i) => differs[i]?.set(r.stdout.split(' ')[0] ?? '', 'EXEMPTION'));
  assert.equal(same(listedPg.stdout, 1), same(listed.stdout, 0), 'exempt list: the same line');
  assert.equal(listed.stdout.trim().split('\n').length, 1);
  // Its creation instant (each run's clock), as the admin API gives it and as the pages show it.
  for (const [i, c] of [sqlite, postgres].entries()) {
    const [e] = (await c.admin('/api/v1/exemptions')).json as Json[];
    const at = e.createdAt as string;
    differs[i]?.set(at, 'CREATED').set(`${at.slice(0, 10)} ${at.slice(11, 16)} UTC`, 'CREATED-SHOWN');
  }
  assert.equal(same(addedB.stdout, 1), same(addedA.stdout, 0), 'exempt add: the same answer');
  const [retiredA, retiredB] = await onBoth([
    'devices',
    'retire',
    'C02PGCMP0004',
    '--reason',
    'sold',
    '--by',
    'ana',
  ]);
  assert.equal(retiredA.stdout, retiredB.stdout);
  const [shown, shownPg] = await onBoth(['devices', 'show', 'C02PGCMP0004', '--json']);
  [shown, shownPg].forEach((r, i) => {
    const retired = (JSON.parse(r.stdout) as Json).retired as { at: string };
    differs[i]?.set(retired.at, 'RETIRED');
  });
});

after(async () => {
  await sqlite?.stop();
  await postgres?.stop();
  await database?.drop();
  await server?.stop();
});

/**
 * A report's JSON without what differs by nature: the database's name, and the instant of the run (when
 * it was generated, which the summary and the trend's last point carry too).
 */
function reportJson(text: string, i: number): Json {
  const generatedAt = (JSON.parse(text) as Json).generatedAt as string;
  assert.equal(typeof generatedAt, 'string');
  const r = JSON.parse(same(text, i).replaceAll(generatedAt, 'NOW')) as Json;
  assert.equal(typeof r.source, 'string');
  delete r.source;
  return r;
}

test('devices list and show print the same from both, in text and JSON, after devices retire and exempt add wrote to both', async () => {
  for (const args of [
    ['devices', 'list'],
    ['devices', 'list', '--retired', 'include'],
    ['devices', 'list', '--retired', 'only'],
    ['devices', 'list', '--status', 'noncompliant'],
  ]) {
    const [text, textPg] = await onBoth(args);
    assert.equal(same(textPg.stdout, 1), same(text.stdout, 0), args.join(' '));
    const [json, jsonPg] = await onBoth([...args, '--json']);
    assert.deepEqual(
      JSON.parse(same(jsonPg.stdout, 1)),
      JSON.parse(same(json.stdout, 0)),
      `${args.join(' ')} --json`,
    );
  }
  const [list] = await onBoth(['devices', 'list', '--json']);
  const serials = (JSON.parse(list.stdout) as Json[]).map((d) => d.serial as string);
  assert.deepEqual(
    serials,
    ['C02PGCMP0000', 'C02PGCMP0001', 'C02PGCMP0002', 'C02PGCMP0003', 'C02PGCMP0005', 'C02PGCMP0006'],
    'the retired Mac is out of the list',
  );
  for (const serial of ['C02PGCMP0000', 'C02PGCMP0004', 'C02PGCMP0005']) {
    const [show, showPg] = await onBoth(['devices', 'show', serial]);
    assert.equal(same(showPg.stdout, 1), same(show.stdout, 0), serial);
    const [json, jsonPg] = await onBoth(['devices', 'show', serial, '--json']);
    assert.deepEqual(
      JSON.parse(same(jsonPg.stdout, 1)),
      JSON.parse(same(json.stdout, 0)),
      `${serial} --json`,
    );
  }
});

test('tokenwatch report --database-url (or TOKENWATCH_DATABASE_URL) gives the report --db gives, in JSON and CSV, now and as of a past instant', async () => {
  for (const args of [
    ['report', '--format', 'json'],
    ['report', '--format', 'json', '--status', 'noncompliant', '--group-by', 'rule'],
    ['report', '--format', 'json', '--as-of', firstHour.toISOString()],
  ]) {
    const [db, pgRun] = await onBoth(args);
    assert.deepEqual(reportJson(pgRun.stdout, 1), reportJson(db.stdout, 0), args.join(' '));
  }
  const [csv, csvPg] = await onBoth(['report', '--format', 'csv']);
  assert.equal(same(csvPg.stdout, 1), same(csv.stdout, 0));
  assert.equal(csv.stdout.trim().split('\n').length, 1 + 6, 'a header and the six Macs in the fleet');

  const now = reportJson((await onBoth(['report', '--format', 'json']))[1].stdout, 1);
  assert.equal(now.summary.devices, 6, 'the retired Mac is out of the summary');
  const past = reportJson(
    (await onBoth(['report', '--format', 'json', '--as-of', firstHour.toISOString()]))[1].stdout,
    1,
  );
  assert.notDeepEqual(past.summary, now.summary, 'as of the first hour, Mac 2 still had FileVault off');

  const fromEnv = await tokenwatch(['report', '--format', 'json'], {
    TOKENWATCH_DATABASE_URL: database.url,
  });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.deepEqual(reportJson(fromEnv.stdout, 1), now);
  assert.equal((JSON.parse(fromEnv.stdout) as Json).source, database.url, 'the URL names the source');
});

test('conflicts list, alerts list and prune answer the same on both', async () => {
  for (const args of [
    ['conflicts', 'list'],
    ['conflicts', 'list', '--all', '--json'],
  ]) {
    const [a, b] = await onBoth(args);
    assert.equal(same(b.stdout, 1), same(a.stdout, 0), args.join(' '));
  }
  const [conflicts] = await onBoth(['conflicts', 'list', '--json']);
  assert.equal((JSON.parse(conflicts.stdout) as Json[]).length, 1, 'the claim of Mac 0 is open');

  // A webhook channel configured (none delivered yet): the channel and its counts from each database.
  const webhook = {
    TOKENWATCH_WEBHOOK_URL: 'https://hooks.example/tokenwatch',
    TOKENWATCH_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  };
  const [alerts, alertsPg] = await onBoth(['alerts', 'list', '--json'], webhook);
  assert.deepEqual(JSON.parse(alertsPg.stdout), JSON.parse(alerts.stdout));
  assert.equal((JSON.parse(alerts.stdout) as Json[]).length, 1);

  const [pruned, prunedPg] = await onBoth(['prune']);
  assert.equal(prunedPg.stdout, pruned.stdout);
  assert.match(pruned.stdout, /^pruned \d+ history entries, \d+ receipts, \d+ audit entries\n$/);
});

test('the report opens PostgreSQL read-only: a write is refused by the server, an empty database is not migrated, an unreachable one is one line', async () => {
  const store = await openReadOnlyStore({
    db: '',
    databaseUrl: database.url,
    databasePoolSize: 2,
    databaseStatementTimeoutSeconds: 10,
  });
  try {
    const d = await store.devices.bySerial('C02PGCMP0000');
    assert.ok(d, 'it reads');
    await assert.rejects(
      store.devices.revoke(d.id, Date.now()),
      (e: Error & { code?: string }) => e.code === '25006',
      'cannot execute UPDATE in a read-only transaction',
    );
  } finally {
    await store.close();
  }
  const after = await tokenwatch([
    'devices',
    'show',
    'C02PGCMP0000',
    '--json',
    '--database-url',
    database.url,
  ]);
  assert.equal((JSON.parse(after.stdout) as Json).revokedAt, null, 'the device was not revoked');

  const empty = await server.createDatabase();
  try {
    const r = await tokenwatch(['report', '--database-url', empty.url]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `tokenwatch: cannot read ${empty.url}: the database holds no tokenwatch schema (is it the collector's database? tokenwatch serve creates it)\n`,
    );
    const client = new pg.Client({ connectionString: empty.url });
    await client.connect();
    try {
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      assert.deepEqual(tables.rows, [], 'nothing was created: no migration ran');
    } finally {
      await client.end();
    }
  } finally {
    await empty.drop();
  }
  const gone = await tokenwatch([
    'report',
    '--database-url',
    `postgres://tokenwatch:secret@127.0.0.1:${server.port}/no_such_database`,
  ]);
  assert.equal(gone.code, 1);
  assert.match(
    gone.stderr,
    /^tokenwatch: cannot read postgres:\/\/tokenwatch:\*\*\*@127\.0\.0\.1:\d+\/no_such_database: .+\n$/,
  );
  assert.doesNotMatch(gone.stderr, /secret/);
});

test('tokenwatch backup on PostgreSQL refuses in one line naming pg_dump', async () => {
  const r = await tokenwatch(['backup', '--out', '/tmp/never.db'], { TOKENWATCH_DATABASE_URL: database.url });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n')[0], `tokenwatch backup: ${PG_REFUSAL}`);
});

test('the dashboard (signed in) and /api/v1/summary served from PostgreSQL show what the same uploads show on SQLite', async () => {
  const pages = async (c: TestCollector, i: number) => {
    const v = new Visitor(c.url);
    assert.equal((await v.signIn()).status, 303);
    assert.ok(v.cookie, 'signed in');
    const out: Record<string, string> = {};
    for (const path of ['/', '/devices', '/devices?status=noncompliant', '/devices/C02PGCMP0005']) {
      const a = await v.get(path);
      assert.equal(a.status, 200, `${path}: ${a.text.slice(0, 200)}`);
      out[path] = same(a.text, i);
    }
    const summary = await c.admin('/api/v1/summary');
    assert.equal(summary.status, 200, summary.text);
    out['/api/v1/summary'] = same(summary.text, i);
    return out;
  };
  const [onSqlite, onPostgres] = [await pages(sqlite, 0), await pages(postgres, 1)];
  for (const path of Object.keys(onSqlite))
    assert.equal(onPostgres[path], onSqlite[path], `${path} is the same page from both databases`);
  const summary = JSON.parse(onPostgres['/api/v1/summary'] as string) as Json;
  assert.equal(summary.devices, 6, 'the retired Mac is in no count');
  assert.deepEqual(summary.byStatus, { compliant: 3, noncompliant: 1, unknown: 2 });
  const fileVault = (summary.byRule as Json[]).find((r) => r.rule === 'filevault-off');
  assert.deepEqual(
    { devices: fileVault.devices, active: fileVault.active, exempted: fileVault.exempted },
    { devices: 2, active: 1, exempted: 1 },
  );
  assert.match(onPostgres['/'] as string, /C02PGCMP|noncompliant/);
});
