// `tokenwatch migrate-to-postgres` as a real process: a fleet built on SQLite over several months (enrollments,
// changes, an exemption, a retired device, an identity conflict, incidents) is copied, while its collector
// still has the file open, into an empty PostgreSQL database; a collector on the copy answers the admin API
// exactly as the SQLite collector did (summary now and as of a past date, device lists, each device's page
// with its history, incidents, exemptions, the enrollment audit, conflicts, the trend), the agents' tokens
// still authenticate, new ids continue after the copied ones, and every history row sits in its month's
// partition. Then what the command refuses: a target that is not empty, one of another schema version.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { newIdentity, snapshotFor, startTestCollector } from '../helpers/collector.ts';
import type { Json, TestCollector } from '../helpers/collector.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { PostgresServer } from '../helpers/postgres.ts';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;
const DAY = 86_400_000;

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

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

async function count(url: string, table: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
  } finally {
    await c.end();
  }
}

interface Mac {
  serial: string;
  hardwareUuid: string;
  token: string;
}

/** Everything the admin API says about the fleet, as of the collector's clock. */
async function answers(c: TestCollector, macs: Mac[], past: Date[]): Promise<Record<string, Json>> {
  const get = async (path: string) => {
    const r = await c.admin(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json as Json;
  };
  const out: Record<string, Json> = {
    summary: await get('/api/v1/summary'),
    devices: await get('/api/v1/devices?limit=1000'),
    retired: await get('/api/v1/devices?retired=only&limit=1000'),
    noncompliant: await get('/api/v1/devices?status=noncompliant&limit=1000'),
    incidents: await get('/api/v1/alerts/incidents?limit=1000'),
    exemptions: await get('/api/v1/exemptions'),
    enrollments: await get('/api/v1/enrollments?limit=1000'),
    conflicts: await get('/api/v1/identity-conflicts'),
    trend: await get('/api/v1/trend'),
  };
  for (const at of past) {
    out[`summary@${at.toISOString()}`] = await get(`/api/v1/summary?asOf=${at.toISOString()}`);
    out[`devices@${at.toISOString()}`] = await get(`/api/v1/devices?limit=1000&asOf=${at.toISOString()}`);
  }
  for (const m of macs) out[`device ${m.serial}`] = await get(`/api/v1/devices/${m.serial}`);
  return out;
}

test('migrate-to-postgres copies a SQLite fleet of several months: the PostgreSQL collector answers the same, tokens still work', async () => {
  const sqlite = await startTestCollector({}, { jobs: false });
  const db = await server.createDatabase();
  let postgres: TestCollector | undefined;
  try {
    const macs: Mac[] = [];
    for (let i = 0; i < 6; i++) macs.push(await sqlite.device());
    const [a, b, c, d, e, f] = macs as [Mac, Mac, Mac, Mac, Mac, Mac];
    const up = async (m: Mac, patch?: Parameters<typeof snapshotFor>[2]) => {
      const r = await sqlite.upload(m.token, snapshotFor(m.serial, m.hardwareUuid, patch));
      assert.equal(r.status, 200, r.text);
    };
    // Month 1 (March): everyone compliant; C loses its escrow (an incident opens).
    for (const m of macs) await up(m);
    sqlite.clock.advance(3 * DAY);
    await up(c, (s) => (s.bootstrapToken.escrowed = false));
    const march = new Date(sqlite.clock.now().getTime() + DAY);
    // Month 2 (April): D turns FileVault off and gets an exemption; E is retired; B is fixed and broken again.
    sqlite.clock.advance(35 * DAY);
    await up(d, (s) => (s.bootstrapToken.escrowed = false));
    const exempt = await sqlite.admin('/api/v1/exemptions', 'POST', {
      serial: d.serial,
      rule: 'bootstrap-not-escrowed',
      reason: 'loaner being reimaged',
      createdBy: 'jane',
      expires: '90d',
    });
    assert.equal(exempt.status, 201, exempt.text);
    const retired = await sqlite.admin(`/api/v1/devices/${e.serial}/retire`, 'POST', {
      by: 'jane',
      reason: 'sold',
    });
    assert.equal(retired.status, 200, retired.text);
    await up(b, (s) => (s.bootstrapToken.escrowed = false));
    const april = new Date(sqlite.clock.now().getTime() + DAY);
    // Month 3 (May): B is fixed (its incident resolves), C uploads again, F stops reporting; a second Mac
    // claims A's serial with another hardware UUID (an identity conflict).
    sqlite.clock.advance(33 * DAY);
    await up(b);
    await up(c, (s) => (s.bootstrapToken.escrowed = false));
    await up(a);
    const claim = await sqlite.enroll(a.serial, newIdentity().hardwareUuid);
    assert.equal(claim.status, 409, JSON.stringify(claim.json));
    sqlite.clock.advance(2 * DAY);

    const before = await answers(sqlite, macs, [march, april]);
    assert.equal(before['incidents'].incidents.length >= 3, true, 'incidents were opened');
    assert.equal(before['retired'].devices.length, 1);
    assert.equal(before['conflicts'].length ?? before['conflicts'].conflicts.length, 1);

    // Copied while the SQLite collector still has its file open (nothing writes meanwhile).
    const copied = await tokenwatch(['migrate-to-postgres', '--db', sqlite.dbPath, '--database-url', db.url]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /^devices: 6 rows$/m);
    assert.match(copied.stdout, /^exemptions: 1 rows$/m);
    assert.match(copied.stdout, /^identity_conflicts: 1 rows$/m);
    assert.match(
      copied.stdout,
      /^copied .* \(schema version \d+\) into postgres:\/\/.*: [\d,]+ rows in 18 tables, \d+ history partitions, [\d.]+ s$/m,
    );
    const now = sqlite.clock.now();
    await sqlite.stop();

    const direct = new pg.Client(db.url);
    await direct.connect();
    try {
      const parts = (
        await direct.query<{ name: string; n: string }>(
          `SELECT c.relname AS name, (SELECT count(*) FROM snapshot_history h WHERE h.tableoid = c.oid) AS n
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'snapshot_history'::regclass ORDER BY 1`,
        )
      ).rows;
      const byName = Object.fromEntries(parts.map((p) => [p.name, Number(p.n)]));
      assert.equal(byName['snapshot_history_default'], 0, 'no history row in the default partition');
      for (const month of ['y2026m03', 'y2026m04', 'y2026m05'])
        assert.ok(
          (byName[`snapshot_history_${month}`] ?? 0) > 0,
          `rows in ${month}: ${JSON.stringify(byName)}`,
        );
    } finally {
      await direct.end();
    }

    postgres = await startTestCollector({ databaseUrl: db.url }, { jobs: false });
    postgres.clock.set(now);
    const afterCopy = await answers(postgres, macs, [march, april]);
    for (const key of Object.keys(before)) assert.deepEqual(afterCopy[key], before[key], key);

    // The agents' tokens authenticate on the PostgreSQL collector, and their uploads are taken.
    postgres.clock.advance(DAY);
    const next = await postgres.upload(f.token, snapshotFor(f.serial, f.hardwareUuid));
    assert.equal(next.status, 200, next.text);
    assert.equal(next.json.changed, false, "F's snapshot is its current one");
    const fixed = await postgres.upload(c.token, snapshotFor(c.serial, c.hardwareUuid));
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal((await postgres.admin(`/api/v1/devices/${c.serial}`)).json.status, 'compliant');
    // New rows take ids after the copied ones (identities moved on): an enrollment and an alert event.
    const newcomer = await postgres.device();
    assert.ok(newcomer.token);
    const incidents = (await postgres.admin(`/api/v1/alerts/incidents?serial=${c.serial}`)).json;
    assert.equal(incidents.incidents[0].state, 'resolved');
  } finally {
    await postgres?.stop();
    await db.drop();
  }
});

test('migrate-to-postgres refuses, in one line and writing nothing, a target that is not empty or of another schema version; an unreachable one is exit 1', async () => {
  const sqlite = await startTestCollector({}, { jobs: false });
  const db = await server.createDatabase();
  const other = await server.createDatabase();
  try {
    const m = await sqlite.device();
    assert.equal((await sqlite.upload(m.token, snapshotFor(m.serial, m.hardwareUuid))).status, 200);
    await sqlite.stop();
    // sqlite.stop() removed its directory: copy from a file that is gone, then from a fresh fleet.
    const gone = await tokenwatch(['migrate-to-postgres', '--db', sqlite.dbPath, '--database-url', db.url]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /^tokenwatch migrate-to-postgres: .*collector\.db does not exist/);

    const fleet = await startTestCollector({}, { jobs: false });
    try {
      const mac = await fleet.device();
      assert.equal((await fleet.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid))).status, 200);
      const first = await tokenwatch(['migrate-to-postgres', '--db', fleet.dbPath, '--database-url', db.url]);
      assert.equal(first.code, 0, first.stderr);
      const again = await tokenwatch(['migrate-to-postgres', '--db', fleet.dbPath, '--database-url', db.url]);
      assert.equal(again.code, 2);
      assert.equal(again.stderr.split('\n').filter((l) => l !== '').length, 1, `one line: ${again.stderr}`);
      assert.match(
        again.stderr,
        /is not empty \(devices, snapshot_receipts, snapshot_history, .*have rows\)/,
      );
      assert.equal(await count(db.url, 'devices'), 1, 'the first copy stays as it was');

      // A server that does not answer: exit 1 (try again), the password not printed.
      const down = await tokenwatch([
        'migrate-to-postgres',
        '--db',
        fleet.dbPath,
        '--database-url',
        'postgres://tokenwatch:s3cret-pass@127.0.0.1:1/tokenwatch',
      ]);
      assert.equal(down.code, 1, down.stderr);
      assert.match(
        down.stderr,
        /^tokenwatch migrate-to-postgres: cannot connect to postgres:\/\/tokenwatch:\*\*\*@127\.0\.0\.1:1\/tokenwatch: /,
      );
      assert.ok(!down.stderr.includes('s3cret-pass'));

      // Another schema version: a database a newer tokenwatch migrated.
      await startTestCollector({ databaseUrl: other.url }, { jobs: false }).then((x) => x.stop());
      const c = new pg.Client(other.url);
      await c.connect();
      await c.query(`INSERT INTO tokenwatch_schema (version, name) VALUES (99, '099_future.sql')`);
      await c.end();
      const newer = await tokenwatch([
        'migrate-to-postgres',
        '--db',
        fleet.dbPath,
        '--database-url',
        other.url,
      ]);
      assert.equal(newer.code, 2);
      assert.match(newer.stderr, /is schema version 99, the file \d+: copy into an empty database/);
      assert.equal(await count(other.url, 'devices'), 0, 'nothing was written');
    } finally {
      await fleet.stop();
    }
  } finally {
    await db.drop();
    await other.drop();
  }
});
