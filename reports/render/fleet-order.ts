// The report's order: noncompliant first, then unknown, then compliant; within a status the device with
// the most severe active finding first, then by serial. Findings: active before pending before exempted,
// most severe first, then rule table order and user.
import { RULE_IDS, SEVERITIES } from '../../collector/rules/index.ts';
import type { DeviceStatus, FindingState, Severity } from '../../collector/rules/index.ts';
import type { FleetFinding, FleetRow } from './types.ts';

const STATUS_ORDER: readonly DeviceStatus[] = ['noncompliant', 'unknown', 'compliant'];
const STATE_ORDER: readonly FindingState[] = ['active', 'pending', 'exempted'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function worstActive(row: FleetRow): number {
  return Math.max(
    -1,
    ...row.findings.filter((f) => f.state === 'active').map((f) => severityRank(f.severity)),
  );
}

export function compareFindings(a: FleetFinding, b: FleetFinding): number {
  return (
    STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule) ||
    (a.user ?? '').localeCompare(b.user ?? '')
  );
}

export function compareRows(a: FleetRow, b: FleetRow): number {
  return (
    STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
    worstActive(b) - worstActive(a) ||
    (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0)
  );
}

/** A sorted copy, each row's findings sorted too. */
export function sortFleet(rows: readonly FleetRow[]): FleetRow[] {
  return rows.map((r) => ({ ...r, findings: [...r.findings].sort(compareFindings) })).sort(compareRows);
}
