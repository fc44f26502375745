// A device token that stops working through one process on a PostgreSQL database stops working on every
// collector of that database at once, though they had it in their auth cache: the revoking unit notifies
// tokenwatch_auth, each collector listens and forgets the device's cached token. A collector that loses its
// listening connection forgets every cached token (what was revoked meanwhile is unknown) and listens again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { snapshotFor, startTestCollector } from '../helpers/collector.ts';
import type { TestCollector } from '../helpers/collector.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { PostgresServer } from '../helpers/postgres.ts';
import { openPostgresStore } from '../../collector/store/postgres/index.ts';
import { LISTENER_NAME } from '../../collector/store/postgres/revocations.ts';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

type Mac = Awaited<ReturnType<TestCollector['device']>>;

const upload = (c: TestCollector, m: { serial: string; hardwareUuid: string }, token: string) =>
  c.upload(token, snapshotFor(m.serial, m.hardwareUuid)).then((r) => r.status);

/** Upload through `c` until it answers 401, for `withinMs` at most: the milliseconds it took, or null. */
async function refusedWithin(c: TestCollector, m: Mac, token: string, withinMs: number) {
  const t0 = performance.now();
  while (performance.now() - t0 < withinMs) {
    if ((await upload(c, m, token)) === 401) return performance.now() - t0;
    await sleep(10);
  }
  return null;
}

async function logged(c: TestCollector, msg: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!c.logs.some((l) => msg.test(String(l['msg'])))) {
    if (Date.now() > deadline) throw new Error(`no log line ${String(msg)}`);
    await sleep(20);
  }
}

test('a token revoked, replaced or retired through collector A is refused by collector B within a second, though B had it cached', async (t) => {
  const db = await server.createDatabase();
  const a = await startTestCollector({ databaseUrl: db.url }, { jobs: false });
  const b = await startTestCollector({ databaseUrl: db.url }, { jobs: false });
  try {
    await logged(a, /^collector listening$/);
    // Revoked by an admin through A.
    const revoked = await a.device();
    assert.equal(await upload(b, revoked, revoked.token), 200);
    assert.equal(await upload(b, revoked, revoked.token), 200, 'B answers from its cache now');
    const r = await a.admin(`/api/v1/devices/${revoked.serial}/revoke`, 'POST');
    assert.equal(r.status, 200, r.text);
    const revokedMs = await refusedWithin(b, revoked, revoked.token, 1_000);
    assert.notEqual(revokedMs, null, 'B refuses the revoked token within a second');

    // Replaced: the Mac rotates its token through A; the old one stops working on B.
    const rotated = await a.device();
    assert.equal(await upload(b, rotated, rotated.token), 200);
    const again = await a.enroll(rotated.serial, rotated.hardwareUuid, rotated.token);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const replacedMs = await refusedWithin(b, rotated, rotated.token, 1_000);
    assert.notEqual(replacedMs, null, 'B refuses the replaced token within a second');
    assert.equal(await upload(b, rotated, again.json.deviceToken as string), 200, 'the new token works on B');

    // Retired through A: the Mac left the fleet; its token stops working on B.
    const retired = await a.device();
    assert.equal(await upload(b, retired, retired.token), 200);
    const gone = await a.admin(`/api/v1/devices/${retired.serial}/retire`, 'POST', {
      reason: 'returned to the vendor',
    });
    assert.equal(gone.status, 200, gone.text);
    const retiredMs = await refusedWithin(b, retired, retired.token, 1_000);
    assert.notEqual(retiredMs, null, 'B refuses the retired device within a second');

    t.diagnostic(
      `B refused the revoked token ${Math.round(revokedMs as number)} ms after A answered the revoke, the replaced one after ${Math.round(replacedMs as number)} ms, the retired one's after ${Math.round(retiredMs as number)} ms (auth cache ${b.config.authCacheSeconds} s)`,
    );
  } finally {
    await a.stop();
    await b.stop();
    await db.drop();
  }
});

test('a collector that loses its listening connection forgets every cached token, listens again, and hears the next revocation', async () => {
  const db = await server.createDatabase();
  const c = await startTestCollector({ databaseUrl: db.url }, { jobs: false });
  const sql = new pg.Client({ connectionString: db.url });
  const cli = openPostgresStore(db.url); // as `tokenwatch devices revoke --database-url` opens it
  try {
    await sql.connect();
    const first = await c.device();
    const second = await c.device();
    assert.equal(await upload(c, first, first.token), 200);
    assert.equal(await upload(c, second, second.token), 200);
    // Revoked behind the store's back (no notification): the cache still answers for it.
    await sql.query(`UPDATE devices SET token_hash = NULL WHERE serial = $1`, [first.serial]);
    assert.equal(await upload(c, first, first.token), 200, 'cached, and no notification came');

    const listeners = await sql.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2`,
      [LISTENER_NAME, db.name],
    );
    assert.equal(listeners.rows.length, 1, 'the collector listens on one connection of its own');
    await sql.query(`SELECT pg_terminate_backend($1)`, [listeners.rows[0]?.pid]);
    await logged(c, /revocation notifications lost/);
    assert.equal(await upload(c, first, first.token), 401, 'the cache was forgotten with the connection');

    await logged(c, /revocation notifications are back/);
    assert.equal(await upload(c, second, second.token), 200, 'cached again');
    const row = await cli.devices.bySerial(second.serial);
    await cli.devices.revoke(row?.id as number, Date.now());
    assert.notEqual(await refusedWithin(c, second, second.token, 1_000), null, 'heard after reconnecting');
  } finally {
    await sql.end();
    await cli.close();
    await c.stop();
    await db.drop();
  }
});
