// What the fleet reports render: one row per device, a projection of the collector's device view
// (GET /api/v1/devices, declared in collector/services/views.ts): identity, status, lastSeen, console user,
// the MDM update verdict, and the open findings with rule, severity, user, state, failing since, reason
// and the exemption in force.
import type { DeviceView, FindingView, Summary } from '../../collector/services/views.ts';
import type { GroupRow, GroupBy } from '../report-schema.ts';

export type FleetFinding = Pick<
  FindingView,
  'rule' | 'severity' | 'user' | 'state' | 'firstSeen' | 'reason'
> & {
  /** The exemption in force (state exempted); absent or null: none. */
  exemption?: FindingView['exemption'];
  /** When a pending finding turns active. */
  pendingUntil?: string | null;
};

export interface FleetRow extends Pick<DeviceView, 'serial' | 'hostname' | 'model' | 'osVersion' | 'status'> {
  /** ISO 8601: last upload or check-in (enrollment before the first one). */
  lastSeen: string;
  hardwareUuid?: string;
  /** The console user, or (at the login window) the latest one reported. */
  consoleUser?: string | null;
  mdmUpdate?: DeviceView['mdmUpdate'];
  /** Open findings (resolved ones are history, not part of the report). */
  findings: FleetFinding[];
}

export interface FleetTableOptions {
  /** Terminal width in columns (default 120); long cells are clipped and fixes wrap to fit. */
  width?: number;
  /** ANSI colours for status and severity (default false). */
  color?: boolean;
  /** The collector's summary (rates, stale count); without it the counts come from the rows. */
  summary?: Summary;
  /** What each Mac is, by serial (the demo names its simulated Macs): a MAC column beside the serial. */
  labels?: ReadonlyMap<string, string>;
  /** Lines printed once at the end under "Notes" (a legend for marks in the labels). */
  notes?: readonly string[];
  /** A breakdown (tokenwatch report --group-by). */
  groups?: { by: GroupBy; rows: readonly GroupRow[] };
  /** The rows are the fleet as of this instant (ISO 8601). */
  asOf?: string | null;
}
