// The fleet as JSON: the summary and the devices in report order, 2-space indented, newline-terminated.
import { sortFleet } from './fleet-order.ts';
import { summariseFleet } from './fleet-summary.ts';
import type { FleetRow } from './types.ts';

export const FLEET_REPORT_SCHEMA = 'tokenwatch.fleet-report/1';

export function renderJson(rows: readonly FleetRow[]): string {
  const devices = sortFleet(rows);
  return `${JSON.stringify({ schema: FLEET_REPORT_SCHEMA, summary: summariseFleet(devices), devices }, null, 2)}\n`;
}
