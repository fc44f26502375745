// The fleet as CSV (RFC 4180, CRLF line ends): one line per (device, finding), a device without findings
// on one line with empty finding columns. Written a device at a time (csvHeader, then csvLines per device),
// so a fleet of any size streams in bounded memory. Every cell goes through csvField (csv-cell.ts):
// hostnames, user names and reasons come from the Macs.
import { ruleById } from '../../collector/rules/index.ts';
import type { GroupRow } from '../report-schema.ts';
import { csvField } from './csv-cell.ts';
import { compareFindings, sortFleet } from './fleet-order.ts';
import type { FleetRow } from './types.ts';

export const CSV_COLUMNS = [
  'serial',
  'hardware_uuid',
  'hostname',
  'model',
  'os_version',
  'console_user',
  'status',
  'mdm_update',
  'rule',
  'severity',
  'state',
  'user',
  'failing_since',
  'last_seen',
  'exemption_reason',
  'exemption_expires',
  'remediation',
  'reason',
] as const;

const record = (cells: readonly (string | null | undefined)[]) =>
  `${cells.map((c) => csvField(c ?? null)).join(',')}\r\n`;

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

/** The lines of one device: one per finding (most important first), or one with empty finding columns. */
export function csvLines(row: FleetRow): string {
  const device = [
    row.serial,
    row.hardwareUuid,
    row.hostname,
    row.model,
    row.osVersion,
    row.consoleUser,
    row.status,
    row.mdmUpdate?.verdict,
  ];
  if (row.findings.length === 0) return record([...device, '', '', '', '', '', row.lastSeen, '', '', '', '']);
  return [...row.findings]
    .sort(compareFindings)
    .map((f) =>
      record([
        ...device,
        f.rule,
        f.severity,
        f.state,
        f.user,
        f.firstSeen,
        row.lastSeen,
        f.exemption?.reason,
        f.exemption ? (f.exemption.expiresAt ?? 'never') : '',
        ruleById(f.rule)?.remediation,
        f.reason,
      ]),
    )
    .join('');
}

/** The whole fleet in report order (noncompliant first): what a file of it holds. */
export function renderCsv(rows: readonly FleetRow[]): string {
  return csvHeader() + sortFleet(rows).map(csvLines).join('');
}

export const GROUP_CSV_COLUMNS = ['key', 'devices', 'noncompliant', 'unknown', 'compliant'] as const;

/** A breakdown (--group-by) as CSV. */
export function renderGroupsCsv(by: string, rows: readonly GroupRow[]): string {
  return (
    record([by, ...GROUP_CSV_COLUMNS.slice(1)]) +
    rows
      .map((g) => record([g.key, ...[g.devices, g.noncompliant, g.unknown, g.compliant].map(String)]))
      .join('')
  );
}
