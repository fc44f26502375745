// The bridge between the pure rules and storage: run the rules on an accepted snapshot, reconcile the
// device's findings, and derive the instants the store keeps so that status is right at read time:
//   finding.pendingUntil       firstSeen + the rule's grace window (rules' pendingUntil)
//   device.noncompliantFrom    earliest instant an unexempted, non-pending, failing finding is active
//   device.hasUnknown          the device is `unknown` unless something is active
// The same definitions as rules' findingState/deviceStatus; test/collector/services/evaluation.test.ts checks they agree.
import {
  evaluateDevice,
  reconcileFindings,
  pendingUntil,
  exemptionExpiry,
  ruleById,
  NO_EXPIRY,
  findingKey,
  leavesUnknown,
} from '../rules/index.ts';
import type { Exemption, Finding, FindingState, RuleConfig, RuleOutcome } from '../rules/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import type { ExemptionRecord, FindingRecord, Millis } from '../store/types.ts';
import { iso, millis, storedInstant } from './instants.ts';

/**
 * Why a stored exemption cannot be applied, or null: an expiry that is no instant (a row from before the
 * expiry was bounded, or written by hand) makes it exempt nothing, and says so by the exemption's id.
 */
export function exemptionProblem(e: ExemptionRecord): string | null {
  if (e.expiresAt !== null && storedInstant(e.expiresAt) === null)
    return `exemption ${e.id}: the stored expiry ${String(e.expiresAt)} is no instant; it exempts nothing until it is removed`;
  return null;
}

/** The stored exemptions the rules can apply (exemptionProblem: the others exempt nothing). */
export function ruleExemptions(records: readonly ExemptionRecord[]): Exemption[] {
  return records.filter((e) => exemptionProblem(e) === null).map(toRuleExemption);
}

/** A stored exemption the rules can apply (see ruleExemptions). */
export function toRuleExemption(e: ExemptionRecord): Exemption {
  return {
    id: e.id,
    serial: e.serial,
    rule: e.rule,
    user: e.user,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: iso(e.createdAt),
    expiresAt: iso(e.expiresAt),
  };
}

export function toRuleFinding(f: FindingRecord): Finding {
  return {
    rule: f.rule,
    user: f.user,
    reason: f.reason,
    firstSeen: iso(f.firstSeen),
    lastSeen: iso(f.lastSeen),
    resolvedAt: iso(f.resolvedAt),
  };
}

/** When a finding turns active: never (null = permanently exempted), or the instant (maybe in the past). */
export function activeFrom(
  f: Pick<FindingRecord, 'rule' | 'user' | 'pendingUntil' | 'firstSeen'>,
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  const expiry = exemptionExpiry(f, exemptions, serial);
  if (expiry === NO_EXPIRY) return null;
  return Math.max(f.firstSeen, f.pendingUntil ?? 0, expiry === null ? 0 : millis(expiry));
}

/** The state of a stored finding at `now`, from its stored instants (same order as rules' findingState). */
export function storedFindingState(
  f: Pick<FindingRecord, 'rule' | 'user' | 'pendingUntil'>,
  now: Millis,
  exemptions: readonly Exemption[],
  serial: string,
): FindingState {
  const expiry = exemptionExpiry(f, exemptions, serial);
  if (expiry !== null && iso(now) < expiry) return 'exempted';
  if (f.pendingUntil !== null && now < f.pendingUntil) return 'pending';
  return 'active';
}

/** noncompliantFrom over a device's open findings: only failing, non-informational ones count. */
export function noncompliantFrom(
  open: readonly FindingRecord[],
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  let earliest: Millis | null = null;
  for (const f of open) {
    if (f.resolvedAt !== null || !f.failing || ruleById(f.rule).informational) continue;
    const at = activeFrom(f, exemptions, serial);
    if (at !== null && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}

export function hasUnknown(outcomes: readonly RuleOutcome[]): boolean {
  return outcomes.some(leavesUnknown);
}

export interface Evaluation {
  outcomes: RuleOutcome[];
  /** Findings to save (open ones and those resolved now). */
  findings: FindingRecord[];
  noncompliantFrom: Millis | null;
  hasUnknown: boolean;
}

export function evaluateSnapshot(input: {
  serial: string;
  snapshot: Snapshot;
  previousOpen: readonly FindingRecord[];
  exemptions: readonly ExemptionRecord[];
  now: Date;
  config: RuleConfig;
}): Evaluation {
  const { serial, snapshot, now, config } = input;
  const outcomes = evaluateDevice({ snapshot, lastSeen: now.toISOString() }, now, config);
  const previous = new Map(input.previousOpen.map((f) => [findingKey(f), f]));
  const reconciled = reconcileFindings(input.previousOpen.map(toRuleFinding), outcomes, now);
  const failing = new Set(outcomes.filter((o) => o.result === 'fail').map(findingKey));
  const findings: FindingRecord[] = [];
  for (const f of reconciled) {
    const before = previous.get(findingKey(f));
    // Resolved findings that were already resolved are not ours to rewrite (we only pass open ones in).
    if (f.resolvedAt !== null && !before) continue;
    const firstSeen = millis(f.firstSeen);
    const keepPending = before && before.firstSeen === firstSeen ? before.pendingUntil : undefined;
    const pending = keepPending !== undefined ? keepPending : pendingUntil(f, config);
    findings.push({
      rule: f.rule,
      user: f.user,
      reason: f.reason,
      firstSeen,
      lastSeen: millis(f.lastSeen),
      resolvedAt: f.resolvedAt === null ? null : millis(f.resolvedAt),
      pendingUntil: typeof pending === 'string' ? millis(pending) : pending,
      failing: f.resolvedAt === null && failing.has(findingKey(f)),
    });
  }
  const exemptions = ruleExemptions(input.exemptions);
  return {
    outcomes,
    findings,
    noncompliantFrom: noncompliantFrom(
      findings.filter((f) => f.resolvedAt === null),
      exemptions,
      serial,
    ),
    hasUnknown: hasUnknown(outcomes),
  };
}

export function ruleConfig(c: {
  staleAfterSeconds: number;
  graceSeconds: RuleConfig['graceSeconds'];
}): RuleConfig {
  return { staleAfterSeconds: c.staleAfterSeconds, graceSeconds: c.graceSeconds };
}
