// What `tokenwatch report --format json` writes, declared once (TypeBox): the API's own shapes (the summary,
// the trend and each device as GET /api/v1/devices gives it, collector/services/views.ts) under a report
// header, each finding with its rule's remediation, and the breakdown asked for with --group-by. The JSON
// renderer writes it, its test checks the output against it, and docs/reports.md describes it.
import Type from 'typebox';
import {
  DeviceView,
  FindingView,
  Instant,
  Nullable,
  RuleIdSchema,
  Summary,
  Trend,
} from '../collector/services/views.ts';

export const FLEET_REPORT_SCHEMA = 'tokenwatch.fleet-report/2';

export const REPORT_STATUSES = ['compliant', 'noncompliant', 'unknown', 'stale'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const GROUP_BY = ['rule', 'os', 'model'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const ReportFinding = Type.Object({
  ...FindingView.properties,
  remediation: Type.String({ description: "the rule's fix (the rule table's remediation)" }),
});
export type ReportFinding = Type.Static<typeof ReportFinding>;

export const ReportDevice = Type.Object({
  ...DeviceView.properties,
  findings: Type.Array(ReportFinding),
});
export type ReportDevice = Type.Static<typeof ReportDevice>;

export const GroupRow = Type.Object({
  key: Nullable(
    Type.String({ description: 'the rule id, OS version or model (null: not known for those devices)' }),
  ),
  devices: Type.Integer({
    description: 'devices in the report with this key (for rule: with a finding of it)',
  }),
  compliant: Type.Integer(),
  noncompliant: Type.Integer(),
  unknown: Type.Integer(),
});
export type GroupRow = Type.Static<typeof GroupRow>;

export const ReportHeader = Type.Object({
  schema: Type.Literal(FLEET_REPORT_SCHEMA),
  generatedAt: Instant(),
  asOf: Nullable(Instant({ description: 'the past instant the report describes (--as-of); null: now' })),
  source: Type.String({ description: "the collector's URL or the database file read" }),
  filter: Type.Object({
    status: Type.Array(Type.Enum([...REPORT_STATUSES]), { description: 'empty: every device' }),
    rule: Nullable(RuleIdSchema),
  }),
  summary: Summary,
  trend: Nullable(Trend),
});
export type ReportHeader = Type.Static<typeof ReportHeader>;

export const FleetReport = Type.Object({
  ...ReportHeader.properties,
  devices: Type.Array(ReportDevice, {
    description: 'the devices the filter selects, by serial; each with its failing findings',
  }),
  groups: Nullable(
    Type.Object({ by: Type.Enum([...GROUP_BY]), rows: Type.Array(GroupRow) }, { description: '--group-by' }),
  ),
});
export type FleetReport = Type.Static<typeof FleetReport>;
