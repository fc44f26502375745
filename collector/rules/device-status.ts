// A device's status: THE definition. The fleet queries answer it in SQL for every device at once (from
// the instant noncompliantFrom below gives, last contact, exemptions and identity conflicts); the store
// conformance suite (test/collector/store/conformance/status.ts) checks every backend's answer against this
// function at every boundary of every input, so a change here fails there until the SQL follows.
// - noncompliant: a failing finding of a non-informational rule is active (pending and exempted findings do
//   not count; `stale` is a rule, so a silent Mac is noncompliant).
// - unknown: otherwise, when the latest evaluation left something unknown (leavesUnknown), or an open
//   identity conflict claims the device's serial or hardware UUID (which Mac is the real one is unknown
//   until an admin resolves it).
// - compliant: otherwise. not_applicable counts as pass; unknown never counts as pass or fail.
import type { DeviceStatus, Exemption, FindingState, Millis, RuleId, RuleOutcome } from './types.ts';
import { ruleById } from './table.ts';
import { activeFrom, findingState } from './finding-state.ts';
import type { FindingTimes } from './finding-state.ts';

export interface StatusInputs {
  /** The device's failing findings (open, and failing at its latest evaluation), each with its state now. */
  failing: ReadonlyArray<{ rule: RuleId; state: FindingState }>;
  /** The latest evaluation left something unknown (answersUnknown). */
  unknown: boolean;
  /** An open identity conflict claims the device's serial or hardware UUID. */
  identityConflict: boolean;
}

/** An outcome that leaves the device unknown unless something is active: a non-informational unknown, or
 * collection-incomplete failing. */
export function leavesUnknown(o: RuleOutcome): boolean {
  return (
    (o.result === 'unknown' && !ruleById(o.rule).informational) ||
    (o.result === 'fail' && o.rule === 'collection-incomplete')
  );
}

/** Whether an evaluation leaves the device unknown (StatusInputs.unknown). */
export const answersUnknown = (outcomes: readonly RuleOutcome[]): boolean => outcomes.some(leavesUnknown);

/** A rule this version knows and that is not informational (a finding of another rule is not shown). */
const counts = (rule: string): boolean => ruleById(rule)?.informational === false;

export function deviceStatus(s: StatusInputs): DeviceStatus {
  if (s.failing.some((f) => f.state === 'active' && counts(f.rule))) return 'noncompliant';
  return s.unknown || s.identityConflict ? 'unknown' : 'compliant';
}

/**
 * The instant from which a device's failing findings make it noncompliant, or null (not as things stand),
 * derived from deviceStatus and findingState: the earliest instant a finding turns active (activeFrom) at
 * which deviceStatus says noncompliant. States only move towards active, so the device stays noncompliant
 * from then on, until its next evaluation or an exemption change recomputes it.
 */
export function noncompliantFrom(
  failing: readonly FindingTimes[],
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  const statusAt = (t: Millis) =>
    deviceStatus({
      failing: failing.map((f) => ({ rule: f.rule, state: findingState(f, t, exemptions, serial) })),
      unknown: false,
      identityConflict: false,
    });
  const candidates = failing
    .map((f) => activeFrom(f, exemptions, serial))
    .filter((t): t is Millis => t !== null)
    .sort((a, b) => a - b);
  return candidates.find((t) => statusAt(t) === 'noncompliant') ?? null;
}
