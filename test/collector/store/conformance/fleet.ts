// The fleet queries the read model builds on: devices by serial with filters and pages, one device's row,
// counts per rule. (Status itself: status.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { current, enroll, found, NO_FACTS, withStore } from './backend.ts';
import type {
  DeviceFilter,
  Exemption,
  FindingRecord,
  FleetParams,
  Store,
} from '../../../../collector/store/types.ts';

const T = Date.parse('2026-03-02T12:00:00.000Z');
const D = 86_400_000;
const P: FleetParams = { now: T, staleCutoff: T - 7 * D, staleActiveCutoff: T - 7 * D - 1 };

const finding = (rule: FindingRecord['rule'], resolvedAt: number | null = null, user: string | null = null) =>
  found(rule, { user, firstSeen: T - D, lastSeen: T - D, resolvedAt, failing: resolvedAt === null });

/** Five devices: fresh ones on 14.x and 15.x, one silent for 8 days, one never uploaded. */
async function fleet(store: Store) {
  const os = ['14.7.1', '15.3', '15.3.1', '15.30'];
  for (const [i, v] of os.entries()) {
    const d = await enroll(store, i, T - 2 * D);
    await store.devices.setCurrent(
      d.id,
      current(`s${i}`, T - i * 3_600_000, {
        facts: { ...NO_FACTS, osVersion: v, model: i % 2 ? 'Mac15,3' : 'Mac14,2' },
      }),
    );
  }
  const silent = await enroll(store, 4, T - 8 * D);
  await store.devices.setCurrent(
    silent.id,
    current('s4', T - 8 * D, { facts: { ...NO_FACTS, osVersion: '15.3' } }),
  );
  await enroll(store, 5, T - 3_600_000);
  const ids = async (serial: string) => (await store.devices.bySerial(serial))?.id as number;
  await store.findings.save(await ids('C0200000'), [
    finding('filevault-off'),
    finding('user-without-securetoken', null, 'bob'),
  ]);
  await store.findings.save(await ids('C0200001'), [finding('filevault-off', T - 1)]);
  await store.findings.save(await ids('C0200002'), [
    finding('user-without-securetoken', null, 'alice'),
    finding('user-without-securetoken', null, 'carol'),
  ]);
}

export function fleetConformance(backend: Backend): void {
  describe(`${backend.name} fleet queries`, () => {
    test('listDevices: ordered by serial, each filter, and pages after a serial', async () => {
      await withStore(backend, async (store) => {
        await fleet(store);
        const serials = async (f: DeviceFilter, page: { after?: string; limit: number } = { limit: 100 }) =>
          (await store.fleet.listDevices(P, f, page)).map((r) => r.serial.slice(-1));
        assert.deepEqual(await serials({}), ['0', '1', '2', '3', '4', '5']);
        assert.deepEqual(await serials({}, { limit: 2 }), ['0', '1']);
        assert.deepEqual(await serials({}, { after: 'C0200001', limit: 3 }), ['2', '3', '4']);
        assert.deepEqual(
          await serials({ osVersion: '15.3' }),
          ['1', '2', '4'],
          '15.3 matches 15.3 and 15.3.x, not 15.30',
        );
        assert.deepEqual(await serials({ osVersion: '15' }), ['1', '2', '3', '4']);
        assert.deepEqual(await serials({ osVersion: '14.7.1' }), ['0']);
        assert.deepEqual(await serials({ model: 'Mac15,3' }), ['1', '3']);
        assert.deepEqual(await serials({ seenSince: T - 3_600_000 }), ['0', '1']);
        assert.deepEqual(await serials({ serial: 'C0200003' }), ['3']);
        assert.deepEqual(await serials({ rule: 'filevault-off' }), ['0'], 'open findings only');
        assert.deepEqual(await serials({ rule: 'user-without-securetoken' }), ['0', '2']);
        assert.deepEqual(await serials({ rule: 'stale' }), ['4'], 'stale: silent past the stale age');
        assert.deepEqual(await serials({ rule: 'stale', osVersion: '14' }), []);
      });
    });

    test('deviceRow: the record, its facts and whether an open identity conflict claims it', async () => {
      await withStore(backend, async (store) => {
        await fleet(store);
        const row = await store.fleet.deviceRow(P, 'C0200001');
        const record = await store.devices.bySerial('C0200001');
        assert.ok(row && record);
        assert.deepEqual(
          { ...row, status: undefined, identityConflict: undefined, ...NO_FACTS },
          {
            ...record,
            status: undefined,
            identityConflict: undefined,
            ...NO_FACTS,
            lastConsoleUser: null,
            staleContact: record.lastContact,
          },
        );
        assert.deepEqual([row.osVersion, row.model, row.identityConflict], ['15.3', 'Mac15,3', false]);
        assert.equal(await store.fleet.deviceRow(P, 'C02NONE'), null);
        await store.identityConflicts.open({
          serial: 'C02OTHER',
          hardwareUuid: record.hardwareUuid,
          at: T,
          address: null,
          serialHolderId: null,
          uuidHolderId: record.id,
        });
        assert.equal((await store.fleet.deviceRow(P, 'C0200001'))?.identityConflict, true);
      });
    });

    test('countByRule: devices per rule among open findings, stale counted from the last contact; deviceCount', async () => {
      await withStore(backend, async (store) => {
        await fleet(store);
        const counts = (await store.fleet.countByRule(P)).sort((a, b) => a.rule.localeCompare(b.rule));
        assert.deepEqual(counts, [
          { rule: 'filevault-off', devices: 1, active: 1, pending: 0, exempted: 0 },
          { rule: 'stale', devices: 1, active: 1, pending: 0, exempted: 0 },
          { rule: 'user-without-securetoken', devices: 2, active: 2, pending: 0, exempted: 0 },
        ]);
        assert.equal(await store.fleet.deviceCount(), 6);
        // An expired exemption exempts nothing; one in force moves its devices from active to exempted.
        const exemption = (id: string, over: Partial<Exemption>): Exemption => ({
          id,
          serial: null,
          rule: 'filevault-off',
          user: null,
          reason: id,
          createdBy: 't',
          createdAt: T - D,
          expiresAt: null,
          ...over,
        });
        const fv = async () => (await store.fleet.countByRule(P)).find((r) => r.rule === 'filevault-off');
        await store.exemptions.add(exemption('expired', { expiresAt: T }));
        assert.deepEqual(await fv(), {
          rule: 'filevault-off',
          devices: 1,
          active: 1,
          pending: 0,
          exempted: 0,
        });
        await store.exemptions.add(exemption('bob', { serial: 'C0200000', rule: null, user: 'bob' }));
        assert.deepEqual(await fv(), {
          rule: 'filevault-off',
          devices: 1,
          active: 1,
          pending: 0,
          exempted: 0,
        });
        await store.exemptions.add(exemption('mine', { serial: 'C0200000', expiresAt: T + 1 }));
        assert.deepEqual(await fv(), {
          rule: 'filevault-off',
          devices: 1,
          active: 0,
          pending: 0,
          exempted: 1,
        });
      });
    });

    test('a retired device: its token revoked, out of every count and list unless asked for, its row and findings kept; a new token un-retires it', async () => {
      await withStore(backend, async (store) => {
        await fleet(store);
        const before = await store.devices.bySerial('C0200000');
        const silent = await store.devices.bySerial('C0200004');
        assert.ok(before && silent);
        assert.equal((await store.fleet.countByStatus(P)).noncompliant, 1, 'C0200004 is stale');
        await store.devices.revoke(silent.id, T - 5 * D);
        await store.devices.retire(before.id, { at: T - 60_000, by: 'jane', reason: 'sold' });
        await store.devices.retire(silent.id, { at: T - 30_000, by: 'bob', reason: 'lost' });
        const retired = await store.devices.bySerial('C0200000');
        assert.deepEqual(retired, {
          ...before,
          tokenHash: null,
          revokedAt: T - 60_000,
          retired: { at: T - 60_000, by: 'jane', reason: 'sold' },
        });
        assert.equal(await store.devices.byTokenHash(before.tokenHash as string), null, 'the token is gone');
        assert.equal((await store.devices.bySerial('C0200004'))?.revokedAt, T - 5 * D, 'a revocation stays');
        const serials = async (f: DeviceFilter) =>
          (await store.fleet.listDevices(P, f, { limit: 100 })).map((r) => r.serial.slice(-1));
        assert.deepEqual(await serials({}), ['1', '2', '3', '5']);
        assert.deepEqual(await serials({ retired: 'exclude' }), ['1', '2', '3', '5']);
        assert.deepEqual(await serials({ retired: 'include' }), ['0', '1', '2', '3', '4', '5']);
        assert.deepEqual(await serials({ retired: 'only' }), ['0', '4']);
        assert.deepEqual(await serials({ rule: 'stale' }), [], 'a retired Mac is not stale in the fleet');
        assert.deepEqual(await serials({ rule: 'stale', retired: 'only' }), ['4']);
        assert.deepEqual(await serials({ rule: 'user-without-securetoken' }), ['2']);
        const counts = (await store.fleet.countByRule(P)).sort((a, b) => a.rule.localeCompare(b.rule));
        assert.deepEqual(counts, [
          { rule: 'user-without-securetoken', devices: 1, active: 1, pending: 0, exempted: 0 },
        ]);
        assert.equal(await store.fleet.deviceCount(), 4);
        const byStatus = await store.fleet.countByStatus(P);
        assert.equal(byStatus.compliant + byStatus.noncompliant + byStatus.unknown, 4);
        assert.equal(byStatus.noncompliant, 0, 'the stale Mac is retired');
        const factTotal = (counts: { devices: number }[]) => counts.reduce((a, c) => a + c.devices, 0);
        assert.equal(factTotal(await store.fleet.countFacts()), 4, 'the facts count the fleet only');
        assert.equal(factTotal(await store.fleet.countFactsAt({ ...P, now: T })), 4);
        // As of a past instant, a device is out of the fleet once it was retired, and in it before.
        const at = (t: number): FleetParams => ({ ...P, now: t });
        const countAt = (t: number) => store.fleet.deviceCountAt(at(t));
        const statusTotalAt = async (t: number) =>
          Object.values(await store.fleet.countByStatusAt(at(t))).reduce((a, b) => a + b, 0);
        const listedAt = async (t: number) =>
          (await store.fleet.listDevicesAt(at(t), {}, { limit: 100 })).map((r) => r.serial.slice(-1));
        const now = await countAt(T);
        assert.equal(now, 4, 'as of now, as the fleet queries count');
        assert.equal(await countAt(T - 45_000), now + 1, 'C0200004 was retired after that instant');
        assert.equal(await countAt(T - 90_000), now + 2, 'both were still in the fleet');
        assert.equal(await statusTotalAt(T), now);
        assert.equal(await statusTotalAt(T - 90_000), now + 2);
        assert.ok((await listedAt(T - 45_000)).includes('4'));
        assert.ok(!(await listedAt(T - 45_000)).includes('0'));
        // The record stays readable, with its findings.
        assert.deepEqual((await store.fleet.deviceRow(P, 'C0200000'))?.retired, retired?.retired);
        assert.equal((await store.findings.open(before.id)).length, 2);
        // A new token (the Mac enrolled again) brings it back into the fleet.
        await store.devices.issueToken(before.id, {
          serial: before.serial,
          hardwareUuid: before.hardwareUuid,
          tokenHash: 'f'.repeat(64),
          at: T,
        });
        const back = await store.devices.bySerial('C0200000');
        assert.equal(back?.retired, null);
        assert.equal(back?.revokedAt, null);
        assert.deepEqual(await serials({}), ['0', '1', '2', '3', '5']);
        assert.equal(await store.fleet.deviceCount(), 5);
      });
    });
  });
}
