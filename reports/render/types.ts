// What the fleet reports render: one row per device, as the collector's read model returns it
// (GET /api/v1/devices: serial, status, lastSeen, findings[] with rule, severity, user, state, firstSeen).
import type { DeviceStatus, FindingState, RuleId, Severity } from '../../collector/rules/index.ts';

export interface FleetFinding {
  rule: RuleId;
  severity: Severity;
  /** Short name of the user concerned, or null for device-level rules. */
  user: string | null;
  state: FindingState;
  /** ISO 8601: failing since. */
  firstSeen: string;
  reason: string;
}

export interface FleetRow {
  serial: string;
  hostname: string | null;
  model: string | null;
  osVersion: string | null;
  status: DeviceStatus;
  /** ISO 8601: last upload or check-in. */
  lastSeen: string;
  /** Open findings (resolved ones are history, not part of the report). */
  findings: FleetFinding[];
}

export interface FleetTableOptions {
  /** Terminal width in columns (default 120); the failing-rules column wraps to fit. */
  width?: number;
  /** ANSI colours for status and severity (default false). */
  color?: boolean;
}
