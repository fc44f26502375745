// Several collectors on one PostgreSQL database, each its own store (its own pool), as two processes
// would be: the migration race, per-device order under concurrent uploads, idempotent retries answered the
// same by any collector, the monthly history partitions under retention, alert delivery claims and job
// leases taken by several collectors at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore } from '../../../../collector/store/postgres/index.ts';
import type { PostgresStore } from '../../../../collector/store/postgres/index.ts';
import { migrate, migrations } from '../../../../collector/store/postgres/migrate.ts';
import { ingestSnapshot } from '../../../../collector/services/ingest.ts';
import type { SnapshotIngested } from '../../../../collector/services/ingest.ts';
import { snapshotFor, T0 } from '../../../helpers/collector.ts';
import { startPostgres } from '../../../helpers/postgres.ts';
import type { PostgresServer } from '../../../helpers/postgres.ts';
import { current, enroll } from '../conformance/backend.ts';
import { seededRandom } from '../../../helpers/seeded-random.ts';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

const RULES = { staleAfterSeconds: 7 * 86400, graceSeconds: {} };

async function withStores<T>(
  n: number,
  fn: (stores: PostgresStore[], url: string) => Promise<T>,
): Promise<T> {
  const db = await server.createDatabase();
  const stores = Array.from({ length: n }, () => openPostgresStore(db.url, { poolSize: 6 }));
  try {
    await Promise.all(stores.map((s) => s.migrated));
    return await fn(stores, db.url);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  }
}

describe('postgresql migrations', () => {
  test('two migrators starting at once on a fresh database: the schema is migrated once', async () => {
    const db = await server.createDatabase();
    const clients = [new pg.Client(db.url), new pg.Client(db.url)];
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      const versions = migrations().map((m) => m.version);
      assert.deepEqual(
        applied.map((a) => a.length).sort(),
        [0, versions.length],
        'one applied every migration, the other none',
      );
      const [c0] = clients;
      const schema = await (c0 as pg.Client).query<{ version: number }>(
        'SELECT version FROM tokenwatch_schema ORDER BY version',
      );
      assert.deepEqual(
        schema.rows.map((r) => r.version),
        versions,
      );
      // A third start finds nothing to do.
      assert.deepEqual(await migrate(c0 as pg.Client), []);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await db.drop();
    }
  });

  test('three stores opened at once on one database all come up ready', async () => {
    await withStores(3, async (stores) => {
      for (const s of stores) assert.equal((await s.health()).state, 'ready');
      await enroll(stores[0] as PostgresStore, 1);
      assert.equal(await (stores[2] as PostgresStore).fleet.deviceCount(), 1);
    });
  });

  test('a database newer than this collector is refused, and the store says why', async () => {
    await withStores(1, async ([first], url) => {
      await (first as PostgresStore).close();
      const c = new pg.Client(url);
      await c.connect();
      await c.query(`INSERT INTO tokenwatch_schema (version, name) VALUES (999, '999_future.sql')`);
      await c.end();
      const store = openPostgresStore(url);
      await assert.rejects(store.migrated, /version 999, newer than this collector knows/);
      const h = await store.health();
      assert.equal(h.state, 'failed');
      assert.match(h.detail ?? '', /999/);
      await store.close();
    });
  });
});

describe('postgresql ingest from two collectors', () => {
  test('uploads of one device racing on two collectors: the newest collectedAt is current, every state in history', async () => {
    await withStores(2, async (stores) => {
      const device = await enroll(stores[0] as PostgresStore, 1);
      const who = { id: device.id, serial: device.serial, hardwareUuid: device.hardwareUuid };
      const random = seededRandom(14);
      const n = 24;
      const snapshots = Array.from({ length: n }, (_, i) =>
        snapshotFor(device.serial, device.hardwareUuid, (s) => {
          s.collectedAt = new Date(T0.getTime() - (n - i) * 60_000).toISOString();
          s.device.hostname = `mac-${i}`;
        }),
      );
      const order = snapshots.map((_, i) => i).sort(() => random() - 0.5);
      const results = await Promise.all(
        order.map((i, k) => {
          const s = snapshots[i] as (typeof snapshots)[number];
          return ingestSnapshot(
            { store: stores[k % 2] as PostgresStore, rules: RULES },
            who,
            s,
            Buffer.from(JSON.stringify(s)),
            T0,
          );
        }),
      );
      assert.ok(results.every((r) => r.changed));
      const d = await (stores[1] as PostgresStore).devices.byId(device.id);
      assert.equal(
        d?.snapshotId,
        (snapshots[n - 1] as { id: string }).id.toLowerCase(),
        'the newest is current',
      );
      assert.equal((await (stores[0] as PostgresStore).snapshots.history(device.id, 100)).length, n);
      const retried = stores.reduce((a, s) => a + s.retries, 0);
      console.log(
        `# ${n} racing uploads of one device: ${retried} units ran again after a serialization failure`,
      );
    });
  });

  test('one snapshot sent to both collectors at once, many times: stored once, every answer the same', async () => {
    await withStores(2, async (stores) => {
      const device = await enroll(stores[0] as PostgresStore, 2);
      const who = { id: device.id, serial: device.serial, hardwareUuid: device.hardwareUuid };
      const s = snapshotFor(device.serial, device.hardwareUuid);
      const raw = Buffer.from(JSON.stringify(s));
      const answers: SnapshotIngested[] = await Promise.all(
        Array.from({ length: 12 }, (_, k) =>
          ingestSnapshot(
            { store: stores[k % 2] as PostgresStore, rules: RULES },
            who,
            s,
            raw,
            new Date(T0.getTime() + k),
          ),
        ),
      );
      const firsts = answers.filter((a) => !a.replay);
      assert.equal(firsts.length, 1, 'accepted once; every other answer is a replay of its receipt');
      const first = firsts[0] as SnapshotIngested;
      for (const a of answers) {
        assert.equal(a.changed, true);
        assert.equal(a.receivedAt, first.receivedAt);
        assert.equal(a.digest, first.digest);
      }
      assert.equal((await (stores[1] as PostgresStore).snapshots.history(device.id, 10)).length, 1);
    });
  });
});

describe('postgresql history partitions', () => {
  test("months get partitions; retention drops the months past the cutoff and keeps each device's current snapshot", async () => {
    await withStores(1, async ([store], url) => {
      const s = store as PostgresStore;
      const d = await enroll(s, 1);
      const e = await enroll(s, 2);
      const month = (m: number, day = 10) => Date.UTC(2026, m, day);
      const add = async (device: number, id: string, at: number, makeCurrent: boolean) => {
        await s.snapshots.addHistory({
          deviceId: device,
          snapshotId: id,
          digest: current(id, 0).digest,
          collectedAt: at,
          receivedAt: at,
          body: new TextEncoder().encode(`{"id":"${id}"}`),
          encoding: 'identity',
        });
        if (makeCurrent) await s.devices.setCurrent(device, current(id, at));
        await s.partitionsSettled();
      };
      // January's first row goes to the default partition (no partition yet); February is made ahead.
      await add(d.id, 'jan-d', month(0), true); // d's current state for good
      await add(e.id, 'jan-e', month(0, 20), true);
      await add(e.id, 'feb-e', month(1), true);
      await add(e.id, 'mar-e', month(2), true);
      await add(e.id, 'apr-e', month(3), true);
      const where = async () => {
        const c = new pg.Client(url);
        await c.connect();
        try {
          return (
            await c.query<{ part: string; snapshot_id: string }>(
              `SELECT tableoid::regclass::text AS part, snapshot_id FROM snapshot_history ORDER BY seq`,
            )
          ).rows;
        } finally {
          await c.end();
        }
      };
      const before = await where();
      assert.deepEqual(
        before.map((r) => [r.snapshot_id, r.part]),
        [
          ['jan-d', 'snapshot_history_default'],
          ['jan-e', 'snapshot_history_default'],
          ['feb-e', 'snapshot_history_y2026m02'],
          ['mar-e', 'snapshot_history_y2026m03'],
          ['apr-e', 'snapshot_history_y2026m04'],
        ],
      );
      // Retention to mid-March: February's partition is dropped whole (feb-e is no current state), January's
      // rows in the default partition go row by row except d's current one, March's row before the cutoff too.
      const r = await s.prune({ historyBefore: month(2, 15), receiptsBefore: 0, auditBefore: 0 });
      assert.equal(r.history, 3);
      assert.deepEqual(
        (await where()).map((x) => [x.snapshot_id, x.part]),
        [
          ['jan-d', 'snapshot_history_default'],
          ['apr-e', 'snapshot_history_y2026m04'],
        ],
      );
      // Retention past April: April's partition goes, e's current row kept (moved to the default partition).
      const r2 = await s.prune({ historyBefore: month(5, 1), receiptsBefore: 0, auditBefore: 0 });
      assert.equal(r2.history, 0);
      assert.deepEqual(
        (await where()).map((x) => [x.snapshot_id, x.part]),
        [
          ['jan-d', 'snapshot_history_default'],
          ['apr-e', 'snapshot_history_default'],
        ],
      );
      assert.equal(new TextDecoder().decode((await s.snapshots.currentBody(e.id))?.body), '{"id":"apr-e"}');
      assert.deepEqual(
        (await s.snapshots.history(e.id, 10)).map((h) => h.snapshotId),
        ['apr-e'],
      );
    });
  });
});

describe('postgresql alert delivery and jobs across collectors', () => {
  test('collectors claiming the same outbox at once claim each delivery exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    await withStores(3, async (stores) => {
      const [s0] = stores as [PostgresStore];
      const EVENTS = 120;
      for (let i = 0; i < EVENTS; i++)
        await s0.alertEvents.append({
          id: `evt_${i}`,
          type: 'incident.opened',
          at: 1_000 + i,
          incidentId: null,
          serial: `C${i}`,
          rule: 'filevault-off',
          severity: 'critical',
          channel: null,
          body: '{}',
        });
      const events = await s0.alertEvents.unrouted(EVENTS);
      await s0.alertEvents.route(
        events.map((e) => e.seq),
        events.map((e) => ({ eventSeq: e.seq, channel: 'hook', incidentId: null, nextAt: 0, createdAt: 0 })),
        2_000,
      );
      // Every collector claims in small batches, several at a time, until nothing is left to claim.
      const claimedBy = new Map<number, string[]>();
      await Promise.all(
        stores.flatMap((s, k) =>
          Array.from({ length: 3 }, async (_, w) => {
            const owner = `collector-${k}-${w}`;
            for (;;) {
              const got = await s.deliveries.claim('hook', { now: 3_000, owner, until: 60_000, limit: 4 });
              if (got.length === 0) return;
              for (const c of got)
                claimedBy.set(c.delivery.id, [...(claimedBy.get(c.delivery.id) ?? []), owner]);
            }
          }),
        ),
      );
      assert.equal(claimedBy.size, EVENTS, 'every delivery claimed');
      const twice = [...claimedBy].filter(([, owners]) => owners.length > 1);
      assert.deepEqual(twice, [], 'no delivery claimed twice');
      assert.ok(
        new Set([...claimedBy.values()].map((o) => o[0]?.split('-')[1])).size > 1,
        'the collectors shared the work',
      );
    });
  });

  test('collectors taking the same job lease at once: one holds it', async () => {
    await withStores(3, async (stores) => {
      for (let round = 0; round < 5; round++) {
        const now = 10_000 * (round + 1);
        const taken = await Promise.all(
          stores.flatMap((s, k) =>
            [0, 1].map((w) => s.jobs.acquire('stale-sweep', `collector-${k}-${w}`, now, now + 5_000)),
          ),
        );
        assert.equal(taken.filter(Boolean).length, 1, `round ${round}: exactly one owner`);
        const holder = (await (stores[0] as PostgresStore).jobs.get('stale-sweep'))?.leaseOwner as string;
        await (stores[1] as PostgresStore).jobs.finish('stale-sweep', holder, {
          at: now + 1,
          durationMs: 1,
          outcome: 'ok',
          error: null,
          report: null,
        });
      }
      assert.equal((await (stores[2] as PostgresStore).jobs.get('stale-sweep'))?.runs, 5);
    });
  });
});
