// What the fleet reports render: one row per device, a projection of the collector's device view
// (GET /api/v1/devices, declared in collector/services/views.ts): serial, status, lastSeen, and the open
// findings with rule, severity, user, state, firstSeen and reason.
import type { DeviceView, FindingView } from '../../collector/services/views.ts';

export type FleetFinding = Pick<FindingView, 'rule' | 'severity' | 'user' | 'state' | 'firstSeen' | 'reason'>;

export interface FleetRow extends Pick<DeviceView, 'serial' | 'hostname' | 'model' | 'osVersion' | 'status'> {
  /** ISO 8601: last upload or check-in (enrollment before the first one). */
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
