// Incidents: one per (device, rule, user), following the device's findings, and the events their changes
// write to the outbox in the same unit of work as the change that causes them (ingest, exemptions, the
// jobs). The states are the rules' (finding-state.ts): a finding that is active has an open incident, one
// an exemption covers leaves it exempted, one that passes again resolves it; a pending finding (inside its
// grace window) has none yet, and a finding kept open by an unknown keeps its incident as it is.
//   no incident       + active   -> opened
//   resolved/exempted + active   -> reopened (the same incident, its episode counted)
//   open              + exempted -> exempted
//   open/exempted     + gone     -> resolved
// `stale` is a rule like the others (its finding computed from the last contact); identity conflicts are
// incidents of their own (identityConflictOpened/Resolved). Event ids are derived from the incident, its
// episode and the change, so the same change can never be written twice.
import { randomUUID } from 'node:crypto';
import { findingKey, findingState, ruleById, staleFinding } from '../rules/index.ts';
import type { Exemption, RuleConfig, Severity } from '../rules/index.ts';
import type {
  DeviceRecord,
  FindingRecord,
  IdentityConflictRecord,
  IncidentRecord,
  Millis,
  Repos,
} from '../store/types.ts';
import { IDENTITY_CONFLICT } from '../alerts/event.ts';
import type { AlertEvent, EventDevice, EventIncident, EventType } from '../alerts/event.ts';
import { exemptionMatches, exemptionInForce } from '../rules/index.ts';
import { usableExemptions } from './evaluation.ts';
import { iso } from './instants.ts';

export const CONFLICT_REMEDIATION =
  'A serial number or hardware UUID tried to enroll with another identity: a replaced logic board, a ' +
  'restored or cloned Mac, or someone posing as a Mac. Compare the claimant and the enrolled device ' +
  '(tokenwatch conflicts list), then keep one: tokenwatch conflicts resolve ID --keep existing|claimant.';

type Wanted = {
  state: 'open' | 'exempted';
  finding: Pick<FindingRecord, 'rule' | 'user' | 'reason' | 'firstSeen'>;
  exemption: Exemption | null;
};

/** A rule this version knows and that can make a device noncompliant (informational rules open no incident). */
const alerting = (rule: string): boolean => ruleById(rule)?.informational === false;

/**
 * What each (rule, user) of a device should be now: open (active), exempted, or absent; `kept` holds the
 * keys whose finding is open but unconfirmed (the rule answered unknown), whose incident stays as it is.
 */
export function wantedIncidents(input: {
  serial: string;
  open: readonly FindingRecord[];
  stale: FindingRecord | null;
  exemptions: readonly Exemption[];
  now: Millis;
}): { wanted: Map<string, Wanted>; kept: Set<string> } {
  const wanted = new Map<string, Wanted>();
  const kept = new Set<string>();
  const findings = input.stale ? [...input.open, input.stale] : input.open;
  for (const f of findings) {
    if (f.resolvedAt !== null || !alerting(f.rule)) continue;
    const key = findingKey(f);
    if (!f.failing) {
      kept.add(key);
      continue;
    }
    const state = findingState(f, input.now, input.exemptions, input.serial);
    if (state === 'pending') continue;
    const exemption =
      state === 'exempted'
        ? (input.exemptions.find(
            (e) => exemptionMatches(e, input.serial, f) && exemptionInForce(e, input.now),
          ) ?? null)
        : null;
    wanted.set(key, { state: state === 'active' ? 'open' : 'exempted', finding: f, exemption });
  }
  return { wanted, kept };
}

const newIncidentId = (): string => `inc_${randomUUID().replace(/-/g, '')}`;

/** The event id of an incident's change: `evt_<incident>_<episode>_<type>`. */
export const eventId = (incidentId: string, episode: number, type: EventType): string =>
  `evt_${incidentId.replace(/^inc_/, '')}_${episode}_${type}`;

/** What an incident's events say about the device (from the store, at the time of the event). */
export async function eventDevice(tx: Pick<Repos, 'devices'>, serial: string): Promise<EventDevice> {
  const d = await tx.devices.bySerial(serial);
  const facts = d ? await tx.devices.facts(d.id) : null;
  return {
    serial,
    model: facts?.model ?? null,
    osVersion: facts?.osVersion ?? null,
    osBuild: facts?.osBuild ?? null,
    hostname: facts?.hostname ?? null,
    consoleUser: d?.consoleUser ?? null,
  };
}

/** The rule as events show it (identity conflicts are a rule of their own here). */
export function eventRule(rule: string): EventIncident['rule'] {
  if (rule === IDENTITY_CONFLICT)
    return { id: rule, title: 'Identity conflict', severity: 'high', remediation: CONFLICT_REMEDIATION };
  const r = ruleById(rule);
  return r
    ? { id: r.id, title: r.title, severity: r.severity, remediation: r.remediation }
    : { id: rule, title: rule, severity: 'medium', remediation: '' };
}

export function incidentView(
  i: IncidentRecord,
  device: EventDevice,
  extra: Pick<EventIncident, 'exemption' | 'reminder'> = { exemption: null, reminder: null },
): EventIncident {
  return {
    id: i.id,
    state: i.state,
    episode: i.episode,
    device,
    rule: eventRule(i.rule),
    users: i.user === null ? [] : [i.user],
    reason: i.reason,
    failingSince: iso(i.failingSince) as string,
    openedAt: iso(i.openedAt) as string,
    resolvedAt: iso(i.resolvedAt),
    ...extra,
  };
}

/** Write an event to the outbox (in the caller's unit of work); false when its id was written before. */
export async function appendEvent(
  tx: Pick<Repos, 'alertEvents'>,
  event: AlertEvent,
  channel: string | null = null,
): Promise<boolean> {
  const i = event.incident;
  return tx.alertEvents.append({
    id: event.id,
    type: event.type,
    at: Date.parse(event.occurredAt),
    incidentId: i?.id ?? null,
    serial: i?.device.serial ?? null,
    rule: i?.rule.id ?? null,
    severity: i?.rule.severity ?? null,
    channel,
    body: JSON.stringify(event),
  });
}

/** Record a change of `i` (already written) as its event. */
async function emit(
  tx: Pick<Repos, 'alertEvents' | 'devices'>,
  i: IncidentRecord,
  type: EventType,
  now: Millis,
  device: () => Promise<EventDevice>,
  exemption: Exemption | null = null,
): Promise<void> {
  await appendEvent(tx, {
    id: eventId(i.id, i.episode, type),
    type,
    occurredAt: iso(now) as string,
    incident: incidentView(i, await device(), {
      exemption: exemption && {
        id: exemption.id,
        reason: exemption.reason,
        by: exemption.createdBy,
        expiresAt: iso(exemption.expiresAt),
      },
      reminder: null,
    }),
    digest: null,
  });
}

export interface IncidentChanges {
  opened: number;
  reopened: number;
  exempted: number;
  resolved: number;
}

const noChanges = (): IncidentChanges => ({ opened: 0, reopened: 0, exempted: 0, resolved: 0 });

/** Add b's counts to a. */
export function addChanges(a: IncidentChanges, b: IncidentChanges): IncidentChanges {
  return {
    opened: a.opened + b.opened,
    reopened: a.reopened + b.reopened,
    exempted: a.exempted + b.exempted,
    resolved: a.resolved + b.resolved,
  };
}

/**
 * Bring a device's incidents in line with its findings at `now`, in the caller's unit of work, writing an
 * event per change. `silent` takes the state in without events (the first start with alerting: what is
 * already active becomes incidents that the channels' backfill digests report). The findings and
 * exemptions may be handed in when the caller has just read them.
 */
export async function reconcileIncidents(
  tx: Repos,
  device: Pick<DeviceRecord, 'id' | 'serial' | 'lastContact'>,
  rules: RuleConfig,
  now: Millis,
  given: { open?: readonly FindingRecord[]; exemptions?: readonly Exemption[]; silent?: boolean } = {},
): Promise<IncidentChanges> {
  const { serial } = device;
  const open = given.open ?? (await tx.findings.open(device.id));
  const exemptions = usableExemptions(given.exemptions ?? (await tx.exemptions.applicable(serial, now)));
  const stale = staleFinding(device.lastContact, now, rules);
  const { wanted, kept } = wantedIncidents({
    serial,
    open,
    stale: stale && { ...stale, failing: true },
    exemptions,
    now,
  });
  const existing = (await tx.incidents.forSerial(serial)).filter((i) => i.rule !== IDENTITY_CONFLICT);
  const byKey = new Map<string, IncidentRecord>();
  for (const i of existing) {
    const key = findingKey(i);
    const seen = byKey.get(key);
    // The unresolved one, else the latest.
    if (!seen || (seen.state === 'resolved' && (i.state !== 'resolved' || i.changedAt > seen.changedAt)))
      byKey.set(key, i);
  }
  const changes = noChanges();
  let facts: EventDevice | null = null;
  const deviceInfo = async () => (facts ??= await eventDevice(tx, serial));
  const say = async (i: IncidentRecord, type: EventType, exemption: Exemption | null = null) => {
    if (!given.silent) await emit(tx, i, type, now, deviceInfo, exemption);
  };

  for (const [key, w] of wanted) {
    const i = byKey.get(key);
    const severity: Severity = eventRule(w.finding.rule).severity;
    if (w.state === 'open') {
      if (!i) {
        const created: IncidentRecord = {
          id: newIncidentId(),
          serial,
          rule: w.finding.rule,
          user: w.finding.user,
          state: 'open',
          episode: 1,
          severity,
          failingSince: w.finding.firstSeen,
          openedAt: now,
          firstOpenedAt: now,
          changedAt: now,
          resolvedAt: null,
          reason: w.finding.reason,
          ref: null,
        };
        await tx.incidents.insert(created);
        await say(created, 'opened');
        changes.opened++;
      } else if (i.state !== 'open') {
        const reopened: IncidentRecord = {
          ...i,
          state: 'open',
          episode: i.episode + 1,
          severity,
          failingSince: w.finding.firstSeen,
          openedAt: now,
          changedAt: now,
          resolvedAt: null,
          reason: w.finding.reason,
        };
        await tx.incidents.update(reopened);
        await say(reopened, 'reopened');
        changes.reopened++;
      } else if (i.reason !== w.finding.reason || i.failingSince !== w.finding.firstSeen) {
        // Still open: the latest words, no event.
        await tx.incidents.update({ ...i, reason: w.finding.reason, failingSince: w.finding.firstSeen });
      }
    } else if (i?.state === 'open') {
      const exempted: IncidentRecord = { ...i, state: 'exempted', changedAt: now, reason: w.finding.reason };
      await tx.incidents.update(exempted);
      await say(exempted, 'exempted', w.exemption);
      changes.exempted++;
    }
  }
  for (const [key, i] of byKey) {
    if (i.state === 'resolved' || wanted.has(key) || kept.has(key)) continue;
    const resolved: IncidentRecord = { ...i, state: 'resolved', changedAt: now, resolvedAt: now };
    await tx.incidents.update(resolved);
    await say(resolved, 'resolved');
    changes.resolved++;
  }
  return changes;
}

/** Resolve every unresolved incident of a serial (its device record went), saying why. */
export async function resolveAllOf(tx: Repos, serial: string, now: Millis, why: string): Promise<number> {
  let n = 0;
  let facts: EventDevice | null = null;
  for (const i of await tx.incidents.forSerial(serial)) {
    if (i.state === 'resolved' || i.rule === IDENTITY_CONFLICT) continue;
    const resolved: IncidentRecord = {
      ...i,
      state: 'resolved',
      changedAt: now,
      resolvedAt: now,
      reason: why,
    };
    await tx.incidents.update(resolved);
    facts ??= await eventDevice(tx, serial);
    const device = facts;
    await emit(tx, resolved, 'resolved', now, async () => device);
    n++;
  }
  return n;
}

const conflictReason = (c: IdentityConflictRecord): string => {
  const met = [
    c.serialHolder && `serial ${c.serial} is enrolled with hardware UUID ${c.serialHolder.hardwareUuid}`,
    c.uuidHolder && `hardware UUID ${c.hardwareUuid} is enrolled with serial ${c.uuidHolder.serial}`,
  ].filter((m): m is string => typeof m === 'string' && m !== '');
  return `identity conflict ${c.id}: ${c.serial} / ${c.hardwareUuid} tried to enroll, but ${met.join(' and ')}`;
};

/** An identity conflict opened: an incident of the claimant's serial (one open at a time per serial). */
export async function identityConflictOpened(
  tx: Repos,
  c: IdentityConflictRecord,
  now: Millis,
): Promise<void> {
  const current = (await tx.incidents.forSerial(c.serial)).filter((i) => i.rule === IDENTITY_CONFLICT);
  if (current.some((i) => i.state !== 'resolved')) return;
  const latest = current.sort((a, b) => b.changedAt - a.changedAt)[0];
  const base = {
    state: 'open' as const,
    severity: 'high',
    failingSince: c.firstAt,
    openedAt: now,
    changedAt: now,
    resolvedAt: null,
    reason: conflictReason(c),
    ref: String(c.id),
  };
  const i: IncidentRecord = latest
    ? { ...latest, ...base, episode: latest.episode + 1 }
    : {
        ...base,
        id: newIncidentId(),
        serial: c.serial,
        rule: IDENTITY_CONFLICT,
        user: null,
        episode: 1,
        firstOpenedAt: now,
      };
  if (latest) await tx.incidents.update(i);
  else await tx.incidents.insert(i);
  const holder = c.serialHolder ?? null;
  const device = await eventDevice(tx, holder?.serial ?? c.serial);
  await emit(tx, i, latest ? 'reopened' : 'opened', now, async () => ({ ...device, serial: c.serial }));
}

/** An identity conflict was resolved: its incident is. */
export async function identityConflictResolved(
  tx: Repos,
  c: IdentityConflictRecord,
  now: Millis,
  how: string,
): Promise<void> {
  const open = (await tx.incidents.forSerial(c.serial)).find(
    (i) => i.rule === IDENTITY_CONFLICT && i.state !== 'resolved' && i.ref === String(c.id),
  );
  if (!open) return;
  const resolved: IncidentRecord = {
    ...open,
    state: 'resolved',
    changedAt: now,
    resolvedAt: now,
    reason: `identity conflict ${c.id} resolved: ${how}`,
  };
  await tx.incidents.update(resolved);
  const device = await eventDevice(tx, c.serial);
  await emit(tx, resolved, 'resolved', now, async () => device);
}
