// The fleet report as JSON (reports/report-schema.ts FleetReport): the header (summary, trend, filter),
// then the devices, then the breakdown. Written in pieces (jsonHead, jsonDevice per device, jsonTail), so a
// fleet of any size streams in bounded memory; renderJson joins them for a report held whole.
// jsonText, not bare JSON.stringify: Mac-supplied strings keep no raw C1 control or bidi override when
// the report is printed to a terminal; the parsed value is the same.
import { jsonText } from '../../agent/snapshot/json-text.ts';
import type { FleetReport, ReportDevice, ReportHeader } from '../report-schema.ts';

export { FLEET_REPORT_SCHEMA } from '../report-schema.ts';

/** The header's members, then the opening of the devices array. */
export function jsonHead(header: ReportHeader): string {
  const text = jsonText(header, 2);
  return `${text.slice(0, text.lastIndexOf('}')).trimEnd()},\n  "devices": [`;
}

/** One device of the array (`first`: no comma before it). */
export function jsonDevice(device: ReportDevice, first: boolean): string {
  return `${first ? '' : ','}\n    ${jsonText(device)}`;
}

/** The close of the devices array, the breakdown, and the end of the document. */
export function jsonTail(groups: FleetReport['groups'], devices: number): string {
  return `${devices > 0 ? '\n  ' : ''}],\n  "groups": ${jsonText(groups)}\n}\n`;
}

export function renderJson(report: FleetReport): string {
  const { devices, groups, ...header } = report;
  return (
    jsonHead(header) +
    devices.map((d, i) => jsonDevice(d, i === 0)).join('') +
    jsonTail(groups, devices.length)
  );
}
