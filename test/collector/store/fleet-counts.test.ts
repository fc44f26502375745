// GET /api/v1/summary's devices-by-status counts come from countByStatus, which takes the status
// definition apart along the partial indexes instead of evaluating STATUS_SQL on every row. It must give
// exactly the per-row statuses (what the device list shows, from STATUS_SQL), at boundaries of every
// time-driven input: noncompliant_from (pending -> active), last_contact (stale, with and without a stale
// grace window), stale exemptions (device and fleet-wide, expiring, user-scoped or for another rule) and
// identity conflicts (open by serial or by hardware UUID, resolved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';
import { fleetParams } from '../../../collector/services/read-model.ts';
import type { DeviceStatus, FleetParams, Store } from '../../../collector/store/types.ts';
import type { RuleConfig } from '../../../collector/rules/index.ts';

const T = Date.parse('2026-03-02T12:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const STALE_S = 7 * 86_400;

async function perRow(store: Store, p: FleetParams): Promise<Record<DeviceStatus, number>> {
  const out: Record<DeviceStatus, number> = { compliant: 0, noncompliant: 0, unknown: 0 };
  let after: string | undefined;
  for (;;) {
    const rows = await store.fleet.listDevices(
      p,
      {},
      { ...(after !== undefined ? { after } : {}), limit: 97 },
    );
    for (const r of rows) out[r.status]++;
    if (rows.length < 97) return out;
    after = rows[rows.length - 1]?.serial;
  }
}

test('countByStatus equals the per-row status (STATUS_SQL) at every time-driven boundary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-counts-'));
  const store = openSqliteStore(join(dir, 's.db'));
  try {
    const contacts = [
      T - H,
      T - STALE_S * 1000,
      T - STALE_S * 1000 - 1,
      T - STALE_S * 1000 - H,
      T - 8 * D,
      T - 30 * D,
    ];
    const failingFrom = [null, T - D, T - 1, T, T + 1, T + H, T + 2 * D];
    let i = 0;
    for (const contact of contacts) {
      for (const from of failingFrom) {
        for (const unknown of [false, true]) {
          for (const snapshot of [false, true]) {
            const serial = `C${String(i++).padStart(4, '0')}`;
            const d = await store.devices.create({
              serial,
              hardwareUuid: `HW-${serial}`,
              tokenHash: serial.padEnd(64, '0'),
              at: contact,
            });
            if (snapshot) {
              await store.devices.setCurrent(d.id, {
                snapshotId: `snap-${serial}`,
                digest: 'd'.repeat(64),
                collectedAt: contact,
                orderedAt: contact,
                clockSkewSeconds: null,
                seenAt: contact,
                consoleUser: null,
                facts: {
                  model: 'Mac15,3',
                  osVersion: '15.3',
                  osBuild: '24D70',
                  hostname: serial,
                  appleSilicon: true,
                  agentVersion: '0.1.0',
                },
                verdict: { noncompliantFrom: from, hasUnknown: unknown },
              });
            } else if (from !== null) {
              await store.devices.setNoncompliantFrom(d.id, from);
            }
          }
        }
      }
    }
    // Stale exemptions for some devices: active, expiring at T, expired, for one user only, for another rule.
    const exempt = async (
      id: string,
      serial: string | null,
      rule: 'stale' | 'filevault-off' | null,
      user: string | null,
      expiresAt: number | null,
    ) =>
      store.exemptions.add({
        id,
        serial,
        rule,
        user,
        reason: 'test',
        createdBy: 'test',
        createdAt: T - 10 * D,
        expiresAt,
      });
    const serials = (
      await store.fleet.listDevices(
        fleetParams(new Date(T), { staleAfterSeconds: STALE_S, graceSeconds: {} }),
        {},
        { limit: 10_000 },
      )
    ).map((r) => r.serial);
    assert.equal(serials.length, i);
    for (const [k, serial] of serials.entries()) {
      if (k % 7 === 1) await exempt(`e${k}`, serial, 'stale', null, null);
      if (k % 7 === 2) await exempt(`e${k}`, serial, null, null, T);
      if (k % 7 === 3) await exempt(`e${k}`, serial, 'stale', null, T - D);
      if (k % 7 === 4) await exempt(`e${k}`, serial, 'stale', 'alice', null);
      if (k % 7 === 5) await exempt(`e${k}`, serial, 'filevault-off', null, null);
    }

    const check = async (label: string) => {
      for (const graceS of [0, 3600]) {
        const rules: RuleConfig = {
          staleAfterSeconds: STALE_S,
          graceSeconds: graceS ? { stale: graceS } : {},
        };
        for (const at of [T - 2 * D, T - 1, T, T + 1, T + H, T + D + 1, T + 3 * D, T + 40 * D]) {
          const p = fleetParams(new Date(at), rules);
          const expected = await perRow(store, p);
          assert.deepEqual(
            await store.fleet.countByStatus(p),
            expected,
            `${label}, grace ${graceS} s, now ${new Date(at).toISOString()}`,
          );
          assert.equal(expected.compliant + expected.noncompliant + expected.unknown, i);
        }
      }
    };
    await check('device exemptions');
    const counts = await store.fleet.countByStatus(
      fleetParams(new Date(T), { staleAfterSeconds: STALE_S, graceSeconds: {} }),
    );
    assert.ok(counts.compliant > 0 && counts.noncompliant > 0 && counts.unknown > 0, JSON.stringify(counts));
    // A fleet-wide stale exemption that expires one day after T.
    await exempt('all-stale', null, 'stale', null, T + D);
    await check('plus a fleet-wide stale exemption');
    // Identity conflicts claim some devices' serials or hardware UUIDs: an open one makes its devices
    // unknown unless they are noncompliant; a resolved one does not count.
    const p0 = fleetParams(new Date(T), { staleAfterSeconds: STALE_S, graceSeconds: {} });
    const before = await store.fleet.countByStatus(p0);
    const rows = await store.fleet.listDevices(p0, {}, { limit: 10_000 });
    for (const [k, r] of rows.entries()) {
      const claim = { at: T, address: null, serialHolderId: null, uuidHolderId: null };
      if (k % 5 === 0)
        await store.identityConflicts.open({
          ...claim,
          serial: r.serial,
          hardwareUuid: `FAKE-${k}`,
          serialHolderId: r.id,
        });
      if (k % 5 === 1)
        await store.identityConflicts.open({
          ...claim,
          serial: `OTHER-${k}`,
          hardwareUuid: r.hardwareUuid,
          uuidHolderId: r.id,
        });
      if (k % 5 === 2) {
        const c = await store.identityConflicts.open({
          ...claim,
          serial: r.serial,
          hardwareUuid: `GONE-${k}`,
        });
        await store.identityConflicts.resolve(c.id, { at: T, resolution: 'existing', by: 'test' });
      }
    }
    const after = await store.fleet.countByStatus(p0);
    assert.ok(after.unknown > before.unknown && after.compliant < before.compliant, JSON.stringify(after));
    assert.equal(after.noncompliant, before.noncompliant);
    await check('plus identity conflicts');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
