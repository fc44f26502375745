// Identity conflicts: opened with copies of the devices they met, attempts counted, the one standing
// against a claim, resolutions, pages newest first and the open count.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { enroll, withStore } from './backend.ts';

export function identityConflictsConformance(backend: Backend): void {
  describe(`${backend.name} identity conflicts`, () => {
    test('open copies the holders as they are then; attempts count; the record reads back whole', async () => {
      await withStore(backend, async (store) => {
        const holder = await enroll(store, 1, 1_000, '10.0.0.1');
        await store.devices.touch(holder.id, 2_000, null, null);
        const c = await store.identityConflicts.open({
          serial: holder.serial,
          hardwareUuid: 'HW-FAKE',
          at: 3_000,
          address: '192.0.2.9',
          serialHolderId: holder.id,
          uuidHolderId: null,
        });
        const copy = {
          serial: holder.serial,
          hardwareUuid: holder.hardwareUuid,
          enrolledAt: 1_000,
          tokenIssuedAt: 1_000,
          tokenIssuedFrom: '10.0.0.1',
          lastContact: 2_000,
          lastSeen: 2_000,
        };
        assert.deepEqual(c, {
          id: c.id,
          serial: holder.serial,
          hardwareUuid: 'HW-FAKE',
          firstAt: 3_000,
          lastAt: 3_000,
          attempts: 1,
          firstAddress: '192.0.2.9',
          lastAddress: '192.0.2.9',
          serialHolder: copy,
          uuidHolder: null,
          resolvedAt: null,
          resolution: null,
          resolvedBy: null,
        });
        // The copy is of then: the device moving on does not change it.
        await store.devices.touch(holder.id, 9_000, null, null);
        await store.identityConflicts.attempt(c.id, 4_000, null);
        await store.identityConflicts.attempt(c.id, 3_500, '192.0.2.10');
        const again = await store.identityConflicts.get(c.id);
        assert.deepEqual(again, { ...c, lastAt: 4_000, attempts: 3, lastAddress: '192.0.2.10' });
        assert.equal(await store.identityConflicts.get(c.id + 1), null);
      });
    });

    test('standing: the open conflict of the claim, or one resolved keeping the existing device; not one that kept the claimant', async () => {
      await withStore(backend, async (store) => {
        const claim = { at: 1, address: null, serialHolderId: null, uuidHolderId: null };
        const a = await store.identityConflicts.open({ ...claim, serial: 'S1', hardwareUuid: 'H1' });
        assert.equal((await store.identityConflicts.standing('S1', 'H1'))?.id, a.id);
        assert.equal(await store.identityConflicts.standing('S1', 'H2'), null);
        await store.identityConflicts.resolve(a.id, { at: 2, resolution: 'existing', by: 'jdoe' });
        const resolved = await store.identityConflicts.standing('S1', 'H1');
        assert.deepEqual(
          resolved && [resolved.id, resolved.resolvedAt, resolved.resolution, resolved.resolvedBy],
          [a.id, 2, 'existing', 'jdoe'],
        );
        const b = await store.identityConflicts.open({ ...claim, serial: 'S2', hardwareUuid: 'H2' });
        await store.identityConflicts.resolve(b.id, { at: 3, resolution: 'claimant', by: 'jdoe' });
        assert.equal(await store.identityConflicts.standing('S2', 'H2'), null);
      });
    });

    test('list: newest first, by state, by a serial of the claimant or a device it met; countOpen', async () => {
      await withStore(backend, async (store) => {
        const holder = await enroll(store, 1);
        const claim = { at: 1, address: null, serialHolderId: null, uuidHolderId: null };
        const a = await store.identityConflicts.open({
          ...claim,
          serial: holder.serial,
          hardwareUuid: 'HW-X',
          serialHolderId: holder.id,
        });
        const b = await store.identityConflicts.open({
          ...claim,
          serial: 'C02CLAIM',
          hardwareUuid: holder.hardwareUuid,
          uuidHolderId: holder.id,
        });
        const c = await store.identityConflicts.open({ ...claim, serial: 'C02ELSE', hardwareUuid: 'HW-Y' });
        await store.identityConflicts.resolve(c.id, { at: 2, resolution: 'existing', by: 'jdoe' });
        const ids = async (opts: Parameters<typeof store.identityConflicts.list>[0]) =>
          (await store.identityConflicts.list(opts)).map((x) => x.id);
        assert.deepEqual(await ids({ limit: 10 }), [c.id, b.id, a.id]);
        assert.deepEqual(await ids({ limit: 2 }), [c.id, b.id]);
        assert.deepEqual(await ids({ before: b.id, limit: 10 }), [a.id]);
        assert.deepEqual(await ids({ state: 'open', limit: 10 }), [b.id, a.id]);
        assert.deepEqual(await ids({ state: 'resolved', limit: 10 }), [c.id]);
        assert.deepEqual(await ids({ serial: holder.serial, limit: 10 }), [b.id, a.id]);
        assert.deepEqual(await ids({ serial: 'C02CLAIM', limit: 10 }), [b.id]);
        assert.equal(await store.identityConflicts.countOpen(), 2);
      });
    });
  });
}
