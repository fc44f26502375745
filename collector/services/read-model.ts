// The read model: the read-only queries the admin API and reports use, answering the shapes declared in
// views.ts (where instants become ISO 8601 text). Status and finding states are the rules' (device-status.ts,
// finding-state.ts) for `now`, from stored instants, so they are right before any job runs.
// No stored value can make a read fail: a value an agent sent (instants, bodies) or a row an older version
// wrote is checked as it is read; what cannot be shown is null, and the device page lists it in `problems`.
// It reads from any ReadSource: the store, or a unit of work's repos (a write and its answer in one unit).
// The fleet as of a past instant (summary, device list, trend) is read from the store's history with the
// same definitions at that instant (fleet-history.ts says what the history can answer).
import {
  exemptionFor,
  exemptionInForce,
  findingState,
  ruleById,
  RULES,
  staleFinding,
} from '../rules/index.ts';
import type { RuleConfig, Exemption } from '../rules/index.ts';
import type {
  DeviceFilter,
  DeviceRow,
  EnrollmentEvent,
  FindingRecord,
  FleetParams,
  HistoryEntry,
  Millis,
  Repos,
} from '../store/types.ts';
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { exemptionProblem, usableExemptions } from './evaluation.ts';
import type {
  DeviceDetail,
  DevicePage,
  DeviceView,
  EnrollmentPage,
  ExemptionView,
  FindingView,
  IdentityConflictPage,
  RuleView,
  Summary,
  Trend,
} from './views.ts';
import { BodyError, changedSections, decodeBody } from './snapshot-body.ts';
import { iso, storedInstant } from './instants.ts';
import { clockSkewSeconds } from './ordering.ts';
import { Refusal } from './errors.ts';
import { conflictView } from './identity-conflicts.ts';
import { unlockMatrix, unlockView } from './unlock.ts';
import { checkAsOf, summaryOf, trendDays } from './fleet-history.ts';

export type ReadSource = Pick<
  Repos,
  'snapshots' | 'findings' | 'exemptions' | 'enrollments' | 'identityConflicts' | 'fleet'
>;

export interface ReadModel {
  /** The device list now, or as of a past instant (`asOf`). */
  listDevices(
    filter: DeviceFilter,
    page: { cursor?: string; limit: number },
    now: Date,
    asOf?: Date,
  ): Promise<DevicePage>;
  device(serial: string, now: Date): Promise<DeviceDetail | null>;
  /** The fleet's counts now, or as of a past instant (`asOf`). */
  summary(now: Date, asOf?: Date): Promise<Summary>;
  /** The fleet at the end of each UTC day from `from` to `to` (today: now) that the history answers for. */
  trend(range: { from: Date; to: Date }, now: Date): Promise<Trend>;
  /** The enrollment audit, newest first; nextBefore pages on. */
  enrollments(opts: { serial?: string; before?: number; limit: number }): Promise<EnrollmentPage>;
  /** Identity conflicts, newest first; nextBefore pages on. */
  identityConflicts(opts: {
    state?: 'open' | 'resolved';
    serial?: string;
    before?: number;
    limit: number;
  }): Promise<IdentityConflictPage>;
  /** Every exemption (or a device's and the fleet-wide ones), expired ones too. */
  exemptions(now: Date, serial?: string): Promise<ExemptionView[]>;
  exemption(id: string, now: Date): Promise<ExemptionView | null>;
  rules(): RuleView[];
}

/** An exemption as the API shows it: any stored row (an unreadable expiry is a problem, never active). */
export function exemptionView(e: Exemption, now: Date): ExemptionView {
  const problem = exemptionProblem(e);
  return {
    id: e.id,
    serial: e.serial,
    rule: e.rule,
    user: e.user,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: iso(e.createdAt),
    expiresAt: storedInstant(e.expiresAt),
    active: problem === null && exemptionInForce(e, now.getTime()),
    problem,
  };
}

const enrollmentView = (e: EnrollmentEvent) => ({ ...e, at: iso(e.at), lastAt: iso(e.lastAt) });

/** A page's next cursor by id: the last id of a full page (there may be more), or null. */
const nextBefore = (rows: readonly { id: number }[], limit: number): number | null =>
  rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null;

const HISTORY_SHOWN = 50;

export const encodeCursor = (serial: string): string => Buffer.from(serial, 'utf8').toString('base64url');
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor))
    throw new Refusal('invalid_cursor', 'the cursor is not one this API returned');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function fleetParams(now: Date, rules: RuleConfig): FleetParams {
  const t = now.getTime();
  const grace = (rules.graceSeconds.stale ?? 0) * 1000;
  const staleCutoff = t - rules.staleAfterSeconds * 1000;
  return { now: t, staleCutoff, staleActiveCutoff: grace > 0 ? staleCutoff - grace : staleCutoff - 1 };
}

/** A stored value for a problem line: short, whatever its type. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return String(v);
}

export function createReadModel(store: ReadSource, rules: RuleConfig): ReadModel {
  /** A finding of a rule this version does not know (a newer or retired rule) is not shown. */
  const known = (f: FindingRecord): boolean => ruleById(f.rule) !== undefined;
  const view = (
    f: FindingRecord,
    now: number,
    exemptions: readonly Exemption[],
    serial: string,
  ): FindingView => {
    const rule = ruleById(f.rule);
    const state = findingState(f, now, exemptions, serial);
    // A resolved finding was exempted or not while it was open: only an open one names its exemption.
    const by =
      state === 'exempted' && f.resolvedAt === null ? exemptionFor(f, now, exemptions, serial) : null;
    return {
      rule: f.rule,
      title: rule.title,
      severity: rule.severity,
      user: f.user,
      state,
      reason: f.reason,
      firstSeen: iso(f.firstSeen),
      lastSeen: iso(f.lastSeen),
      pendingUntil: iso(f.pendingUntil),
      exemption:
        by === null
          ? null
          : { id: by.id, reason: by.reason, createdBy: by.createdBy, expiresAt: storedInstant(by.expiresAt) },
    };
  };

  /**
   * A device row as the API shows it, with its failing findings. `failing` says which of `open` count (now:
   * those that failed at the latest evaluation; as of a past instant: every one open then).
   */
  const toView = (
    d: DeviceRow,
    open: FindingRecord[],
    p: FleetParams,
    exemptions: readonly Exemption[],
    failingOnly = true,
  ): DeviceView => {
    const failing = open.filter((f) => (f.failing || !failingOnly) && known(f));
    // The stale finding is computed from the last contact, never stored.
    const stale = d.staleContact === null ? null : staleFinding(d.staleContact, p.now, rules);
    if (stale) failing.push({ ...stale, failing: true });
    return {
      serial: d.serial,
      hardwareUuid: d.hardwareUuid,
      status: d.status,
      lastSeen: iso(d.lastSeen),
      enrolledAt: iso(d.enrolledAt),
      revokedAt: iso(d.revokedAt),
      collectedAt: storedInstant(d.collectedAt),
      clockSkewSeconds: typeof d.clockSkewSeconds === 'number' ? d.clockSkewSeconds : null,
      digest: d.digest,
      model: d.model,
      osVersion: d.osVersion,
      osBuild: d.osBuild,
      hostname: d.hostname,
      appleSilicon: d.appleSilicon,
      agentVersion: d.agentVersion,
      consoleUser: d.consoleUser,
      bootstrapEscrowed: d.bootstrapEscrowed,
      bootstrapUsable: d.bootstrapUsable,
      fileVaultOn: d.fileVaultOn,
      mdmUpdate: d.mdmUpdate === null ? null : { verdict: d.mdmUpdate, reason: d.mdmUpdateReason },
      unlock: unlockView(d.consoleUser, d.lastConsoleUser, d.tokenHolders, d.tokenlessUsers),
      identityConflict: d.identityConflict,
      retired:
        d.retired === null ? null : { at: iso(d.retired.at), by: d.retired.by, reason: d.retired.reason },
      findings: failing.map((f) => view(f, p.now, exemptions, d.serial)),
    };
  };

  /** Every exemption (or a device's and the fleet-wide ones), expired ones too: a finding's state reads their expiry. */
  const exemptionsFor = async (serial?: string) => usableExemptions(await store.exemptions.list(serial));

  /** Every exemption as it stood at `at` (created by then; removed ones are not kept). */
  const exemptionsAt = async (at: Millis) => (await exemptionsFor()).filter((e) => e.createdAt <= at);

  return {
    async listDevices(filter, page, now, asOf) {
      const at = asOf === undefined ? null : await checkAsOf(store.fleet, asOf, now);
      const p = fleetParams(at === null ? now : new Date(at), rules);
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const pageOf = { ...(after !== undefined ? { after } : {}), limit: page.limit + 1 };
      const rows =
        at === null
          ? await store.fleet.listDevices(p, filter, pageOf)
          : await store.fleet.listDevicesAt(p, filter, pageOf);
      const more = rows.length > page.limit;
      const pageRows = more ? rows.slice(0, page.limit) : rows;
      const ids = pageRows.map((r) => r.id);
      const open = at === null ? await store.findings.openFor(ids) : await store.findings.openAt(ids, p.now);
      const exemptions = at === null ? await exemptionsFor() : await exemptionsAt(p.now);
      return {
        devices: pageRows.map((r) => toView(r, open.get(r.id) ?? [], p, exemptions, at === null)),
        nextCursor:
          more && pageRows.length > 0
            ? encodeCursor((pageRows[pageRows.length - 1] as DeviceRow).serial)
            : null,
      };
    },

    async device(serial, now) {
      const p = fleetParams(now, rules);
      const d = await store.fleet.deviceRow(p, serial);
      if (!d) return null;
      const problems: string[] = [];
      if (d.collectedAt !== null && storedInstant(d.collectedAt) === null)
        problems.push(`collectedAt: the stored value ${shown(d.collectedAt)} is no instant`);
      /** A stored body, or null when it cannot be read (a problem, when `what` names a shown one). */
      const body = (what: string | null, stored: { body: unknown; encoding: unknown }) => {
        try {
          return decodeBody(stored.body, stored.encoding);
        } catch (e) {
          if (!(e instanceof BodyError)) throw e;
          if (what !== null) problems.push(`${what}: ${e.message}`);
          return null;
        }
      };
      const exemptions = await exemptionsFor(serial);
      const open = await store.findings.open(d.id);
      const resolved = await store.findings.recentlyResolved(d.id, 100);
      for (const f of [...open, ...resolved].filter((x) => !known(x)))
        problems.push(`findings: rule "${f.rule}" is not one this collector knows; its finding is not shown`);
      // One more than shown, so the oldest shown entry has something to diff against.
      const history: HistoryEntry[] = await store.snapshots.history(d.id, HISTORY_SHOWN + 1);
      // The extra, oldest entry is read only to diff against: it is not shown, nor its problems.
      const bodies = history.map((h, i) => body(i < HISTORY_SHOWN ? `history ${h.snapshotId}` : null, h));
      const current = await store.snapshots.currentBody(d.id);
      const snapshot = current ? body('snapshot', current) : null;
      const deviceView = toView(d, open, p, exemptions);
      let matrix = null;
      if (snapshot !== null) {
        const misfits = checkSnapshot(snapshot);
        if (misfits.length === 0)
          matrix = unlockMatrix(snapshot as unknown as Snapshot, deviceView.unlock.person);
        else
          problems.push(
            `snapshot: not a tokenwatch.snapshot/1 (${misfits[0]?.path} ${misfits[0]?.message}): who can unlock the Mac is not shown`,
          );
      }
      return {
        ...deviceView,
        snapshot,
        unlockMatrix: matrix,
        problems,
        unconfirmedFindings: open
          .filter((f) => !f.failing && known(f))
          .map((f) => view(f, p.now, exemptions, serial)),
        resolvedFindings: resolved.filter(known).map((f) => ({
          ...view(f, p.now, exemptions, serial),
          resolvedAt: iso(f.resolvedAt) as string,
        })),
        history: history.slice(0, HISTORY_SHOWN).map((h, i) => {
          const collectedAt = storedInstant(h.collectedAt);
          if (collectedAt === null)
            problems.push(`history ${h.snapshotId}: collectedAt ${shown(h.collectedAt)} is no instant`);
          const after = bodies[i] ?? null;
          const before = bodies[i + 1] ?? null;
          return {
            snapshotId: h.snapshotId,
            digest: h.digest,
            collectedAt,
            receivedAt: iso(h.receivedAt),
            clockSkewSeconds: collectedAt === null ? null : clockSkewSeconds(h.collectedAt, h.receivedAt),
            changes: after === null ? [] : changedSections(before, after),
          };
        }),
      };
    },

    async summary(now, asOf) {
      const at = asOf === undefined ? null : await checkAsOf(store.fleet, asOf, now);
      const p = fleetParams(at === null ? now : new Date(at), rules);
      const f = store.fleet;
      // One after the other: outside a unit of work each is its own, and none waits for the others.
      const counts =
        at === null
          ? {
              byStatus: await f.countByStatus(p),
              byRule: await f.countByRule(p),
              devices: await f.deviceCount(),
              facts: await f.countFacts(),
            }
          : {
              byStatus: await f.countByStatusAt(p),
              byRule: await f.countByRuleAt(p),
              devices: await f.deviceCountAt(p),
              facts: await f.countFactsAt(p),
            };
      return summaryOf({ generatedAt: now, asOf: at, ...counts });
    },

    async trend(range, now) {
      const keptSince = await store.fleet.historyKeptSince();
      const days = [];
      for (const day of trendDays(range, now, keptSince)) {
        const p = fleetParams(new Date(day.at), rules);
        const devices = await store.fleet.deviceCountAt(p);
        const byStatus = await store.fleet.countByStatusAt(p);
        const facts = await store.fleet.countFactsAt(p);
        const s = summaryOf({ generatedAt: now, asOf: day.at, devices, byStatus, byRule: [], facts });
        days.push({
          day: day.day,
          at: iso(day.at),
          devices,
          byStatus,
          compliantPercent: s.devices === 0 ? null : Math.round((byStatus.compliant / s.devices) * 1000) / 10,
          bootstrapEscrowedPercent: s.bootstrapEscrowed.percent,
          bootstrapUsablePercent: s.bootstrapUsable.percent,
          fileVaultOnPercent: s.fileVaultOn.percent,
        });
      }
      return { keptSince: iso(keptSince), days };
    },

    async enrollments(opts) {
      const rows = await store.enrollments.list(opts);
      return { enrollments: rows.map(enrollmentView), nextBefore: nextBefore(rows, opts.limit) };
    },
    async identityConflicts(opts) {
      const rows = await store.identityConflicts.list(opts);
      return { conflicts: rows.map(conflictView), nextBefore: nextBefore(rows, opts.limit) };
    },
    exemptions: async (now, serial) =>
      (await store.exemptions.list(serial)).map((e) => exemptionView(e, now)),
    async exemption(id, now) {
      const e = await store.exemptions.get(id);
      return e === null ? null : exemptionView(e, now);
    },
    rules: () =>
      RULES.map((r) => ({
        id: r.id,
        title: r.title,
        severity: r.severity,
        informational: r.informational,
        remediation: r.remediation,
      })),
  };
}
