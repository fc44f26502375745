// Alerting's store: at most one unresolved incident per (device, rule, user) as a constraint the store
// enforces (and rolls the unit back on); the outbox writes an event id once; routing fans out once per
// event and channel; the claim takes due, unclaimed deliveries, only the first pending one of an incident,
// never one another worker holds until its claim runs out; attempts are recorded by the holder only;
// dead deliveries retried; job leases held by one owner at a time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { withStore } from './backend.ts';
import { IncidentConflictError } from '../../../../collector/store/types.ts';
import type { IncidentRecord, NewAlertEvent, Store } from '../../../../collector/store/types.ts';

const incident = (over: Partial<IncidentRecord> = {}): IncidentRecord => ({
  id: 'inc_1',
  serial: 'C02A',
  rule: 'filevault-off',
  user: null,
  state: 'open',
  episode: 1,
  severity: 'critical',
  failingSince: 1_000,
  openedAt: 2_000,
  firstOpenedAt: 2_000,
  changedAt: 2_000,
  resolvedAt: null,
  reason: 'off',
  ref: null,
  ...over,
});

const event = (id: string, over: Partial<NewAlertEvent> = {}): NewAlertEvent => ({
  id,
  type: 'opened',
  at: 1_000,
  incidentId: 'inc_1',
  serial: 'C02A',
  rule: 'filevault-off',
  severity: 'critical',
  channel: null,
  body: `{"id":"${id}"}`,
  ...over,
});

/** Append the events and fan each out to `channels`, due at `at`. */
async function routed(store: Store, events: NewAlertEvent[], channels: string[], at = 1_000) {
  for (const e of events) assert.equal(await store.alertEvents.append(e), true);
  const unrouted = await store.alertEvents.unrouted(100);
  await store.alertEvents.route(
    unrouted.map((e) => e.seq),
    unrouted.flatMap((e) =>
      channels.map((channel) => ({
        eventSeq: e.seq,
        channel,
        incidentId: e.incidentId,
        nextAt: at,
        createdAt: at,
      })),
    ),
    at,
  );
}

export function alertsConformance(backend: Backend): void {
  describe(`${backend.name} alerts`, () => {
    test('one unresolved incident per (device, rule, user) is a constraint: a second is refused and its unit rolled back', async () => {
      await withStore(backend, async (store) => {
        await store.incidents.insert(incident());
        await assert.rejects(
          store.withTransaction(async (tx) => {
            await tx.alertEvents.append(event('evt_in_the_unit'));
            await tx.incidents.insert(incident({ id: 'inc_2' }));
          }),
          IncidentConflictError,
        );
        assert.equal(await store.alertEvents.get('evt_in_the_unit'), null, 'nothing of the unit stays');
        // Another user, another rule: allowed; exempted counts as unresolved.
        await store.incidents.insert(incident({ id: 'inc_3', user: 'bob' }));
        await store.incidents.insert(incident({ id: 'inc_4', rule: 'stale', state: 'exempted' }));
        await assert.rejects(
          store.incidents.insert(incident({ id: 'inc_5', rule: 'stale' })),
          IncidentConflictError,
        );
        // Resolved, the key is free again; reopening one while another is open is refused too.
        await store.incidents.update(incident({ state: 'resolved', resolvedAt: 3_000, changedAt: 3_000 }));
        await store.incidents.insert(incident({ id: 'inc_6' }));
        await assert.rejects(store.incidents.update(incident({ episode: 2 })), IncidentConflictError);
        assert.deepEqual(await store.incidents.countUnresolved(), { open: 2, exempted: 1 });
        assert.deepEqual((await store.incidents.forSerial('C02A')).map((i) => i.id).sort(), [
          'inc_1',
          'inc_3',
          'inc_4',
          'inc_6',
        ]);
      });
    });

    test('an event id is written once; routing fans out once per event and channel', async () => {
      await withStore(backend, async (store) => {
        assert.equal(await store.alertEvents.append(event('evt_a')), true);
        assert.equal(await store.alertEvents.append(event('evt_a', { type: 'resolved' })), false);
        assert.equal((await store.alertEvents.get('evt_a'))?.type, 'opened');
        const [e] = await store.alertEvents.unrouted(10);
        assert.ok(e);
        const d = { eventSeq: e.seq, channel: 'hook', incidentId: 'inc_1', nextAt: 1, createdAt: 1 };
        await store.alertEvents.route([e.seq], [d], 5);
        await store.alertEvents.route([e.seq], [d], 6);
        assert.deepEqual(await store.alertEvents.unrouted(10), []);
        assert.equal((await store.alertEvents.get('evt_a'))?.routedAt, 5);
        assert.equal((await store.deliveries.list({ limit: 10 })).length, 1);
      });
    });

    test("a claim takes due deliveries, an incident's first only, and none another holds until its claim runs out", async () => {
      await withStore(backend, async (store) => {
        await routed(
          store,
          [
            event('evt_1'),
            event('evt_2', { type: 'resolved' }),
            event('evt_3', { incidentId: 'inc_other' }),
            event('evt_4', { incidentId: null, type: 'digest', channel: 'hook' }),
          ],
          ['hook', 'other'],
        );
        const a = await store.deliveries.claim('hook', { now: 1_000, owner: 'A', until: 5_000, limit: 10 });
        assert.deepEqual(
          a.map((c) => c.event.id),
          ['evt_1', 'evt_3', 'evt_4'],
          'evt_2 waits behind evt_1 of the same incident',
        );
        assert.equal(a[0]?.event.body, '{"id":"evt_1"}');
        assert.deepEqual(
          await store.deliveries.claim('hook', { now: 2_000, owner: 'B', until: 6_000, limit: 10 }),
          [],
          'held by A',
        );
        const first = a[0]?.delivery.id as number;
        // Only the holder records; B cannot.
        const attempt = { at: 2_000, status: 200, latencyMs: 12, outcome: 'delivered' as const, error: null };
        assert.equal(
          await store.deliveries.attempted(first, 'B', attempt, { state: 'delivered', nextAt: 2_000 }),
          false,
        );
        assert.equal(
          await store.deliveries.attempted(first, 'A', attempt, { state: 'delivered', nextAt: 2_000 }),
          true,
        );
        // A's other claims run out; B takes them and evt_2, whose predecessor is delivered.
        const b = await store.deliveries.claim('hook', { now: 5_000, owner: 'B', until: 9_000, limit: 10 });
        assert.deepEqual(b.map((c) => c.event.id).sort(), ['evt_2', 'evt_3', 'evt_4']);
        await store.deliveries.release(
          b.map((c) => c.delivery.id),
          'B',
        );
        const later = { at: 5_000, status: 500, latencyMs: 3, outcome: 'retry' as const, error: 'HTTP 500' };
        const c = await store.deliveries.claim('hook', { now: 5_000, owner: 'C', until: 9_000, limit: 1 });
        assert.equal(c.length, 1);
        const id = c[0]?.delivery.id as number;
        await store.deliveries.attempted(id, 'C', later, { state: 'pending', nextAt: 60_000 });
        const rec = await store.deliveries.get(id);
        assert.equal(rec?.attempts, 1);
        assert.equal(rec?.lastStatus, 500);
        assert.equal(rec?.nextAt, 60_000);
        assert.equal(rec?.claimedBy, null);
        const logs = await store.deliveries.attempts([first, id]);
        assert.deepEqual(
          logs.get(first)?.map((x) => x.outcome),
          ['delivered'],
        );
        assert.deepEqual(
          logs.get(id)?.map((x) => [x.status, x.error]),
          [[500, 'HTTP 500']],
        );
        const stats = await store.deliveries.stats();
        assert.deepEqual(
          stats.map((s) => [s.channel, s.pending, s.delivered, s.dead]),
          [
            ['hook', 3, 1, 0],
            ['other', 4, 0, 0],
          ],
        );
      });
    });

    test('a dead delivery is retried on demand, a pending one is not; prune keeps what is unfinished', async () => {
      await withStore(backend, async (store) => {
        await routed(store, [event('evt_1'), event('evt_2', { incidentId: 'inc_2' })], ['hook']);
        const [x, y] = await store.deliveries.claim('hook', {
          now: 1_000,
          owner: 'A',
          until: 9_000,
          limit: 2,
        });
        assert.ok(x && y);
        const dead = { at: 2_000, status: 503, latencyMs: 1, outcome: 'dead' as const, error: 'HTTP 503' };
        await store.deliveries.attempted(x.delivery.id, 'A', dead, { state: 'dead', nextAt: 2_000 });
        assert.equal((await store.deliveries.list({ state: 'dead', limit: 10 }))[0]?.id, x.delivery.id);
        assert.equal(await store.deliveries.retry(y.delivery.id, 3_000), false);
        assert.equal(await store.deliveries.retry(x.delivery.id, 3_000), true);
        const back = await store.deliveries.get(x.delivery.id);
        assert.equal(back?.state, 'pending');
        assert.equal(back?.nextAt, 3_000);
        // Pruning removes finished old events only: both deliveries are pending.
        assert.equal(await store.alertEvents.prune(10_000), 0);
        const ok = { at: 4_000, status: 200, latencyMs: 1, outcome: 'delivered' as const, error: null };
        const again = await store.deliveries.claim('hook', {
          now: 10_000,
          owner: 'A',
          until: 20_000,
          limit: 5,
        });
        for (const c of again)
          await store.deliveries.attempted(c.delivery.id, 'A', ok, { state: 'delivered', nextAt: 4_000 });
        assert.equal(await store.alertEvents.prune(500), 0, 'written after the cutoff');
        assert.equal(await store.alertEvents.prune(10_000), 2);
        assert.deepEqual(await store.deliveries.list({ limit: 10 }), []);
      });
    });

    test('a job lease is held by one owner until it is given back or runs out; the last run is kept', async () => {
      await withStore(backend, async (store) => {
        assert.equal(await store.jobs.acquire('sweep', 'A', 1_000, 5_000), true);
        assert.equal(await store.jobs.acquire('sweep', 'B', 2_000, 6_000), false);
        await store.jobs.finish('sweep', 'A', {
          at: 1_500,
          durationMs: 500,
          outcome: 'ok',
          error: null,
          report: '{"opened":1}',
        });
        assert.equal(await store.jobs.acquire('sweep', 'B', 2_000, 6_000), true);
        assert.equal(await store.jobs.acquire('sweep', 'C', 6_000, 9_000), true, 'B ran out');
        await store.jobs.finish('sweep', 'B', {
          at: 7_000,
          durationMs: 1,
          outcome: 'failed',
          error: 'late',
          report: null,
        });
        const j = await store.jobs.get('sweep');
        assert.equal(j?.leaseOwner, 'C', "B's late finish does not end C's run");
        assert.equal(j?.runs, 1);
        assert.equal(j?.report, '{"opened":1}');
      });
    });

    test("a scheduled job's lease is not taken again in the period a run started in, even once it is given back", async () => {
      await withStore(backend, async (store) => {
        const finished = { durationMs: 1, outcome: 'ok' as const, error: null, report: null };
        assert.equal(await store.jobs.acquire('sweep', 'A', 60_010, 120_000, 60_000), true);
        await store.jobs.finish('sweep', 'A', { at: 60_020, ...finished });
        assert.equal(
          await store.jobs.acquire('sweep', 'B', 60_030, 120_000, 60_000),
          false,
          "B's timer fired after A's run of the same minute ended",
        );
        assert.equal(await store.jobs.acquire('sweep', 'B', 60_030, 120_000), true, 'a run by hand is taken');
        await store.jobs.finish('sweep', 'B', { at: 60_040, ...finished });
        assert.equal(
          await store.jobs.acquire('sweep', 'B', 120_005, 180_000, 120_000),
          true,
          'the next minute',
        );
        assert.equal((await store.jobs.get('sweep'))?.runs, 2);
      });
    });

    test('channels: added once, a changed target clears a 410, markers kept', async () => {
      await withStore(backend, async (store) => {
        await store.alertChannels.add({ name: 'hook', type: 'webhook', fingerprint: 'f1', at: 1_000 });
        await store.alertChannels.disable('hook', 2_000, '410');
        await store.alertChannels.update('hook', { type: 'webhook', fingerprint: 'f1', active: true });
        assert.equal((await store.alertChannels.get('hook'))?.disabledAt, 2_000);
        await store.alertChannels.update('hook', { type: 'webhook', fingerprint: 'f2', active: true });
        assert.equal((await store.alertChannels.get('hook'))?.disabledAt, null);
        await store.alertChannels.noteAttempt('hook', 3_000, null);
        await store.alertChannels.noteAttempt('hook', 4_000, 'HTTP 500');
        const r = await store.alertChannels.get('hook');
        assert.equal(r?.lastSuccessAt, 3_000);
        assert.equal(r?.lastFailure, 'HTTP 500');
        assert.equal(await store.alertChannels.marker('seeded'), null);
        await store.alertChannels.setMarker('seeded', 'yes');
        assert.equal(await store.alertChannels.marker('seeded'), 'yes');
      });
    });
  });
}
