// A finding's state at an instant: exempted, pending (inside its rule's grace window) or active. THE
// definition: the read model shows it, and the instant a device turns noncompliant (device-status.ts
// noncompliantFrom, which the store keeps for the fleet queries) is derived from it.
//   exempted  <=> a matching exemption is in force: now < its expiry (one without expiry: for good)
//   pending   <=> not exempted, and now < pendingUntil (firstSeen + the rule's grace window, fixed when the
//                 finding is first seen)
//   active    <=> otherwise
// With the exemptions and the finding fixed, the state only moves towards active as time passes.
import type { Exemption, Finding, FindingState, Millis, RuleConfig } from './types.ts';

/** The expiry of an exemption without one: after every instant. */
export const NO_EXPIRY: Millis = Number.POSITIVE_INFINITY;

/** What a finding's state depends on: what it is about, when it was first seen, when its grace ends. */
export type FindingTimes = Pick<Finding, 'rule' | 'user' | 'firstSeen'> & { pendingUntil: Millis | null };

/** Whether an exemption covers this finding of this device: (device or all) x (rule or all) x (user or any). */
export function exemptionMatches(
  exemption: Exemption,
  serial: string,
  finding: Pick<Finding, 'rule' | 'user'>,
): boolean {
  return (
    (exemption.serial === null || exemption.serial === serial) &&
    (exemption.rule === null || exemption.rule === finding.rule) &&
    (exemption.user === null || exemption.user === finding.user)
  );
}

/** Whether an exemption is in force at `now`: until its expiry (excluded), for good without one. */
export const exemptionInForce = (exemption: Exemption, now: Millis): boolean =>
  now < (exemption.expiresAt ?? NO_EXPIRY);

/**
 * The latest expiry among the exemptions that match (NO_EXPIRY for one without expiry), or null when none
 * matches: the instant the finding stops being exempted (activeFrom's candidate).
 */
export function exemptionExpiry(
  finding: Pick<Finding, 'rule' | 'user'>,
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  let latest: Millis | null = null;
  for (const e of exemptions) {
    if (!exemptionMatches(e, serial, finding)) continue;
    const until = e.expiresAt ?? NO_EXPIRY;
    if (latest === null || until > latest) latest = until;
  }
  return latest;
}

/** firstSeen + the rule's grace window, or null when the rule has no grace window (never pending). */
export function pendingUntil(
  finding: Pick<Finding, 'rule' | 'firstSeen'>,
  config: Pick<RuleConfig, 'graceSeconds'>,
): Millis | null {
  const grace = config.graceSeconds[finding.rule] ?? 0;
  return grace > 0 ? finding.firstSeen + grace * 1000 : null;
}

/**
 * The exemption that exempts the finding at `now` (findingState's "exempted"): of those that match and are
 * in force, the one that runs longest (the latest expiry; one without expiry first), or null.
 */
export function exemptionFor(
  finding: Pick<Finding, 'rule' | 'user'>,
  now: Millis,
  exemptions: readonly Exemption[],
  serial: string,
): Exemption | null {
  let best: Exemption | null = null;
  for (const e of exemptions) {
    if (!exemptionMatches(e, serial, finding) || !exemptionInForce(e, now)) continue;
    if (best === null || (e.expiresAt ?? NO_EXPIRY) > (best.expiresAt ?? NO_EXPIRY)) best = e;
  }
  return best;
}

export function findingState(
  finding: Pick<FindingTimes, 'rule' | 'user' | 'pendingUntil'>,
  now: Millis,
  exemptions: readonly Exemption[],
  serial: string,
): FindingState {
  if (exemptionFor(finding, now, exemptions, serial) !== null) return 'exempted';
  if (finding.pendingUntil !== null && now < finding.pendingUntil) return 'pending';
  return 'active';
}

/**
 * The instant from which the finding is active, derived from findingState: the first instant its state can
 * change at (firstSeen, the end of its grace window, the latest matching expiry; each, and the millisecond
 * after it) at which findingState says active. null when it never is (an exemption without expiry).
 */
export function activeFrom(
  finding: FindingTimes,
  exemptions: readonly Exemption[],
  serial: string,
): Millis | null {
  const changes = [finding.firstSeen, finding.pendingUntil, exemptionExpiry(finding, exemptions, serial)];
  const candidates = changes
    .filter((t): t is Millis => t !== null && Number.isFinite(t) && t >= finding.firstSeen)
    .flatMap((t) => [t, t + 1])
    .sort((a, b) => a - b);
  return candidates.find((t) => findingState(finding, t, exemptions, serial) === 'active') ?? null;
}
