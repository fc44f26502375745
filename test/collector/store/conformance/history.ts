// The fleet as of a past instant (the *At fleet queries, findings.openAt) answers what the queries of
// the moment answered then. A fleet lives through a timeline written as the collector writes it
// (enrollments, changed uploads with their findings, verdict and report facts, check-ins, silences past
// the stale age, pending findings turning active with no write, exemptions added through the service,
// identity conflicts opened and resolved, devices enrolled late); at instants along it (every write, the
// millisecond before and after, and every boundary where a status can change with no write) the live
// answers are recorded. Afterwards every recorded instant is asked again of the history: counts by status,
// by rule and by fact, the device list with each filter, each device's status, OS, facts and open findings.
// Retention then cuts the history: instants from the cutoff on still answer the same, and the horizon says
// where the history starts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { current, NO_FACTS, withStore } from './backend.ts';
import type {
  DeviceFacts,
  DeviceFilter,
  FactCount,
  FindingRecord,
  FleetParams,
  Store,
} from '../../../../collector/store/types.ts';
import type { RuleConfig } from '../../../../collector/rules/index.ts';
import { deviceNoncompliantFrom } from '../../../../collector/services/evaluation.ts';
import { addExemption } from '../../../../collector/services/exemptions.ts';
import { fleetParams } from '../../../../collector/services/read-model.ts';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const STALE_S = 7 * 86_400;
const RULES: RuleConfig = { staleAfterSeconds: STALE_S, graceSeconds: { stale: 3600 } };

const fact = (over: Partial<DeviceFacts>): DeviceFacts => ({
  ...NO_FACTS,
  bootstrapEscrowed: true,
  bootstrapUsable: true,
  fileVaultOn: true,
  mdmUpdate: 'yes',
  ...over,
});

interface Upload {
  findings?: FindingRecord[];
  unknown?: boolean;
  facts?: Partial<DeviceFacts>;
}

type Step = { at: number; run(store: Store): Promise<void> };

/** The story of a small fleet; `ids` keeps each serial's device id. */
function timeline(ids: Map<string, number>): Step[] {
  const steps: Step[] = [];
  const at = (t: number, run: Step['run']) => steps.push({ at: t, run });
  const enroll = (serial: string, t: number) =>
    at(t, async (s) => {
      const d = await s.devices.create({
        serial,
        hardwareUuid: `HW-${serial}`,
        tokenHash: Buffer.from(serial).toString('hex').padEnd(64, '0'),
        at: t,
      });
      ids.set(serial, d.id);
    });
  let n = 0;
  const upload = (serial: string, t: number, u: Upload = {}) =>
    at(t, async (s) => {
      const id = ids.get(serial) as number;
      await s.withTransaction(async (tx) => {
        const findings = u.findings ?? [];
        await tx.findings.save(id, findings);
        const open = (await tx.findings.open(id)).filter((f) => f.failing);
        await tx.devices.setCurrent(
          id,
          current(`snap-${serial}-${n++}`, t, {
            consoleUser: 'alice',
            facts: fact({ osVersion: '15.3', ...u.facts }),
            verdict: {
              noncompliantFrom: deviceNoncompliantFrom(
                open,
                await tx.exemptions.applicable(serial, t),
                serial,
              ),
              hasUnknown: u.unknown ?? false,
            },
          }),
        );
      });
    });
  const checkin = (serial: string, t: number) =>
    at(t, (s) => s.devices.touch(ids.get(serial) as number, t, 'alice', null));
  const finding = (rule: FindingRecord['rule'], firstSeen: number, over: Partial<FindingRecord> = {}) => ({
    rule,
    user: null,
    reason: rule,
    firstSeen,
    lastSeen: firstSeen,
    resolvedAt: null,
    pendingUntil: null,
    failing: true,
    ...over,
  });

  // A: compliant, checks in daily, silent 10 days, back; FileVault off for a while, then resolved.
  enroll('A', T0);
  upload('A', T0 + H);
  for (let d = 1; d <= 5; d++) checkin('A', T0 + d * D);
  checkin('A', T0 + 15 * D); // silent from day 5 to 15: stale from day 12 (plus the grace hour)
  upload('A', T0 + 16 * D, {
    findings: [finding('filevault-off', T0 + 16 * D)],
    facts: { fileVaultOn: false, mdmUpdate: 'no', osVersion: '15.4' },
  });
  upload('A', T0 + 20 * D, {
    findings: [finding('filevault-off', T0 + 16 * D, { resolvedAt: T0 + 20 * D, failing: false })],
    facts: { osVersion: '15.4' },
  });
  for (let d = 21; d <= 30; d++) checkin('A', T0 + d * D);
  // B: enrolled, never uploads: unknown, then stale.
  enroll('B', T0 + 2 * H);
  // C: a pending finding that turns active on day 3 with no write; escrow lost on day 6.
  enroll('C', T0 + 3 * H);
  upload('C', T0 + 4 * H, {
    findings: [finding('no-volume-owner', T0 + 4 * H, { pendingUntil: T0 + 3 * D })],
  });
  upload('C', T0 + 6 * D, {
    findings: [
      finding('no-volume-owner', T0 + 4 * H, { pendingUntil: T0 + 3 * D }),
      finding('bootstrap-not-escrowed', T0 + 6 * D),
    ],
    facts: { bootstrapEscrowed: false, bootstrapUsable: false, mdmUpdate: 'no' },
  });
  for (let d = 7; d <= 30; d += 2) checkin('C', T0 + d * D);
  // D: noncompliant, exempted fleet-wide on day 8 until day 11; unknown from day 22.
  enroll('D', T0 + 4 * H);
  upload('D', T0 + 5 * H, { findings: [finding('user-without-securetoken', T0 + 5 * H, { user: 'bob' })] });
  at(T0 + 8 * D, async (s) => {
    await s.withTransaction((tx) =>
      addExemption(
        tx,
        {
          serial: null,
          rule: 'user-without-securetoken',
          user: null,
          reason: 'migration',
          createdBy: 'test',
          expiresAt: T0 + 11 * D,
        },
        new Date(T0 + 8 * D),
        RULES,
      ),
    );
  });
  for (let d = 1; d <= 30; d++) checkin('D', T0 + d * D + 5 * H);
  upload('D', T0 + 22 * D, {
    findings: [finding('user-without-securetoken', T0 + 5 * H, { user: 'bob' })],
    unknown: true,
    facts: { fileVaultOn: null, mdmUpdate: 'unknown' },
  });
  // E: compliant, claimed by an identity conflict from day 9 to day 12.
  enroll('E', T0 + 5 * H);
  upload('E', T0 + 6 * H, { facts: { mdmUpdate: 'not_applicable', osVersion: '14.7.1' } });
  for (let d = 1; d <= 30; d++) checkin('E', T0 + d * D + H);
  at(T0 + 9 * D, async (s) => {
    const c = await s.identityConflicts.open({
      serial: 'E-CLAIM',
      hardwareUuid: 'HW-E',
      at: T0 + 9 * D,
      address: null,
      serialHolderId: null,
      uuidHolderId: ids.get('E') as number,
    });
    ids.set('conflict', c.id);
  });
  at(T0 + 12 * D, (s) =>
    s.identityConflicts.resolve(ids.get('conflict') as number, {
      at: T0 + 12 * D,
      resolution: 'existing',
      by: 'test',
    }),
  );
  // F: enrolled on day 10, silent from day 11; exempted from stale on day 25 (for good).
  enroll('F', T0 + 10 * D);
  upload('F', T0 + 11 * D, { facts: { bootstrapUsable: null } });
  at(T0 + 25 * D, async (s) => {
    await s.withTransaction((tx) =>
      addExemption(
        tx,
        { serial: 'F', rule: 'stale', user: null, reason: 'on leave', createdBy: 'test', expiresAt: null },
        new Date(T0 + 25 * D),
        RULES,
      ),
    );
  });
  return steps.sort((a, b) => a.at - b.at);
}

/** Instants to compare at: each write, the millisecond before and after, and every 6 hours. */
function instants(steps: readonly Step[], end: number): number[] {
  const set = new Set<number>();
  for (const s of steps) for (const d of [-1, 0, 1]) set.add(s.at + d);
  for (let t = T0; t <= end; t += 6 * H) set.add(t);
  // Where a status changes with no write: pending ends, stale begins, grace ends, an exemption expires.
  for (const t of [T0 + 3 * D, T0 + 11 * D, T0 + 12 * D + H, T0 + 18 * D + H]) set.add(t).add(t + 1);
  return [...set].filter((t) => t >= T0 && t <= end).sort((a, b) => a - b);
}

const FILTERS: DeviceFilter[] = [
  {},
  { status: 'compliant' },
  { status: 'noncompliant' },
  { status: 'unknown' },
  { rule: 'stale' },
  { rule: 'filevault-off' },
  { rule: 'user-without-securetoken' },
  { mdmUpdate: 'no' },
  { osVersion: '15' },
  { osVersion: '15.4' },
];

const factKey = (f: Omit<FactCount, 'devices'>) =>
  JSON.stringify([f.bootstrapEscrowed, f.bootstrapUsable, f.fileVaultOn, f.mdmUpdate]);
/** Fact counts as one comparable value (the order of groups is no answer). */
function facts(rows: readonly FactCount[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[factKey(r)] = (out[factKey(r)] ?? 0) + r.devices;
  return Object.fromEntries(Object.entries(out).sort());
}

type Answer = {
  byStatus: unknown;
  byRule: unknown;
  devices: number;
  facts: unknown;
  lists: unknown[];
  findings: unknown;
};

async function answer(store: Store, p: FleetParams, past: boolean): Promise<Answer> {
  const f = store.fleet;
  const list = (filter: DeviceFilter) =>
    (past ? f.listDevicesAt : f.listDevices).call(f, p, filter, { limit: 1000 });
  const all = await list({});
  const ids = all.map((r) => r.id);
  const open = past ? await store.findings.openAt(ids, p.now) : await store.findings.openFor(ids);
  return {
    byStatus: past ? await f.countByStatusAt(p) : await f.countByStatus(p),
    // Devices per rule: the past counts devices only (a finding's grace and exemption state then is not kept).
    byRule: (past ? await f.countByRuleAt(p) : await f.countByRule(p))
      .map(({ rule, devices }) => ({ rule, devices }))
      .sort((a, b) => a.rule.localeCompare(b.rule)),
    devices: past ? await f.deviceCountAt(p) : await f.deviceCount(),
    facts: facts(past ? await f.countFactsAt(p) : await f.countFacts()),
    lists: await Promise.all(
      FILTERS.map(async (filter) =>
        (await list(filter)).map((r) => [
          r.serial,
          r.status,
          r.osVersion,
          r.bootstrapEscrowed,
          r.bootstrapUsable,
          r.fileVaultOn,
          r.mdmUpdate,
          r.identityConflict,
          r.staleContact !== null && r.staleContact < p.staleCutoff,
        ]),
      ),
    ),
    findings: all.map((r) =>
      (open.get(r.id) ?? []).map((x) => [r.serial, x.rule, x.user, x.firstSeen, x.pendingUntil]),
    ),
  };
}

export function historyConformance(backend: Backend): void {
  describe(`${backend.name} the fleet's past`, () => {
    test('as of any instant, the history answers what the fleet queries answered then', async () => {
      await withStore(
        backend,
        async (store) => {
          const ids = new Map<string, number>();
          const steps = timeline(ids);
          const end = T0 + 31 * D;
          const at = instants(steps, end);
          const recorded = new Map<number, Answer>();
          let i = 0;
          for (const t of at) {
            while (i < steps.length && (steps[i] as Step).at <= t) await (steps[i++] as Step).run(store);
            recorded.set(t, await answer(store, fleetParams(new Date(t), RULES), false));
          }
          assert.equal(await store.fleet.historyKeptSince(), null, 'nothing pruned: all of it');
          const seen = new Set<string>();
          for (const t of at) {
            const live = recorded.get(t) as Answer;
            const past = await answer(store, fleetParams(new Date(t), RULES), true);
            assert.deepEqual(past, live, `as of T0+${(t - T0) / H} h`);
            seen.add(JSON.stringify(live.byStatus));
          }
          assert.ok(seen.size >= 8, `the timeline moves the counts (${seen.size} distinct)`);

          // Retention cuts the history: from the cutoff on, the answers stay; the horizon says where.
          const cutoff = T0 + 14 * D;
          await store.prune({ historyBefore: cutoff, receiptsBefore: 0, auditBefore: 0 });
          assert.equal(await store.fleet.historyKeptSince(), cutoff);
          for (const t of at.filter((x) => x >= cutoff)) {
            const past = await answer(store, fleetParams(new Date(t), RULES), true);
            assert.deepEqual(past, recorded.get(t), `after pruning, as of T0+${(t - T0) / H} h`);
          }
        },
        { silenceOverMs: STALE_S * 1000 },
      );
    });

    test('a silence is recorded only past the threshold the store was opened with, for any contact', async () => {
      await withStore(
        backend,
        async (store) => {
          const d = await store.devices.create({
            serial: 'S1',
            hardwareUuid: 'HW-S1',
            tokenHash: 'a'.repeat(64),
            at: T0,
          });
          const p = (t: number) => fleetParams(new Date(t), RULES);
          // Check-ins 7 days apart (not past the stale age), then a 9-day silence ended by an upload.
          await store.devices.touch(d.id, T0 + 7 * D, null, null);
          await store.devices.setCurrent(d.id, current('s', T0 + 16 * D, { facts: fact({}) }));
          const stale = async (t: number) =>
            (await store.fleet.listDevicesAt(p(t), { rule: 'stale' }, { limit: 10 })).length === 1;
          assert.equal(await stale(T0 + 7 * D - 1), false, 'day 7: silent exactly 7 days, not past it');
          assert.equal(await stale(T0 + 15 * D), true, 'day 15: silent since day 7');
          assert.equal(await stale(T0 + 16 * D), false, 'the upload ended the silence');
        },
        { silenceOverMs: STALE_S * 1000 },
      );
    });

    test('an exemption change writes the state history only when the noncompliant instant moves', async () => {
      await withStore(backend, async (store) => {
        const d = await store.devices.create({
          serial: 'X1',
          hardwareUuid: 'HW-X1',
          tokenHash: 'b'.repeat(64),
          at: T0,
        });
        const v = (noncompliantFrom: number | null) => ({ noncompliantFrom, hasUnknown: false });
        await store.devices.setCurrent(d.id, current('x', T0, { verdict: v(T0), facts: fact({}) }));
        await store.devices.setNoncompliantFrom(d.id, T0, T0 + D);
        await store.devices.setNoncompliantFrom(d.id, null, T0 + 2 * D);
        await store.devices.setNoncompliantFrom(d.id, T0 + 5 * D, T0 + 3 * D);
        const status = async (t: number) =>
          (await store.fleet.listDevicesAt(fleetParams(new Date(t), RULES), {}, { limit: 1 }))[0]?.status;
        assert.equal(await status(T0 + D + H), 'noncompliant', 'the same instant again changed nothing');
        assert.equal(await status(T0 + 2 * D), 'compliant', 'exempted from day 2');
        assert.equal(await status(T0 + 4 * D), 'compliant', 'day 3 moved it to day 5');
        assert.equal(await status(T0 + 5 * D), 'noncompliant');
      });
    });

    test('report facts filled in later join the current state; devices without them are listed by id', async () => {
      await withStore(backend, async (store) => {
        const a = await store.devices.create({
          serial: 'F1',
          hardwareUuid: 'HW-F1',
          tokenHash: 'c'.repeat(64),
          at: T0,
        });
        const b = await store.devices.create({
          serial: 'F2',
          hardwareUuid: 'HW-F2',
          tokenHash: 'd'.repeat(64),
          at: T0,
        });
        await store.devices.create({
          serial: 'F3',
          hardwareUuid: 'HW-F3',
          tokenHash: 'e'.repeat(64),
          at: T0,
        });
        await store.devices.setCurrent(a.id, current('fa', T0 + H, { facts: NO_FACTS, factsVersion: 1 }));
        await store.devices.setCurrent(b.id, current('fb', T0 + H, { facts: fact({}), factsVersion: 2 }));
        assert.deepEqual(await store.fleet.withoutReportFacts(2, 0, 10), [{ id: a.id, snapshotId: 'fa' }]);
        assert.deepEqual(await store.fleet.withoutReportFacts(2, a.id, 10), [], 'paged after an id');
        await store.devices.setReportFacts(a.id, 'stale-snapshot', fact({ fileVaultOn: false }), 2);
        assert.equal(
          (await store.fleet.deviceRow(fleetParams(new Date(T0 + H), RULES), 'F1'))?.fileVaultOn,
          null,
          'facts of another snapshot than the current one are not written',
        );
        await store.devices.setReportFacts(a.id, 'fa', fact({ fileVaultOn: false }), 2);
        assert.deepEqual(await store.fleet.withoutReportFacts(2, 0, 10), []);
        const p = fleetParams(new Date(T0 + 2 * H), RULES);
        const key = (f: DeviceFacts) => factKey({ ...f, mdmUpdate: f.mdmUpdate });
        const live = facts(await store.fleet.countFacts());
        assert.deepEqual(live, {
          [key(fact({ fileVaultOn: false }))]: 1,
          [key(fact({}))]: 1,
          [key(NO_FACTS)]: 1,
        });
        assert.deepEqual(facts(await store.fleet.countFactsAt(p)), live, 'the current state entry took them');
      });
    });
  });
}
