// The read model: the read-only queries the admin API and reports use. Status and finding states are
// computed for `now` from stored instants (see evaluation.ts), so they are right before any job runs.
import { ruleById, staleAt, pendingUntil } from './rules/index.ts';
import type { FindingState, RuleConfig, RuleId, Severity, Exemption } from './rules/index.ts';
import type {
  DeviceFacts,
  DeviceFilter,
  DeviceRow,
  DeviceStatus,
  EnrollmentEvent,
  ExemptionRecord,
  FindingRecord,
  FleetParams,
  HistoryEntry,
  Store,
} from './store/types.ts';
import { storedFindingState, toRuleExemption } from './evaluation.ts';
import { changedSections, decodeBody } from './snapshot-body.ts';
import { iso, millis } from './instants.ts';

export interface FindingView {
  rule: RuleId;
  title: string;
  severity: Severity;
  user: string | null;
  state: FindingState;
  reason: string;
  firstSeen: string;
  lastSeen: string;
  pendingUntil: string | null;
}

export interface DeviceView extends DeviceFacts {
  serial: string;
  hardwareUuid: string;
  status: DeviceStatus;
  lastSeen: string | null;
  enrolledAt: string;
  revokedAt: string | null;
  collectedAt: string | null;
  digest: string | null;
  consoleUser: string | null;
  /** An open identity conflict claims this device's serial or hardware UUID (GET /api/v1/identity-conflicts?serial=). */
  identityConflict: boolean;
  findings: FindingView[];
}

export interface DeviceDetail extends DeviceView {
  /** The current snapshot as accepted (unknown extra fields included), or null before the first upload. */
  snapshot: Record<string, unknown> | null;
  /** Open findings whose rule now answers unknown (kept open: unknown is not pass). */
  unconfirmedFindings: FindingView[];
  resolvedFindings: (FindingView & { resolvedAt: string })[];
  history: {
    snapshotId: string;
    digest: string;
    collectedAt: string;
    receivedAt: string;
    changes: string[];
  }[];
}

export interface Summary {
  generatedAt: string;
  devices: number;
  byStatus: Record<DeviceStatus, number>;
  byRule: { rule: RuleId; title: string; severity: Severity; devices: number }[];
}

export interface DevicePage {
  devices: DeviceView[];
  nextCursor: string | null;
}

export interface ReadModel {
  listDevices(filter: DeviceFilter, page: { cursor?: string; limit: number }, now: Date): Promise<DevicePage>;
  device(serial: string, now: Date): Promise<DeviceDetail | null>;
  summary(now: Date): Promise<Summary>;
  enrollments(opts: { serial?: string; before?: number; limit: number }): Promise<EnrollmentEvent[]>;
  exemptions(serial?: string): Promise<ExemptionRecord[]>;
}

export class CursorError extends Error {
  override name = 'CursorError';
}

const HISTORY_SHOWN = 50;

export const encodeCursor = (serial: string): string => Buffer.from(serial, 'utf8').toString('base64url');
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor))
    throw new CursorError('the cursor is not one this API returned');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function fleetParams(now: Date, rules: RuleConfig): FleetParams {
  const t = now.getTime();
  const grace = (rules.graceSeconds.stale ?? 0) * 1000;
  const staleCutoff = t - rules.staleAfterSeconds * 1000;
  return { now: t, staleCutoff, staleActiveCutoff: grace > 0 ? staleCutoff - grace : staleCutoff - 1 };
}

export function createReadModel(store: Store, rules: RuleConfig): ReadModel {
  const view = (
    f: FindingRecord,
    now: number,
    exemptions: readonly Exemption[],
    serial: string,
  ): FindingView => {
    const rule = ruleById(f.rule);
    return {
      rule: f.rule,
      title: rule.title,
      severity: rule.severity,
      user: f.user,
      state: storedFindingState(f, now, exemptions, serial),
      reason: f.reason,
      firstSeen: iso(f.firstSeen),
      lastSeen: iso(f.lastSeen),
      pendingUntil: iso(f.pendingUntil),
    };
  };

  /** The stale finding, computed from lastContact (not persisted until the jobs issue does it). */
  const staleFinding = (d: DeviceRow, p: FleetParams): FindingRecord | null => {
    if (!(d.lastContact < p.staleCutoff)) return null;
    const since = staleAt(iso(d.lastContact), rules);
    if (since === null) return null;
    const firstSeen = millis(since);
    const pending = pendingUntil({ rule: 'stale', firstSeen: since }, rules);
    return {
      rule: 'stale',
      user: null,
      reason: `no report since ${iso(d.lastContact)} (stale after ${rules.staleAfterSeconds} seconds)`,
      firstSeen,
      lastSeen: p.now,
      resolvedAt: null,
      pendingUntil: pending === null ? null : millis(pending),
      failing: true,
    };
  };

  const toView = (
    d: DeviceRow,
    open: FindingRecord[],
    p: FleetParams,
    exemptions: readonly Exemption[],
  ): DeviceView => {
    const stale = staleFinding(d, p);
    const failing = open.filter((f) => f.failing);
    if (stale) failing.push(stale);
    return {
      serial: d.serial,
      hardwareUuid: d.hardwareUuid,
      status: d.status,
      lastSeen: iso(d.lastSeen),
      enrolledAt: iso(d.enrolledAt),
      revokedAt: iso(d.revokedAt),
      collectedAt: iso(d.collectedAt),
      digest: d.digest,
      model: d.model,
      osVersion: d.osVersion,
      osBuild: d.osBuild,
      hostname: d.hostname,
      appleSilicon: d.appleSilicon,
      agentVersion: d.agentVersion,
      consoleUser: d.consoleUser,
      identityConflict: d.identityConflict,
      findings: failing.map((f) => view(f, p.now, exemptions, d.serial)),
    };
  };

  /** Every exemption (or a device's and the fleet-wide ones), expired ones too: a finding's state reads their expiry. */
  const exemptionsFor = async (serial?: string) => (await store.exemptions.list(serial)).map(toRuleExemption);

  return {
    async listDevices(filter, page, now) {
      const p = fleetParams(now, rules);
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const rows = await store.fleet.listDevices(p, filter, {
        ...(after !== undefined ? { after } : {}),
        limit: page.limit + 1,
      });
      const more = rows.length > page.limit;
      const pageRows = more ? rows.slice(0, page.limit) : rows;
      const open = await store.findings.openFor(pageRows.map((r) => r.id));
      const exemptions = await exemptionsFor();
      return {
        devices: pageRows.map((r) => toView(r, open.get(r.id) ?? [], p, exemptions)),
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
      const exemptions = await exemptionsFor(serial);
      const open = await store.findings.open(d.id);
      const resolved = await store.findings.recentlyResolved(d.id, 100);
      // One more than shown, so the oldest shown entry has something to diff against.
      const history: HistoryEntry[] = await store.snapshots.history(d.id, HISTORY_SHOWN + 1);
      const bodies = history.map((h) => decodeBody(h.body, h.encoding));
      const latest = await store.snapshots.latestBody(d.id);
      const snapshot = latest ? decodeBody(latest.body, latest.encoding) : null;
      return {
        ...toView(d, open, p, exemptions),
        snapshot,
        unconfirmedFindings: open.filter((f) => !f.failing).map((f) => view(f, p.now, exemptions, serial)),
        resolvedFindings: resolved.map((f) => ({
          ...view(f, p.now, exemptions, serial),
          resolvedAt: iso(f.resolvedAt) as string,
        })),
        history: history.slice(0, HISTORY_SHOWN).map((h, i) => ({
          snapshotId: h.snapshotId,
          digest: h.digest,
          collectedAt: iso(h.collectedAt),
          receivedAt: iso(h.receivedAt),
          changes: changedSections(bodies[i + 1] ?? null, bodies[i] as Record<string, unknown>),
        })),
      };
    },

    async summary(now) {
      const p = fleetParams(now, rules);
      const [byStatus, byRule, devices] = await Promise.all([
        store.fleet.countByStatus(p),
        store.fleet.countByRule(p),
        store.fleet.deviceCount(),
      ]);
      return {
        generatedAt: now.toISOString(),
        devices,
        byStatus,
        byRule: byRule
          .map((r) => {
            const rule = ruleById(r.rule);
            return { rule: r.rule, title: rule.title, severity: rule.severity, devices: r.devices };
          })
          .sort((a, b) => b.devices - a.devices || a.rule.localeCompare(b.rule)),
      };
    },

    enrollments: (opts) => store.enrollments.list(opts),
    exemptions: (serial) => store.exemptions.list(serial),
  };
}
