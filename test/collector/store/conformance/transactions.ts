// Units of work: what a unit writes commits together or not at all; a unit reads its own writes; units run
// side by side, and one that fails (a throw, a constraint) rolls back alone; a call outside a unit is a
// unit of its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { enroll, found, withStore } from './backend.ts';

export function transactionsConformance(backend: Backend): void {
  describe(`${backend.name} units of work`, () => {
    test('a unit commits everything it wrote, reads its own writes, and answers its value', async () => {
      await withStore(backend, async (store) => {
        const id = await store.withTransaction(async (tx) => {
          const d = await enroll(tx, 1);
          await tx.devices.touch(d.id, 5_000, 'alice', null);
          assert.equal((await tx.devices.byId(d.id))?.consoleUser, 'alice');
          assert.equal(await tx.fleet.deviceCount(), 1);
          await tx.enrollments.record({
            at: 5_000,
            serial: d.serial,
            hardwareUuid: d.hardwareUuid,
            outcome: 'issued',
            remoteAddress: null,
            detail: null,
          });
          return d.id;
        });
        assert.equal((await store.devices.byId(id))?.lastSeen, 5_000);
        assert.equal((await store.enrollments.list({ limit: 10 })).length, 1);
      });
    });

    test('a unit that throws after writing leaves nothing of it, in every aggregate', async () => {
      await withStore(backend, async (store) => {
        const kept = await enroll(store, 0);
        await assert.rejects(
          store.withTransaction(async (tx) => {
            const d = await enroll(tx, 1);
            await tx.devices.touch(kept.id, 9_000, 'mallory', null);
            await tx.findings.save(d.id, [found('filevault-off')]);
            await tx.exemptions.add({
              id: 'x',
              serial: null,
              rule: null,
              user: null,
              reason: 'r',
              createdBy: 'c',
              createdAt: 1,
              expiresAt: null,
            });
            await tx.enrollments.record({
              at: 1,
              serial: d.serial,
              hardwareUuid: null,
              outcome: 'issued',
              remoteAddress: null,
              detail: null,
            });
            await tx.identityConflicts.open({
              serial: 'S',
              hardwareUuid: 'H',
              at: 1,
              address: null,
              serialHolderId: null,
              uuidHolderId: null,
            });
            await tx.snapshots.addReceipt({
              snapshotId: 'r1',
              deviceId: d.id,
              bodySha256: 'a'.repeat(64),
              digest: 'b'.repeat(64),
              changed: true,
              receivedAt: 1,
            });
            throw new Error('fails after writing');
          }),
          /fails after writing/,
        );
        assert.equal(await store.devices.bySerial('C0200001'), null);
        assert.equal((await store.devices.byId(kept.id))?.consoleUser, null);
        assert.equal(await store.exemptions.get('x'), null);
        assert.deepEqual(await store.enrollments.list({ limit: 10 }), []);
        assert.equal(await store.identityConflicts.countOpen(), 0);
        assert.equal(await store.snapshots.receipt('r1'), null);
        assert.equal(await store.fleet.deviceCount(), 1);
        // The store goes on: the next unit commits.
        await store.withTransaction(async (tx) => enroll(tx, 2));
        assert.equal(await store.fleet.deviceCount(), 2);
      });
    });

    test('units side by side: the failing ones roll back alone, the others commit', async () => {
      await withStore(backend, async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.withTransaction(async (tx) => {
              await enroll(tx, i);
              if (i % 5 === 0) throw new Error(`unit ${i} fails after writing`);
              return i;
            }),
          ),
        );
        assert.deepEqual(
          results.map((r) => r.status),
          Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? 'rejected' : 'fulfilled')),
        );
        for (let i = 0; i < 20; i++)
          assert.equal(
            (await store.devices.bySerial(`C02${String(i).padStart(5, '0')}`)) === null,
            i % 5 === 0,
            `${i}`,
          );
        // A constraint failing is one call's failure too (outside a unit, the call is its own unit).
        await assert.rejects(enroll(store, 1));
        assert.equal(await store.fleet.deviceCount(), 16);
      });
    });
  });
}
