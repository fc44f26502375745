// Devices: identity, token, contact times, the current snapshot's columns, revocation and replacement.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { current, enroll, found, withStore } from './backend.ts';

export function devicesConformance(backend: Backend): void {
  describe(`${backend.name} devices`, () => {
    test('a created device is found by id, serial, hardware UUID and token hash, as created', async () => {
      await withStore(backend, async (store) => {
        const d = await store.devices.create({
          serial: 'C02ABC',
          hardwareUuid: 'HW-ABC',
          tokenHash: 'a'.repeat(64),
          at: 5_000,
          remoteAddress: '192.0.2.7',
        });
        assert.deepEqual(d, {
          id: d.id,
          serial: 'C02ABC',
          hardwareUuid: 'HW-ABC',
          tokenHash: 'a'.repeat(64),
          tokenIssuedAt: 5_000,
          revokedAt: null,
          enrolledAt: 5_000,
          lastSeen: null,
          lastContact: 5_000,
          consoleUser: null,
          digest: null,
          snapshotId: null,
          collectedAt: null,
          orderedAt: null,
          clockSkewSeconds: null,
          retired: null,
        });
        assert.deepEqual(await store.devices.byId(d.id), d);
        assert.deepEqual(await store.devices.bySerial('C02ABC'), d);
        assert.deepEqual(await store.devices.byHardwareUuid('HW-ABC'), d);
        assert.deepEqual(await store.devices.byTokenHash('a'.repeat(64)), d);
        assert.equal(await store.devices.byId(d.id + 1), null);
        assert.equal(await store.devices.bySerial('C02OTHER'), null);
        assert.equal(await store.devices.byHardwareUuid('HW-OTHER'), null);
        assert.equal(await store.devices.byTokenHash('b'.repeat(64)), null);
      });
    });

    test('a serial, a hardware UUID or a token hash belongs to one device only', async () => {
      await withStore(backend, async (store) => {
        await store.devices.create({ serial: 'S1', hardwareUuid: 'H1', tokenHash: '1'.repeat(64), at: 1 });
        for (const d of [
          { serial: 'S1', hardwareUuid: 'H2', tokenHash: '2'.repeat(64), at: 1 },
          { serial: 'S2', hardwareUuid: 'H1', tokenHash: '3'.repeat(64), at: 1 },
          { serial: 'S3', hardwareUuid: 'H3', tokenHash: '1'.repeat(64), at: 1 },
        ])
          await assert.rejects(store.devices.create(d), `${JSON.stringify(d)} is refused`);
        assert.equal(await store.fleet.deviceCount(), 1);
      });
    });

    test('revoke drops the token and records when; issueToken gives a new one and clears the revocation', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1, 1_000);
        await store.devices.revoke(d.id, 2_000);
        const revoked = await store.devices.byId(d.id);
        assert.equal(revoked?.tokenHash, null);
        assert.equal(revoked?.revokedAt, 2_000);
        assert.equal(await store.devices.byTokenHash(d.tokenHash as string), null);
        await store.devices.issueToken(d.id, {
          serial: d.serial,
          hardwareUuid: d.hardwareUuid,
          tokenHash: 'c'.repeat(64),
          at: 3_000,
        });
        const again = await store.devices.byTokenHash('c'.repeat(64));
        assert.equal(again?.id, d.id);
        assert.equal(again?.revokedAt, null);
        assert.equal(again?.tokenIssuedAt, 3_000);
        assert.equal(again?.enrolledAt, 1_000);
        assert.equal(again?.lastContact, 3_000, 'an enrollment is a contact');
      });
    });

    test('touch moves lastSeen and lastContact forward only, and sets the console user and clock skew', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1, 1_000);
        await store.devices.touch(d.id, 5_000, 'alice', 600);
        await store.devices.touch(d.id, 4_000, 'bob', null);
        const t = await store.devices.byId(d.id);
        assert.equal(t?.lastSeen, 5_000);
        assert.equal(t?.lastContact, 5_000);
        assert.equal(t?.consoleUser, 'bob');
        assert.equal(t?.clockSkewSeconds, null);
      });
    });

    test('setCurrent keeps the current snapshot, its facts and verdict; contact times only move forward', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1, 1_000);
        await store.devices.touch(d.id, 9_000, null, null);
        const facts = {
          model: 'Mac15,3',
          osVersion: '15.3.1',
          osBuild: '24D70',
          hostname: 'alice-mbp',
          appleSilicon: true,
          agentVersion: '0.1.0',
        };
        const reportFacts = {
          bootstrapEscrowed: true,
          bootstrapUsable: false,
          fileVaultOn: null,
          mdmUpdate: 'no' as const,
          mdmUpdateReason: 'EACSPreflight = "failed"',
          tokenHolders: ['alice', 'it-admin'],
          tokenlessUsers: [],
        };
        await store.devices.setCurrent(
          d.id,
          current('snap-1', 8_000, {
            collectedAt: 7_000,
            orderedAt: 7_500,
            clockSkewSeconds: 1200,
            consoleUser: 'alice',
            facts: { ...facts, ...reportFacts },
            verdict: { noncompliantFrom: 8_500, hasUnknown: true },
          }),
        );
        const c = await store.devices.byId(d.id);
        assert.equal(c?.snapshotId, 'snap-1');
        assert.equal(c?.digest, current('snap-1', 0).digest);
        assert.equal(c?.collectedAt, 7_000);
        assert.equal(c?.orderedAt, 7_500);
        assert.equal(c?.clockSkewSeconds, 1200);
        assert.equal(c?.consoleUser, 'alice');
        assert.equal(c?.lastSeen, 9_000);
        assert.equal(c?.lastContact, 9_000);
        const row = await store.fleet.deviceRow(
          { now: 8_000, staleCutoff: 0, staleActiveCutoff: -1 },
          d.serial,
        );
        assert.deepEqual(
          row && [row.model, row.osVersion, row.osBuild, row.hostname, row.appleSilicon, row.agentVersion],
          Object.values(facts),
        );
        assert.deepEqual(
          row && {
            bootstrapEscrowed: row.bootstrapEscrowed,
            bootstrapUsable: row.bootstrapUsable,
            fileVaultOn: row.fileVaultOn,
            mdmUpdate: row.mdmUpdate,
            mdmUpdateReason: row.mdmUpdateReason,
            tokenHolders: row.tokenHolders,
            tokenlessUsers: row.tokenlessUsers,
          },
          reportFacts,
          'the report facts read back as written',
        );
        assert.equal(row?.lastConsoleUser, 'alice');
        assert.equal(row?.status, 'unknown', 'hasUnknown, noncompliant only from 8500');
        await store.devices.setNoncompliantFrom(d.id, 8_000, 8_000);
        assert.equal(
          (await store.fleet.deviceRow({ now: 8_000, staleCutoff: 0, staleActiveCutoff: -1 }, d.serial))
            ?.status,
          'noncompliant',
        );
      });
    });

    test('idsWithOpenFindings: devices with an open finding of the rule, or of any rule', async () => {
      await withStore(backend, async (store) => {
        const [a, b, c] = [await enroll(store, 1), await enroll(store, 2), await enroll(store, 3)];
        const resolved = { resolvedAt: 5, failing: false };
        await store.findings.save(a.id, [found('filevault-off')]);
        await store.findings.save(b.id, [found('stale'), found('filevault-off', resolved)]);
        await store.findings.save(c.id, [found('filevault-off', resolved)]);
        assert.deepEqual(await store.devices.idsWithOpenFindings('filevault-off'), [a.id]);
        assert.deepEqual((await store.devices.idsWithOpenFindings(null)).sort(), [a.id, b.id].sort());
      });
    });

    test('replace removes the devices with their history and findings; the new record has a higher id and no token', async () => {
      await withStore(backend, async (store) => {
        const a = await enroll(store, 1);
        const b = await enroll(store, 2);
        await store.snapshots.addHistory({
          deviceId: a.id,
          snapshotId: 'h-a',
          digest: 'd'.repeat(64),
          collectedAt: 1,
          receivedAt: 1,
          body: new Uint8Array([123, 125]),
          encoding: 'identity',
        });
        await store.findings.save(a.id, [found('filevault-off')]);
        const kept = await store.devices.replace([a.id, b.id], {
          serial: a.serial,
          hardwareUuid: b.hardwareUuid,
          at: 7_000,
        });
        assert.ok(kept.id > Math.max(a.id, b.id));
        assert.equal(kept.tokenHash, null);
        assert.equal(kept.tokenIssuedAt, null);
        assert.equal(kept.enrolledAt, 7_000);
        assert.equal(await store.devices.byId(a.id), null);
        assert.equal(await store.devices.byId(b.id), null);
        assert.equal(await store.devices.byTokenHash(a.tokenHash as string), null);
        assert.equal((await store.devices.bySerial(a.serial))?.id, kept.id);
        assert.equal((await store.devices.byHardwareUuid(b.hardwareUuid))?.id, kept.id);
        assert.deepEqual(await store.snapshots.history(a.id, 10), []);
        assert.deepEqual(await store.findings.open(a.id), []);
        assert.equal(await store.fleet.deviceCount(), 1);
      });
    });
  });
}
