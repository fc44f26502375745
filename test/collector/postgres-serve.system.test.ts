// The collector on PostgreSQL (databaseUrl), over real HTTP: the same enrollment, upload and admin reads as
// on SQLite, /healthz naming the database, and /readyz answering 503 while the database is migrating
// (another collector holds the migration lock) or gone, 200 once it takes work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Writable } from 'node:stream';
import { newIdentity, startTestCollector, snapshotFor, T0 } from '../helpers/collector.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { PostgresServer } from '../helpers/postgres.ts';
import { buildApp } from '../../collector/app.ts';
import { loadConfig } from '../../collector/config.ts';
import { fixedClock } from '../../collector/clock.ts';
import { createLogger } from '../../collector/log.ts';
import { openPostgresStore } from '../../collector/store/postgres/index.ts';
import { MIGRATION_LOCK } from '../../collector/store/postgres/migrate.ts';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

test('tokenwatch on PostgreSQL: enroll, upload, read back; /healthz names the database, /readyz is 200', async () => {
  const db = await server.createDatabase();
  const c = await startTestCollector({ databaseUrl: db.url });
  try {
    const mac = await c.device();
    const s = snapshotFor(mac.serial, mac.hardwareUuid);
    const up = await c.upload(mac.token, s);
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.changed, true);
    const again = await c.upload(mac.token, s);
    assert.equal(again.json.receivedAt, up.json.receivedAt, 'a retry is answered from its receipt');
    const page = await c.admin(`/api/v1/devices/${mac.serial}`);
    assert.equal(page.status, 200);
    assert.equal(page.json.status, 'compliant');
    const health = await c.request('GET', '/healthz');
    assert.deepEqual(health.json, {
      status: 'ok',
      devices: 1,
      database: { backend: 'postgresql', state: 'ready', detail: null },
    });
    assert.equal((await c.request('GET', '/readyz')).status, 200);
    assert.equal(c.dbPath.endsWith('collector.db'), true);
    const listening = c.logs.find((l) => l['msg'] === 'collector listening');
    assert.equal(listening?.['db'], db.url, 'the URL (no password in it here) names the database');
  } finally {
    await c.stop();
    await db.drop();
  }
});

test('a burst of enrollments and first uploads on two collectors sharing one database: every one answered 200', async () => {
  // Units racing on the same few index pages of small tables conflict under SERIALIZABLE: they must take
  // turns (run again), not end as 503s.
  const db = await server.createDatabase();
  const collectors = [
    await startTestCollector({ databaseUrl: db.url }),
    await startTestCollector({ databaseUrl: db.url }),
  ];
  try {
    const macs = Array.from({ length: 64 }, () => newIdentity());
    const enrolled = await Promise.all(
      macs.map((m, i) => (collectors[i % 2] as (typeof collectors)[number]).enroll(m.serial, m.hardwareUuid)),
    );
    assert.deepEqual(
      enrolled.map((r) => r.status),
      macs.map(() => 200),
    );
    const uploads = await Promise.all(
      macs.map((m, i) =>
        (collectors[(i + 1) % 2] as (typeof collectors)[number]).upload(
          (enrolled[i] as { json: { deviceToken: string } }).json.deviceToken,
          snapshotFor(m.serial, m.hardwareUuid),
        ),
      ),
    );
    assert.deepEqual(
      uploads.map((r) => r.status),
      macs.map(() => 200),
    );
    const summary = await (collectors[0] as (typeof collectors)[number]).admin('/api/v1/summary');
    assert.equal(summary.status, 200);
    const audit = await (collectors[1] as (typeof collectors)[number]).admin('/api/v1/enrollments?limit=100');
    assert.equal(audit.json.enrollments.length, 64, 'one issued event per Mac');
  } finally {
    for (const c of collectors) await c.stop();
    await db.drop();
  }
});

test('/readyz is 503 while another collector migrates the database and when the database is gone', async () => {
  const db = await server.createDatabase();
  const holder = new pg.Client(db.url);
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  const { config } = loadConfig({
    env: {},
    flags: {
      databaseUrl: db.url,
      adminToken: 'a'.repeat(8) + 'bcdefghijklmnopqrstuvwxyz0123456789',
      enrollSecret: 'e',
    },
  });
  const store = openPostgresStore(db.url);
  const app = await buildApp({
    store: store,
    config,
    clock: fixedClock(T0),
    logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })),
  });
  try {
    const migrating = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(migrating.statusCode, 503);
    assert.equal(migrating.json().ready, false);
    assert.equal(migrating.json().database.state, 'migrating');
    const live = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(live.statusCode, 200, 'alive while not ready');
    assert.deepEqual([live.json().status, live.json().devices], ['degraded', null]);

    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    await store.migrated;
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), {
      ready: true,
      database: { backend: 'postgresql', state: 'ready', detail: null },
    });

    await holder.end();
    await db.drop(); // the database goes away under the running collector
    const gone = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(gone.statusCode, 503);
    assert.equal(gone.json().database.state, 'unreachable');
    assert.match(gone.json().database.detail, /does not exist|terminat/);
    // A request that needs the database is answered 503 with Retry-After, and the server stays up.
    const read = await app.inject({
      method: 'GET',
      url: '/api/v1/summary',
      headers: { authorization: `Bearer ${config.adminToken}` },
    });
    assert.equal(read.statusCode, 503, read.body);
    assert.ok(read.headers['retry-after']);
  } finally {
    await app.close();
    await store.close();
    await db.drop();
  }
});
