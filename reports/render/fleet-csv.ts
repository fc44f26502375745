// The fleet as CSV (RFC 4180, CRLF line ends): one line per (device, finding), a device without findings
// on one line with empty finding columns. Every cell goes through csvField (csv-cell.ts): hostnames,
// user names and reasons come from the Macs.
import { csvField } from './csv-cell.ts';
import { sortFleet } from './fleet-order.ts';
import type { FleetRow } from './types.ts';

export const CSV_COLUMNS = [
  'serial',
  'hostname',
  'model',
  'os_version',
  'status',
  'last_seen',
  'rule',
  'severity',
  'user',
  'state',
  'first_seen',
  'reason',
] as const;

export function renderCsv(rows: readonly FleetRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of sortFleet(rows)) {
    const device = [row.serial, row.hostname, row.model, row.osVersion, row.status, row.lastSeen];
    const findings = row.findings.length > 0 ? row.findings : [null];
    for (const f of findings) {
      const cells = f
        ? [f.rule, f.severity, f.user, f.state, f.firstSeen, f.reason]
        : ['', '', '', '', '', ''];
      lines.push([...device, ...cells].map(csvField).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
