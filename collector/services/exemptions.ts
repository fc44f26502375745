// Exemptions are data: adding or removing one moves the instant affected devices turn noncompliant
// (devices.noncompliantFrom), recomputed here in the caller's unit of work (which also builds the answer),
// and moves their incidents (exempted, or reopened when the exemption goes), whose events are written in
// the same unit.
import { randomUUID } from 'node:crypto';
import { RULE_IDS } from '../rules/index.ts';
import type { RuleConfig, RuleId } from '../rules/index.ts';
import type { Exemption, Repos } from '../store/types.ts';
import { deviceNoncompliantFrom } from './evaluation.ts';
import { Refusal } from './errors.ts';
import { iso, readCalendarInstant } from './instants.ts';
import { reconcileIncidents } from './incidents.ts';
import type { IncidentChanges } from './incidents.ts';
import { addChanges } from './incidents.ts';
import { exemptionView } from './read-model.ts';
import type { ExemptionAdded } from './views.ts';

export interface NewExemption {
  serial: string | null;
  rule: RuleId | null;
  user: string | null;
  reason: string;
  createdBy: string;
  expiresAt: number | null;
}

/** The longest an exemption may run: an expiry further ahead is a typo, not a decision. */
export const MAX_EXEMPTION_DAYS = 3650;
const DAY_MS = 86_400_000;
const UNIT_MS = { d: DAY_MS, h: 3_600_000, m: 60_000 } as const;
const FORMS = 'an expiry is a duration (30d, 12h, 90m), a date (2026-06-30) or an RFC 3339 date-time';

/**
 * "30d", "12h", "90m", a date (midnight UTC) or an RFC 3339 date-time -> epoch ms; null for "never"/empty.
 * Bounded: after now and at most MAX_EXEMPTION_DAYS ahead; anything else is refused saying why, before any
 * write.
 */
export function parseExpiry(text: string | undefined | null, now: Date): number | null {
  if (text === undefined || text === null || text === '' || text === 'never') return null;
  const t = text.trim();
  const invalid = (why: string) => new Refusal('invalid_expiry', `expires "${text}" ${why}`);
  const tooFar = `is more than ${MAX_EXEMPTION_DAYS} days (10 years) ahead: the longest exemption is ${MAX_EXEMPTION_DAYS}d`;
  const rel = /^(\d+)\s*([dhm])$/.exec(t);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2] as keyof typeof UNIT_MS;
    if (n === 0) throw invalid(`is no time from now: give at least 1${unit}`);
    if (!(n * UNIT_MS[unit] <= MAX_EXEMPTION_DAYS * DAY_MS)) throw invalid(tooFar);
    return now.getTime() + n * UNIT_MS[unit];
  }
  const r = readCalendarInstant(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
  if (!r.ok) throw invalid(`${r.problem}; ${FORMS}`);
  if (r.ms <= now.getTime())
    throw invalid(
      `is ${iso(r.ms)}, not after now (${now.toISOString()}): an exemption expires in the future`,
    );
  if (r.ms > now.getTime() + MAX_EXEMPTION_DAYS * DAY_MS) throw invalid(tooFar);
  return r.ms;
}

async function recompute(tx: Repos, e: Pick<Exemption, 'serial' | 'rule'>, now: Date): Promise<number> {
  let ids: number[];
  if (e.serial !== null) {
    const d = await tx.devices.bySerial(e.serial);
    ids = d ? [d.id] : [];
  } else {
    ids = await tx.devices.idsWithOpenFindings(e.rule);
  }
  if (ids.length === 0) return 0;
  const all = await tx.exemptions.list();
  const open = await tx.findings.openFor(ids);
  for (const id of ids) {
    const d = await tx.devices.byId(id);
    if (!d) continue;
    const applicable = all.filter((x) => x.serial === null || x.serial === d.serial);
    await tx.devices.setNoncompliantFrom(
      id,
      deviceNoncompliantFrom(open.get(id) ?? [], applicable, d.serial),
      now.getTime(),
    );
  }
  return ids.length;
}

const PAGE = 1000;

/**
 * Bring the incidents of every device an exemption (serial or all) x (rule or all) can touch in line at
 * `now`: devices with open findings of the rule, with unresolved incidents of it, and (for the stale rule)
 * the silent ones.
 */
export async function reconcileExempted(
  tx: Repos,
  e: Pick<Exemption, 'serial' | 'rule'>,
  rules: RuleConfig,
  now: number,
): Promise<IncidentChanges> {
  const ids = new Set<number>();
  const serials = new Set<string>();
  if (e.serial !== null) serials.add(e.serial);
  else {
    for (const id of await tx.devices.idsWithOpenFindings(e.rule)) ids.add(id);
    for (let after: string | undefined; ;) {
      const page = await tx.incidents.list({
        state: 'unresolved',
        ...(e.rule !== null ? { rule: e.rule } : {}),
        ...(after !== undefined ? { after } : {}),
        limit: PAGE,
      });
      for (const i of page) serials.add(i.serial);
      if (page.length < PAGE) break;
      after = page[page.length - 1]?.id;
    }
    if (e.rule === null || e.rule === 'stale')
      for (const id of await tx.devices.lastContactBetween(
        Number.MIN_SAFE_INTEGER,
        now - rules.staleAfterSeconds * 1000,
      ))
        ids.add(id);
  }
  let changes: IncidentChanges = { opened: 0, reopened: 0, exempted: 0, resolved: 0 };
  const done = new Set<number>();
  // One device at a time: a unit of work is one connection on PostgreSQL, which runs one statement at a time
  // (queries sent side by side on it are deprecated by pg), and an exemption of every device must not hold
  // every device's row in memory at once.
  const reconcile = async (d: Awaited<ReturnType<typeof tx.devices.byId>>) => {
    if (d === null || done.has(d.id)) return;
    done.add(d.id);
    changes = addChanges(changes, await reconcileIncidents(tx, d, rules, now));
  };
  for (const id of ids) await reconcile(await tx.devices.byId(id));
  for (const s of serials) await reconcile(await tx.devices.bySerial(s));
  return changes;
}

/**
 * Add an exemption in the caller's unit of work (validate first: parseExpiry bounds the expiry). A serial
 * the collector has never seen is refused unless `preEnrolled` says it is on purpose (a Mac not enrolled
 * yet): a typo must not become an exemption that waits for a Mac that never comes.
 */
export async function addExemption(
  tx: Repos,
  input: NewExemption & { preEnrolled?: boolean },
  now: Date,
  rules: RuleConfig,
): Promise<Exemption> {
  const { preEnrolled, ...fields } = input;
  if (fields.rule !== null && !(RULE_IDS as readonly string[]).includes(fields.rule)) {
    throw new Refusal('unknown_rule', `unknown rule "${fields.rule}"`);
  }
  if (fields.serial !== null && preEnrolled !== true && (await tx.devices.bySerial(fields.serial)) === null)
    throw new Refusal(
      'unknown_device',
      `no device with serial ${fields.serial} has enrolled: to exempt a Mac before it enrolls, say so (tokenwatch exempt add --pre-enrolled, or "preEnrolled": true)`,
    );
  const record: Exemption = { id: randomUUID(), ...fields, createdAt: now.getTime() };
  await tx.exemptions.add(record);
  await recompute(tx, record, now);
  await reconcileExempted(tx, record, rules, now.getTime());
  return record;
}

/** An exemption as an admin asks for it (the admin API's body; the CLI's flags). */
export interface ExemptionRequest {
  /** null: every device. */
  serial: string | null;
  /** null: every rule. */
  rule: RuleId | null;
  /** null: every user. */
  user: string | null;
  reason: string;
  createdBy: string;
  /** A duration (30d), a date or an RFC 3339 date-time (parseExpiry); null: never. */
  expires: string | null;
  /** The serial is one the collector has not seen yet, on purpose (a Mac not enrolled yet). */
  preEnrolled: boolean;
}

/**
 * An admin's request, checked and added in the caller's unit of work, answered as the API shows it: the
 * exemption, and whether its serial was one the collector had not seen (preEnrolled).
 */
export async function requestExemption(
  tx: Repos,
  r: ExemptionRequest,
  now: Date,
  rules: RuleConfig,
): Promise<{ exemption: Exemption; view: ExemptionAdded }> {
  const expiresAt = parseExpiry(r.expires, now);
  const unseen = r.serial !== null && (await tx.devices.bySerial(r.serial)) === null;
  const exemption = await addExemption(
    tx,
    {
      serial: r.serial,
      rule: r.rule,
      user: r.user,
      reason: r.reason,
      createdBy: r.createdBy,
      expiresAt,
      preEnrolled: r.preEnrolled,
    },
    now,
    rules,
  );
  return { exemption, view: { ...exemptionView(exemption, now), preEnrolled: unseen } };
}

/** Remove an exemption in the caller's unit of work; null when there is none with that id. */
export async function removeExemption(
  tx: Repos,
  id: string,
  now: Date,
  rules: RuleConfig,
): Promise<Exemption | null> {
  const removed = await tx.exemptions.remove(id);
  if (removed) {
    await recompute(tx, removed, now);
    await reconcileExempted(tx, removed, rules, now.getTime());
  }
  return removed;
}
