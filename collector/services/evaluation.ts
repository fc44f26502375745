// The bridge between the pure rules and storage: run the rules on an accepted snapshot, reconcile the
// device's findings, and keep what the store needs to answer status for a whole fleet at read time:
//   finding.pendingUntil      rules' pendingUntil (firstSeen + the rule's grace window), fixed when first seen
//   device.noncompliantFrom   rules' noncompliantFrom (derived from deviceStatus and findingState)
//   device.hasUnknown         rules' answersUnknown
// The definitions are the rules' (device-status.ts, finding-state.ts); nothing here decides a state.
import {
  evaluateDevice,
  reconcileFindings,
  pendingUntil,
  findingKey,
  noncompliantFrom,
  answersUnknown,
} from '../rules/index.ts';
import type { Exemption, RuleConfig, RuleOutcome } from '../rules/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import type { FindingRecord, Millis } from '../store/types.ts';
import { storedInstant } from './instants.ts';

/**
 * Why a stored exemption cannot be applied, or null: an expiry that is no instant (a row from before the
 * expiry was bounded, or written by hand) makes it exempt nothing, and says so by the exemption's id.
 */
export function exemptionProblem(e: Exemption): string | null {
  if (e.expiresAt !== null && storedInstant(e.expiresAt) === null)
    return `exemption ${e.id}: the stored expiry ${String(e.expiresAt)} is no instant; it exempts nothing until it is removed`;
  return null;
}

/** The stored exemptions the rules can apply (exemptionProblem: the others exempt nothing). */
export const usableExemptions = (stored: readonly Exemption[]): Exemption[] =>
  stored.filter((e) => exemptionProblem(e) === null);

/** When a device's open findings make it noncompliant: only those failing at its latest evaluation count. */
export function deviceNoncompliantFrom(
  open: readonly FindingRecord[],
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  const failing = open.filter((f) => f.resolvedAt === null && f.failing);
  return noncompliantFrom(failing, usableExemptions(exemptions), serial);
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
  exemptions: readonly Exemption[];
  now: Date;
  config: RuleConfig;
}): Evaluation {
  const { serial, snapshot, now, config } = input;
  const outcomes = evaluateDevice({ snapshot, lastSeen: now.toISOString() }, now, config);
  const previous = new Map(input.previousOpen.map((f) => [findingKey(f), f]));
  const reconciled = reconcileFindings(input.previousOpen, outcomes, now);
  const failing = new Set(outcomes.filter((o) => o.result === 'fail').map(findingKey));
  const findings: FindingRecord[] = [];
  for (const f of reconciled) {
    const before = previous.get(findingKey(f));
    // Resolved findings that were already resolved are not ours to rewrite (we only pass open ones in).
    if (f.resolvedAt !== null && !before) continue;
    // A finding that goes on keeps the grace window it started with, whatever the settings say now.
    const kept = before !== undefined && before.firstSeen === f.firstSeen;
    findings.push({
      rule: f.rule,
      user: f.user,
      reason: f.reason,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      resolvedAt: f.resolvedAt,
      pendingUntil: kept ? before.pendingUntil : pendingUntil(f, config),
      failing: f.resolvedAt === null && failing.has(findingKey(f)),
    });
  }
  return {
    outcomes,
    findings,
    noncompliantFrom: deviceNoncompliantFrom(findings, input.exemptions, serial),
    hasUnknown: answersUnknown(outcomes),
  };
}

export function ruleConfig(c: {
  staleAfterSeconds: number;
  graceSeconds: RuleConfig['graceSeconds'];
}): RuleConfig {
  return { staleAfterSeconds: c.staleAfterSeconds, graceSeconds: c.graceSeconds };
}
