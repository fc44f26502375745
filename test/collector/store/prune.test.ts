// Retention: history older than the cutoff goes, except each device's current snapshot, even when a late
// delivery of an older state (an outbox catching up) was received after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';
import type { Store } from '../../../collector/store/types.ts';

const FACTS = {
  model: null,
  osVersion: null,
  osBuild: null,
  hostname: null,
  appleSilicon: null,
  agentVersion: null,
};

async function change(
  store: Store,
  deviceId: number,
  snapshotId: string,
  collectedAt: number,
  receivedAt: number,
  current: boolean,
) {
  await store.snapshots.addHistory({
    deviceId,
    snapshotId,
    digest: snapshotId.padEnd(64, '0'),
    collectedAt,
    receivedAt,
    body: Buffer.from(`{"id":"${snapshotId}"}`),
    encoding: 'identity',
  });
  if (!current) return;
  await store.devices.setCurrent(deviceId, {
    snapshotId,
    digest: snapshotId.padEnd(64, '0'),
    collectedAt,
    orderedAt: collectedAt,
    clockSkewSeconds: null,
    seenAt: receivedAt,
    consoleUser: null,
    facts: FACTS,
    verdict: { noncompliantFrom: null, hasUnknown: false },
  });
}

test('prune keeps the current snapshot, also when a late older one was received after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-store-'));
  const store = openSqliteStore(join(dir, 's.db'));
  try {
    const d = await store.devices.create({
      serial: 'S1',
      hardwareUuid: 'HW1',
      tokenHash: 'a'.repeat(64),
      at: 0,
    });
    await change(store, d.id, 'a', 10, 10, true); // an old change, past retention
    await change(store, d.id, 'b', 30, 20, true); // the current state, received at 20
    await change(store, d.id, 'c', 25, 40, false); // collected before b, delivered late
    const r = await store.prune({ historyBefore: 35, receiptsBefore: 0, auditBefore: 0 });
    assert.equal(r.history, 1);
    const kept = (await store.snapshots.history(d.id, 10)).map((h) => h.snapshotId);
    assert.deepEqual(kept, ['c', 'b']);
    assert.deepEqual(
      JSON.parse(Buffer.from((await store.snapshots.currentBody(d.id))?.body ?? []).toString()),
      { id: 'b' },
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
