// The fleet as JSON: the summary and the devices in report order, 2-space indented, newline-terminated.
// jsonText, not bare JSON.stringify: Mac-supplied strings keep no raw C1 control or bidi override when
// the report is printed to a terminal; the parsed value is the same.
import { jsonText } from '../../agent/snapshot/json-text.ts';
import { sortFleet } from './fleet-order.ts';
import { summariseFleet } from './fleet-summary.ts';
import type { FleetRow } from './types.ts';

export const FLEET_REPORT_SCHEMA = 'tokenwatch.fleet-report/1';

export function renderJson(rows: readonly FleetRow[]): string {
  const devices = sortFleet(rows);
  return `${jsonText({ schema: FLEET_REPORT_SCHEMA, summary: summariseFleet(devices), devices }, 2)}\n`;
}
