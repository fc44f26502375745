// Counts for the summary block and the JSON report: devices per status, and per rule the devices with an
// active, pending or exempted finding of it.
import { RULE_IDS, ruleById } from '../../collector/rules/index.ts';
import type { DeviceStatus, RuleId, Severity } from '../../collector/rules/index.ts';
import { severityRank } from './fleet-order.ts';
import type { FleetRow } from './types.ts';

export interface RuleCount {
  rule: RuleId;
  title: string;
  severity: Severity;
  /** Devices with at least one finding of this rule in that state. */
  active: number;
  pending: number;
  exempted: number;
}

export interface FleetSummary {
  devices: number;
  byStatus: Record<DeviceStatus, number>;
  /** Rules with at least one finding, most severe first, then table order. */
  byRule: RuleCount[];
}

export function summariseFleet(rows: readonly FleetRow[]): FleetSummary {
  const byStatus: Record<DeviceStatus, number> = { noncompliant: 0, unknown: 0, compliant: 0 };
  const counts = new Map<RuleId, RuleCount>();
  for (const row of rows) {
    byStatus[row.status] += 1;
    const seen = new Set<string>();
    for (const f of row.findings) {
      const key = `${f.rule} ${f.state}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rule = ruleById(f.rule);
      const count = counts.get(f.rule) ?? {
        rule: f.rule,
        title: rule?.title ?? f.rule,
        severity: f.severity,
        active: 0,
        pending: 0,
        exempted: 0,
      };
      count[f.state] += 1;
      counts.set(f.rule, count);
    }
  }
  const byRule = [...counts.values()].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule),
  );
  return { devices: rows.length, byStatus, byRule };
}
