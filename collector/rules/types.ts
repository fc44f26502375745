// The contract between the pure rules (collector/rules) and the rest of the collector.
import type { ProbeId, Snapshot } from '../../agent/snapshot/index.ts';

export const RULE_IDS = [
  'bootstrap-not-escrowed',
  'bootstrap-unsupported',
  'bootstrap-key-missing',
  'bootstrap-unusable',
  'user-without-securetoken',
  'no-securetoken-holder',
  'no-securetoken-admin',
  'no-volume-owner',
  'filevault-off',
  'filevault-no-recovery-key',
  'filevault-key-not-escrowable',
  'filevault-key-record-on-disk',
  'mdm-not-enrolled',
  'mdm-not-user-approved',
  'stale',
  'platform-sso-not-registered',
  'collection-incomplete',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type RuleResult = 'pass' | 'fail' | 'unknown' | 'not_applicable';

/**
 * An instant as epoch milliseconds: the one representation of time inside the collector (rules, services,
 * store). ISO 8601 text is read and written only at the edges: the snapshot, the API and the CLI.
 */
export type Millis = number;

/** What the rules see of one device. */
export interface DeviceState {
  snapshot: Snapshot;
  /** ISO 8601: last upload or check-in. */
  lastSeen: string;
}

export interface RuleConfig {
  /** Age after which a device without uploads is stale, in seconds. */
  staleAfterSeconds: number;
  /** Per-rule grace window in seconds (0 or absent = off). */
  graceSeconds: Partial<Record<RuleId, number>>;
}

/** One answer of one rule for one device (and one user, for per-user rules). */
export interface RuleOutcome {
  rule: RuleId;
  /** Short name of the user concerned, or null for device-level rules. */
  user: string | null;
  result: RuleResult;
  /** Plain language, names the users involved; quotes the device's words where it helps. */
  reason: string;
  /**
   * When this failure began, when the rule knows better than "now" (e.g. `stale`: the instant the device
   * went stale). reconcileFindings uses it as firstSeen of a new finding. Absent otherwise.
   */
  since?: Millis;
}

export interface RuleDefinition {
  id: RuleId;
  title: string;
  severity: Severity;
  /** What an admin does about a failure (from Apple's and MDM vendors' documentation). */
  remediation: string;
  /** true for informational rules that never make a device noncompliant by themselves. */
  informational: boolean;
  /** The agent probes whose output this rule reads; their errors explain its unknowns (probes.ts). */
  probes: readonly ProbeId[];
  evaluate(state: DeviceState, now: Date, config: RuleConfig): RuleOutcome[];
}

export type DeviceStatus = 'compliant' | 'noncompliant' | 'unknown';
export type FindingState = 'active' | 'pending' | 'exempted';

/** A persisted (device, rule, user) failure with its history. */
export interface Finding {
  rule: RuleId;
  user: string | null;
  reason: string;
  /** When this failure was first seen ("failing since"). */
  firstSeen: Millis;
  lastSeen: Millis;
  /** When it stopped failing, or null while it fails. */
  resolvedAt: Millis | null;
}

/**
 * An exemption: (device or all) x (rule or all) x (optional user), with reason, author and expiry. The one
 * type of an exemption in the collector: the rules apply it, the store keeps it, the services add and remove
 * it; the API and the CLI show its instants as ISO 8601.
 */
export interface Exemption {
  id: string;
  /** null = all devices */
  serial: string | null;
  /** null = all rules */
  rule: RuleId | null;
  /** null = all users */
  user: string | null;
  reason: string;
  createdBy: string;
  createdAt: Millis;
  /**
   * null for no expiry. A row an older version wrote may hold a value that is no instant: the services set
   * such an exemption aside (services/evaluation.ts exemptionProblem) before the rules see it.
   */
  expiresAt: Millis | null;
}
