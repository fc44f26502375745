// A device's status as the fleet queries answer it (deviceRow, listDevices and its status filter,
// countByStatus), and the per-rule counts of active, pending and exempted findings (countByRule), are the
// rules' definition, collector/rules/device-status.ts deviceStatus, over the rules'
// findingState and staleFinding: checked for every combination of the inputs status has (the failing
// findings and their grace windows, the device's and the fleet's exemptions, whether the evaluation left
// something unknown, the last contact, identity conflicts, the stale rule's grace window) at every instant
// the definition can change at (each, the millisecond before and the one after). The expected status is
// computed from the definition alone; the store is written the way the collector writes it (the verdict of
// services/evaluation.ts, exemptions through services/exemptions.ts). A change to the definition fails here
// until every backend's SQL follows. The failing findings by rule and state (findingCounts, the metrics'
// tokenwatch_findings) are checked the same way against findingState and staleFinding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Backend } from './backend.ts';
import { current, found, withStore } from './backend.ts';
import { activeFrom, deviceStatus, findingState, staleFinding } from '../../../../collector/rules/index.ts';
import type { DeviceStatus, Exemption, RuleConfig, RuleId } from '../../../../collector/rules/index.ts';
import type { FindingRecord, RuleCount, Store } from '../../../../collector/store/types.ts';
import { deviceNoncompliantFrom } from '../../../../collector/services/evaluation.ts';
import { addExemption } from '../../../../collector/services/exemptions.ts';
import type { NewExemption } from '../../../../collector/services/exemptions.ts';
import { fleetParams } from '../../../../collector/services/read-model.ts';

const T = Date.parse('2026-03-02T12:00:00.000Z');
const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const STALE_S = 7 * 86_400;
/** The rules the exemption service reconciles incidents with while the cases are set up. */
const SETUP_RULES: RuleConfig = { staleAfterSeconds: STALE_S, graceSeconds: {} };

/** A failing finding of `rule`, first seen at `firstSeen`, pending until `pendingUntil`. */
const failingFinding = (
  rule: RuleId,
  firstSeen: number,
  pendingUntil: number | null,
  over: Partial<FindingRecord> = {},
): FindingRecord => found(rule, { firstSeen, lastSeen: firstSeen, pendingUntil, ...over });

/**
 * The findings of a device last evaluated at `c` (its last contact): none, active, pending, informational,
 * kept open by an unknown, two of them, resolved.
 */
const FINDINGS: ((c: number) => FindingRecord[])[] = [
  () => [],
  (c) => [failingFinding('filevault-off', c - D, null)],
  (c) => [failingFinding('filevault-off', c - H, c + H)],
  (c) => [failingFinding('collection-incomplete', c - D, null)],
  (c) => [failingFinding('filevault-off', c - D, null, { failing: false })],
  (c) => [
    failingFinding('user-without-securetoken', c - D, c + D, { user: 'bob' }),
    failingFinding('filevault-off', c - H, c + 2 * H),
  ],
  (c) => [failingFinding('filevault-off', c - 2 * D, null, { resolvedAt: c - D, failing: false })],
];

/** The device's own exemptions (serial filled in): none, expiring, for good, another user's, stale ones. */
const EXEMPTIONS: Omit<NewExemption, 'serial' | 'reason' | 'createdBy'>[][] = [
  [],
  [{ rule: 'filevault-off', user: null, expiresAt: T + 30 * M }],
  [{ rule: null, user: null, expiresAt: null }],
  [{ rule: 'user-without-securetoken', user: 'alice', expiresAt: null }],
  [{ rule: 'stale', user: null, expiresAt: T + H }],
  [{ rule: 'stale', user: 'bob', expiresAt: null }],
];

/** Last contacts around the stale boundaries (with and without the stale rule's grace window of 1 h). */
const CONTACTS = [T - H, T - STALE_S * 1000, T - STALE_S * 1000 - H, T - 30 * D];

type Conflict = 'none' | 'serial' | 'uuid' | 'resolved';
const CONFLICTS: Conflict[] = ['none', 'serial', 'uuid', 'resolved'];

interface Case {
  serial: string;
  findings: FindingRecord[];
  lastContact: number;
  unknown: boolean;
  conflict: Conflict;
}

/** The status the definition gives a case at `now`, with the exemptions in force (expired ones too). */
function expected(c: Case, now: number, rules: RuleConfig, exemptions: readonly Exemption[]): DeviceStatus {
  const failing: (FindingRecord | NonNullable<ReturnType<typeof staleFinding>>)[] = c.findings.filter(
    (f) => f.resolvedAt === null && f.failing,
  );
  const stale = staleFinding(c.lastContact, now, rules);
  if (stale) failing.push(stale);
  return deviceStatus({
    failing: failing.map((f) => ({ rule: f.rule, state: findingState(f, now, exemptions, c.serial) })),
    unknown: c.unknown,
    identityConflict: c.conflict === 'serial' || c.conflict === 'uuid',
  });
}

/** Failing findings by rule and state as the definition counts them at `now`, as "rule state" -> count. */
function expectedFindingCounts(
  cases: readonly Case[],
  now: number,
  rules: RuleConfig,
  exemptions: readonly Exemption[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cases) {
    const failing: Pick<FindingRecord, 'rule' | 'user' | 'firstSeen' | 'pendingUntil'>[] = c.findings.filter(
      (f) => f.resolvedAt === null && f.failing,
    );
    const stale = staleFinding(c.lastContact, now, rules);
    if (stale) failing.push(stale);
    for (const f of failing) {
      const key = `${f.rule} ${findingState(f, now, exemptions, c.serial)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

type Counts = Omit<RuleCount, 'rule'>;

/**
 * countByRule as the definition gives it: per rule, the devices with an open finding of it, and each by the
 * worst state (active, pending, exempted) of its failing findings of the rule; the stale finding from the
 * last contact.
 */
function expectedByRule(
  cases: readonly Case[],
  now: number,
  rules: RuleConfig,
  exemptions: readonly Exemption[],
): Map<string, Counts> {
  const out = new Map<string, Counts>();
  const rank = { exempted: 0, pending: 1, active: 2 } as const;
  for (const c of cases) {
    const open: { rule: string; failing: boolean; state: keyof typeof rank }[] = c.findings
      .filter((f) => f.resolvedAt === null)
      .map((f) => ({ rule: f.rule, failing: f.failing, state: findingState(f, now, exemptions, c.serial) }));
    const stale = staleFinding(c.lastContact, now, rules);
    if (stale)
      open.push({ rule: 'stale', failing: true, state: findingState(stale, now, exemptions, c.serial) });
    for (const rule of new Set(open.map((f) => f.rule))) {
      const counts = out.get(rule) ?? { devices: 0, active: 0, pending: 0, exempted: 0 };
      counts.devices++;
      const states = open.filter((f) => f.rule === rule && f.failing).map((f) => f.state);
      if (states.length > 0) counts[states.reduce((a, b) => (rank[b] > rank[a] ? b : a))]++;
      out.set(rule, counts);
    }
  }
  return out;
}

/** Every instant the definition can change at for these cases, each with the millisecond before and after. */
function boundaries(cases: readonly Case[], rules: RuleConfig[], exemptions: readonly Exemption[]): number[] {
  const at = new Set<number>([T]);
  for (const c of cases) {
    const mine = exemptions.filter((e) => e.serial === null || e.serial === c.serial);
    for (const f of c.findings) {
      at.add(f.firstSeen);
      if (f.pendingUntil !== null) at.add(f.pendingUntil);
      const from = activeFrom(f, mine, c.serial);
      if (from !== null) at.add(from);
    }
    for (const r of rules) {
      // The stale finding starts the millisecond after the stale age; its grace and exemptions follow.
      const stale = staleFinding(c.lastContact, c.lastContact + r.staleAfterSeconds * 1000 + 1, r);
      if (stale) {
        at.add(stale.firstSeen);
        if (stale.pendingUntil !== null) at.add(stale.pendingUntil);
        const from = activeFrom(stale, mine, c.serial);
        if (from !== null) at.add(from);
      }
    }
  }
  for (const e of exemptions) if (e.expiresAt !== null) at.add(e.expiresAt);
  return [...at].flatMap((t) => [t - 1, t, t + 1]).sort((a, b) => a - b);
}

async function write(store: Store, cases: Case[], own: Map<string, (typeof EXEMPTIONS)[number]>) {
  const setup = new Date(T - 40 * D);
  for (const c of cases) {
    await store.withTransaction(async (tx) => {
      const d = await tx.devices.create({
        serial: c.serial,
        hardwareUuid: `HW-${c.serial}`,
        tokenHash: Buffer.from(c.serial).toString('hex').padEnd(64, '0'),
        at: c.lastContact,
      });
      await tx.findings.save(d.id, c.findings);
      await tx.devices.setCurrent(
        d.id,
        current(`snap-${c.serial}`, c.lastContact, {
          verdict: {
            noncompliantFrom: deviceNoncompliantFrom(c.findings, [], c.serial),
            hasUnknown: c.unknown,
          },
        }),
      );
      for (const e of own.get(c.serial) ?? [])
        await addExemption(
          tx,
          { ...e, serial: c.serial, reason: 'test', createdBy: 'test' },
          setup,
          SETUP_RULES,
        );
      const claim = { at: T - 2 * D, address: null, serialHolderId: null, uuidHolderId: null };
      if (c.conflict === 'serial')
        await tx.identityConflicts.open({
          ...claim,
          serial: c.serial,
          hardwareUuid: `OTHER-${c.serial}`,
          serialHolderId: d.id,
        });
      if (c.conflict === 'uuid' || c.conflict === 'resolved') {
        const o = await tx.identityConflicts.open({
          ...claim,
          serial: `OTHER-${c.serial}`,
          hardwareUuid: d.hardwareUuid,
          uuidHolderId: d.id,
        });
        if (c.conflict === 'resolved')
          await tx.identityConflicts.resolve(o.id, { at: T - D, resolution: 'existing', by: 'test' });
      }
    });
  }
}

/** A case as a person reads it: instants relative to T. */
function explain(c: Case, now: number, rules: RuleConfig, exemptions: readonly Exemption[]): string {
  const rel = (t: number | null) => (t === null ? null : `T${t - T >= 0 ? '+' : ''}${t - T}`);
  return JSON.stringify({
    now: rel(now),
    staleGraceSeconds: rules.graceSeconds.stale ?? 0,
    lastContact: rel(c.lastContact),
    unknown: c.unknown,
    conflict: c.conflict,
    findings: c.findings.map((f) => [
      f.rule,
      f.user,
      rel(f.firstSeen),
      rel(f.pendingUntil),
      f.failing,
      rel(f.resolvedAt),
    ]),
    exemptions: exemptions
      .filter((e) => e.serial === null || e.serial === c.serial)
      .map((e) => [e.serial, e.rule, e.user, e.expiresAt === null ? 'never' : rel(e.expiresAt)]),
  });
}

/** Every "rule state" the checks met with a finding, to show the cases reach each state. */
const statesMet = new Set<string>();

/**
 * Check every case's status at every boundary; the `retired` ones are in no count and no list unless the
 * filter asks for them, and their own row still answers the definition.
 */
async function check(
  store: Store,
  cases: Case[],
  label: string,
  retired: ReadonlySet<string> = new Set(),
): Promise<number> {
  const fleet = cases.filter((c) => !retired.has(c.serial));
  const exemptions = await store.exemptions.list();
  const configs: RuleConfig[] = [
    { staleAfterSeconds: STALE_S, graceSeconds: {} },
    { staleAfterSeconds: STALE_S, graceSeconds: { stale: 3600 } },
  ];
  let checked = 0;
  for (const rules of configs) {
    for (const now of boundaries(cases, configs, exemptions)) {
      const p = fleetParams(new Date(now), rules);
      const rows = new Map(
        (await store.fleet.listDevices(p, {}, { limit: 100_000 })).map((r) => [r.serial, r]),
      );
      const everyRow = new Map(
        (await store.fleet.listDevices(p, { retired: 'include' }, { limit: 100_000 })).map((r) => [
          r.serial,
          r,
        ]),
      );
      const tally: Record<DeviceStatus, number> = { compliant: 0, noncompliant: 0, unknown: 0 };
      for (const c of cases) {
        const got = everyRow.get(c.serial)?.status as DeviceStatus;
        if (!retired.has(c.serial)) tally[got]++;
        // Reads come after writes: a device is read at or after its last contact (its findings are older).
        if (now < c.lastContact) continue;
        const want = expected(c, now, rules, exemptions);
        checked++;
        if (got !== want)
          assert.fail(`${got} instead of ${want}: ${explain(c, now, rules, exemptions)}, ${label}`);
      }
      assert.equal(rows.size, fleet.length);
      assert.ok(
        fleet.every((c) => rows.has(c.serial)),
        'the fleet is listed, and no retired device',
      );
      assert.equal(everyRow.size, cases.length);
      const onlyRetired = await store.fleet.listDevices(p, { retired: 'only' }, { limit: 100_000 });
      assert.deepEqual(
        onlyRetired.map((r) => r.serial).sort(),
        [...retired].sort(),
        'retired: only lists the retired',
      );
      assert.equal(await store.fleet.deviceCount(), fleet.length);
      const byRule = new Map(
        (await store.fleet.countByRule(p)).map(({ rule, ...counts }) => [rule as string, counts]),
      );
      const wantByRule = expectedByRule(fleet, now, rules, exemptions);
      if (!isDeepStrictEqual(byRule, wantByRule))
        assert.deepEqual(
          Object.fromEntries(byRule),
          Object.fromEntries(wantByRule),
          `countByRule, ${label}, now T+${now - T}, stale grace ${rules.graceSeconds.stale ?? 0} s`,
        );
      assert.deepEqual(
        await store.fleet.countByStatus(p),
        tally,
        `countByStatus, ${label}, now T+${now - T}`,
      );
      const counted = Object.fromEntries(
        (await store.fleet.findingCounts(p)).map((r) => [`${r.rule} ${r.state}`, r.findings]),
      );
      const want = expectedFindingCounts(fleet, now, rules, exemptions);
      assert.deepEqual(counted, want, `findingCounts, ${label}, now T+${now - T}`);
      for (const key of Object.keys(want)) statesMet.add(key);
      for (const status of ['compliant', 'noncompliant', 'unknown'] as const) {
        const listed = await store.fleet.listDevices(p, { status }, { limit: 100_000 });
        assert.equal(listed.length, tally[status], `status filter ${status}, ${label}, now T+${now - T}`);
      }
    }
  }
  // One device's row says the same as the list.
  const p = fleetParams(new Date(T), configs[0] as RuleConfig);
  const c = cases[cases.length - 1] as Case;
  assert.equal(
    (await store.fleet.deviceRow(p, c.serial))?.status,
    expected(c, T, configs[0] as RuleConfig, exemptions),
  );
  return checked;
}

export function statusConformance(backend: Backend): void {
  describe(`${backend.name} device status`, () => {
    test('the fleet queries answer rules/device-status.ts at every boundary of every input', async () => {
      await withStore(backend, async (store) => {
        const cases: Case[] = [];
        const own = new Map<string, (typeof EXEMPTIONS)[number]>();
        let n = 0;
        for (const findings of FINDINGS)
          for (const exemptions of EXEMPTIONS)
            for (const lastContact of CONTACTS)
              for (const unknown of [false, true])
                for (const conflict of CONFLICTS) {
                  const serial = `C${String(n++).padStart(5, '0')}`;
                  cases.push({ serial, findings: findings(lastContact), lastContact, unknown, conflict });
                  own.set(serial, exemptions);
                }
        await write(store, cases, own);
        const statuses = new Set(
          cases.map((c) => expected(c, T, { staleAfterSeconds: STALE_S, graceSeconds: {} }, [])),
        );
        assert.equal(statuses.size, 3, 'every status is among the cases');

        let checked = await check(store, cases, 'device exemptions');
        // Fleet-wide exemptions, added as an admin adds them: every device's answer moves with them.
        const setup = new Date(T - 40 * D);
        await store.withTransaction(async (tx) => {
          await addExemption(
            tx,
            {
              serial: null,
              rule: 'filevault-off',
              user: null,
              reason: 't',
              createdBy: 't',
              expiresAt: T + 90 * M,
            },
            setup,
            SETUP_RULES,
          );
          await addExemption(
            tx,
            { serial: null, rule: 'stale', user: null, reason: 't', createdBy: 't', expiresAt: T + D },
            setup,
            SETUP_RULES,
          );
        });
        checked += await check(store, cases, 'plus fleet-wide exemptions');
        // A third of the fleet retired: out of every count and list, each still answering the definition.
        const retired = new Set(cases.filter((_, i) => i % 3 === 1).map((c) => c.serial));
        for (const serial of retired) {
          const d = await store.devices.bySerial(serial);
          if (d) await store.devices.retire(d.id, { at: T - 40 * D, by: 't', reason: 'left' });
        }
        checked += await check(store, cases, 'a third retired', retired);
        assert.ok(checked > 10_000, `${checked} answers checked`);
        for (const rule of ['filevault-off', 'user-without-securetoken', 'stale'])
          for (const state of ['active', 'pending', 'exempted'])
            assert.ok(statesMet.has(`${rule} ${state}`), `${rule} ${state} is among the findings counted`);
      });
    });
  });
}
