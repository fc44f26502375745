// Snapshot receipts (idempotency by id) and the history of changes with their stored bodies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { current, enroll, withStore } from './backend.ts';
import type { NewHistoryEntry } from '../../../../collector/store/types.ts';

const entry = (
  deviceId: number,
  snapshotId: string,
  at: number,
  body = `{"id":"${snapshotId}"}`,
): NewHistoryEntry => ({
  deviceId,
  snapshotId,
  digest: current(snapshotId, 0).digest,
  collectedAt: at - 10,
  receivedAt: at,
  body: new TextEncoder().encode(body),
  encoding: 'identity',
});

export function snapshotsConformance(backend: Backend): void {
  describe(`${backend.name} snapshots`, () => {
    test('a receipt is kept by snapshot id, once', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1);
        const r = {
          snapshotId: 'snap-1',
          deviceId: d.id,
          bodySha256: 'e'.repeat(64),
          digest: 'f'.repeat(64),
          changed: true,
          receivedAt: 2_000,
        };
        assert.equal(await store.snapshots.receipt('snap-1'), null);
        await store.snapshots.addReceipt(r);
        assert.deepEqual(await store.snapshots.receipt('snap-1'), r);
        await store.snapshots.addReceipt({ ...r, snapshotId: 'snap-2', changed: false });
        assert.equal((await store.snapshots.receipt('snap-2'))?.changed, false);
        await assert.rejects(
          store.snapshots.addReceipt({ ...r, receivedAt: 3_000 }),
          'a second receipt for one id',
        );
        assert.equal((await store.snapshots.receipt('snap-1'))?.receivedAt, 2_000);
      });
    });

    test('history: newest first, bounded, each body and encoding as stored, per device', async () => {
      await withStore(backend, async (store) => {
        const a = await enroll(store, 1);
        const b = await enroll(store, 2);
        const seqs = [];
        for (let i = 1; i <= 4; i++)
          seqs.push(await store.snapshots.addHistory(entry(a.id, `a${i}`, i * 1_000)));
        await store.snapshots.addHistory(entry(b.id, 'b1', 500));
        assert.deepEqual(
          [...seqs].sort((x, y) => x - y),
          seqs,
          'seq grows',
        );
        const h = await store.snapshots.history(a.id, 3);
        assert.deepEqual(
          h.map((x) => [
            x.snapshotId,
            x.seq,
            x.collectedAt,
            x.receivedAt,
            x.encoding,
            new TextDecoder().decode(x.body),
          ]),
          [
            ['a4', seqs[3], 3_990, 4_000, 'identity', '{"id":"a4"}'],
            ['a3', seqs[2], 2_990, 3_000, 'identity', '{"id":"a3"}'],
            ['a2', seqs[1], 1_990, 2_000, 'identity', '{"id":"a2"}'],
          ],
        );
        assert.equal(h[0]?.digest, current('a4', 0).digest);
        assert.deepEqual(
          (await store.snapshots.history(b.id, 10)).map((x) => x.snapshotId),
          ['b1'],
        );
      });
    });

    test("the current body is the device's current snapshot's, not the last one received", async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1);
        const bytes = new Uint8Array([0, 1, 2, 250, 255]);
        await store.snapshots.addHistory({
          ...entry(d.id, 'cur', 1_000),
          body: bytes,
          encoding: 'deflate-raw',
        });
        assert.equal(await store.snapshots.currentBody(d.id), null, 'before any current snapshot');
        await store.devices.setCurrent(d.id, current('cur', 1_000));
        await store.snapshots.addHistory(entry(d.id, 'late', 2_000));
        const c = await store.snapshots.currentBody(d.id);
        assert.equal(c?.encoding, 'deflate-raw');
        assert.deepEqual([...(c?.body ?? [])], [...bytes]);
      });
    });
  });
}
