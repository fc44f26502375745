// reports/render: PURE renderers of the fleet's compliance (data -> text).
export type { FleetFinding, FleetRow, FleetTableOptions } from './types.ts';
export type { FleetSummary, RuleCount } from './fleet-summary.ts';
export { renderFleetTable, failingRules, shortTime } from './fleet-table.ts';
export { renderCsv, csvHeader, csvLines, renderGroupsCsv, CSV_COLUMNS } from './fleet-csv.ts';
export { csvField, formulaLike } from './csv-cell.ts';
export { renderJson, jsonHead, jsonDevice, jsonTail, FLEET_REPORT_SCHEMA } from './fleet-json.ts';
export { summariseFleet } from './fleet-summary.ts';
export { sortFleet } from './fleet-order.ts';
export { groupRows, addToGroups } from './groups.ts';
