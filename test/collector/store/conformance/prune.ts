// Retention: history before the cutoff goes except each device's current snapshot (also when a late
// delivery of an older state came after it), receipts before theirs, audit rows by their latest repeat.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { current, enroll, withStore } from './backend.ts';
import type { Store } from '../../../../collector/store/types.ts';

async function change(
  store: Store,
  deviceId: number,
  id: string,
  collectedAt: number,
  receivedAt: number,
  makeCurrent: boolean,
) {
  await store.snapshots.addHistory({
    deviceId,
    snapshotId: id,
    digest: current(id, 0).digest,
    collectedAt,
    receivedAt,
    body: new TextEncoder().encode(`{"id":"${id}"}`),
    encoding: 'identity',
  });
  if (makeCurrent)
    await store.devices.setCurrent(
      deviceId,
      current(id, receivedAt, { collectedAt, orderedAt: collectedAt }),
    );
}

export function pruneConformance(backend: Backend): void {
  describe(`${backend.name} retention`, () => {
    test('prune keeps the current snapshot, also when a late older one was received after it', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1, 0);
        await change(store, d.id, 'a', 10, 10, true); // an old change, past retention
        await change(store, d.id, 'b', 30, 20, true); // the current state, received at 20
        await change(store, d.id, 'c', 25, 40, false); // collected before b, delivered late
        const r = await store.prune({ historyBefore: 35, receiptsBefore: 0, auditBefore: 0 });
        assert.deepEqual(r, { history: 1, receipts: 0, audit: 0 });
        assert.deepEqual(
          (await store.snapshots.history(d.id, 10)).map((h) => h.snapshotId),
          ['c', 'b'],
        );
        assert.equal(new TextDecoder().decode((await store.snapshots.currentBody(d.id))?.body), '{"id":"b"}');
      });
    });

    test('receipts before the cutoff go, later ones stay', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1, 0);
        for (const [id, at] of [
          ['r1', 10],
          ['r2', 20],
          ['r3', 30],
        ] as const)
          await store.snapshots.addReceipt({
            snapshotId: id,
            deviceId: d.id,
            bodySha256: 'a'.repeat(64),
            digest: 'b'.repeat(64),
            changed: false,
            receivedAt: at,
          });
        assert.deepEqual(await store.prune({ historyBefore: 0, receiptsBefore: 25, auditBefore: 0 }), {
          history: 0,
          receipts: 2,
          audit: 0,
        });
        assert.equal(await store.snapshots.receipt('r2'), null);
        assert.equal((await store.snapshots.receipt('r3'))?.receivedAt, 30);
      });
    });
  });
}
