// Time-driven state of a finding: exempted, pending (inside its rule's grace window) or active.
// Each state change happens at an instant these helpers return, so a store can keep them in columns
// (`pending_until`, the latest matching exemption expiry) and answer "active now?" in SQL:
//   exempted  <=> exemption_expiry IS NOT NULL AND now < exemption_expiry
//   pending   <=> not exempted AND pending_until IS NOT NULL AND now < pending_until
//   active    <=> otherwise
// All instants are ISO 8601 UTC with milliseconds (Date#toISOString), so they compare as strings.
import type { Exemption, Finding, FindingState, RuleConfig } from './types.ts';

/** Expiry used for an exemption without one, so "latest expiry" stays a plain string comparison. */
export const NO_EXPIRY = '9999-12-31T23:59:59.999Z';

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

/**
 * The latest expiry among the exemptions that match (NO_EXPIRY for one without expiry), or null when none
 * matches. Expired ones count too: the finding is exempted while now < the returned instant.
 */
export function exemptionExpiry(
  finding: Pick<Finding, 'rule' | 'user'>,
  exemptions: readonly Exemption[],
  serial: string,
): string | null {
  let latest: string | null = null;
  for (const e of exemptions) {
    if (!exemptionMatches(e, serial, finding)) continue;
    const expires = e.expiresAt === null ? null : Date.parse(e.expiresAt);
    if (expires !== null && Number.isNaN(expires)) continue; // unreadable expiry: the exemption exempts nothing
    const until = expires === null ? NO_EXPIRY : new Date(expires).toISOString();
    if (latest === null || until > latest) latest = until;
  }
  return latest;
}

/** firstSeen + the rule's grace window (ISO), or null when the rule has no grace window (never pending). */
export function pendingUntil(
  finding: Pick<Finding, 'rule' | 'firstSeen'>,
  config: Pick<RuleConfig, 'graceSeconds'>,
): string | null {
  const grace = config.graceSeconds[finding.rule] ?? 0;
  if (!(grace > 0)) return null;
  return new Date(Date.parse(finding.firstSeen) + grace * 1000).toISOString();
}

export function findingState(
  finding: Finding,
  now: Date,
  config: Pick<RuleConfig, 'graceSeconds'>,
  exemptions: readonly Exemption[],
  serial: string,
): FindingState {
  const at = now.toISOString();
  const expiry = exemptionExpiry(finding, exemptions, serial);
  if (expiry !== null && at < expiry) return 'exempted';
  const pending = pendingUntil(finding, config);
  if (pending !== null && at < pending) return 'pending';
  return 'active';
}

/** The earliest instant after now at which findingState may change by time alone, or null if none. */
export function nextStateChange(
  finding: Finding,
  now: Date,
  config: Pick<RuleConfig, 'graceSeconds'>,
  exemptions: readonly Exemption[],
  serial: string,
): string | null {
  const at = now.toISOString();
  const candidates = [exemptionExpiry(finding, exemptions, serial), pendingUntil(finding, config)].filter(
    (t): t is string => t !== null && t > at && t !== NO_EXPIRY,
  );
  return candidates.sort()[0] ?? null;
}
