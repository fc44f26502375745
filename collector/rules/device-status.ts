// A device's status from its outcomes and the state of its findings.
// - noncompliant: a non-informational rule fails and its finding is active (pending and exempted findings
//   do not count; `stale` is a rule, so a silent Mac is noncompliant). A failing outcome without a finding
//   counts as active: the caller did not reconcile, and hiding a failure is the worse mistake.
// - unknown: otherwise, when a non-informational outcome is unknown, or collection-incomplete fails.
// - compliant: otherwise. not_applicable counts as pass; unknown never counts as pass or fail.
import type { DeviceStatus, Finding, FindingState, RuleOutcome } from './types.ts';
import { findingKey } from './reconcile.ts';
import { ruleById } from './table.ts';

/** An outcome that leaves the device unknown unless something is active: a non-informational unknown, or
 * collection-incomplete failing. */
export function leavesUnknown(o: RuleOutcome): boolean {
  return (
    (o.result === 'unknown' && !ruleById(o.rule).informational) ||
    (o.result === 'fail' && o.rule === 'collection-incomplete')
  );
}

export function deviceStatus(
  outcomes: readonly RuleOutcome[],
  findings: ReadonlyArray<{ finding: Finding; state: FindingState }>,
): DeviceStatus {
  const stateOf = new Map<string, FindingState>();
  for (const { finding, state } of findings)
    if (finding.resolvedAt === null) stateOf.set(findingKey(finding), state);
  let unknown = false;
  for (const o of outcomes) {
    const informational = ruleById(o.rule)?.informational ?? false;
    if (o.result === 'fail' && !informational && (stateOf.get(findingKey(o)) ?? 'active') === 'active') {
      return 'noncompliant';
    }
    if (leavesUnknown(o)) unknown = true;
  }
  return unknown ? 'unknown' : 'compliant';
}
