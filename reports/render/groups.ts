// The breakdown of tokenwatch report --group-by: per rule (devices with an open finding of it), OS version
// or model, the devices and their statuses. Counted a device at a time (addToGroups) as the report
// streams, so it needs no second pass and holds one entry per key.
import { RULE_IDS } from '../../collector/rules/index.ts';
import type { GroupBy, GroupRow } from '../report-schema.ts';
import type { FleetRow } from './types.ts';

export type Groups = Map<string | null, GroupRow>;

export function addToGroups(groups: Groups, by: GroupBy, row: FleetRow): void {
  const keys =
    by === 'rule' ? [...new Set(row.findings.map((f) => f.rule))] : [by === 'os' ? row.osVersion : row.model];
  for (const key of keys) {
    const g = groups.get(key) ?? { key, devices: 0, compliant: 0, noncompliant: 0, unknown: 0 };
    g.devices += 1;
    g[row.status] += 1;
    groups.set(key, g);
  }
}

/** The rows: most noncompliant first, then most devices, then by key (rules in table order). */
export function groupRows(groups: Groups, by: GroupBy): GroupRow[] {
  const rank = (k: string | null) => (by === 'rule' ? RULE_IDS.indexOf(k as never) : 0);
  return [...groups.values()].sort(
    (a, b) =>
      b.noncompliant - a.noncompliant ||
      b.devices - a.devices ||
      rank(a.key) - rank(b.key) ||
      String(a.key).localeCompare(String(b.key)),
  );
}
