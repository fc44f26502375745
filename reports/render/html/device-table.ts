// A sortable table of devices, one row per device with its open findings: the report's table of
// noncompliant Macs and the dashboard's device list. Every cell is text from the Mac, escaped by `markup`;
// data-sort holds the sortable form where the shown text is not (instants, severities, OS versions).
import { ruleById } from '../../../collector/rules/index.ts';
import type { DeviceStatus, RuleId } from '../../../collector/rules/index.ts';
import { compareFindings, severityRank } from '../fleet-order.ts';
import type { FleetFinding, FleetRow } from '../types.ts';
import { markup } from './escape.ts';
import type { Html } from './escape.ts';
import { age, stateBadge, statusBadge, when } from './marks.ts';

export interface DeviceTableRow extends FleetRow {
  /** The console user, where the source has it (a column appears when any row has the field). */
  consoleUser?: string | null;
}

export interface DeviceTableOptions {
  id: string;
  now: Date;
  /** Where a serial links to (the dashboard's device page); plain text when absent. */
  deviceHref?: (serial: string) => string;
  /** Where a rule links to (the report's remediation section, the dashboard's filtered list). */
  ruleHref?: (rule: RuleId) => string;
  /** Shown when there are no rows. */
  empty: string;
}

interface FindingGroup {
  rule: RuleId;
  state: FleetFinding['state'];
  users: string[];
  since: string;
}

/** One entry per (rule, state), users together, failing since the earliest of them. */
function groups(findings: readonly FleetFinding[]): FindingGroup[] {
  const out = new Map<string, FindingGroup>();
  for (const f of [...findings].sort(compareFindings)) {
    const key = `${f.rule} ${f.state}`;
    const g = out.get(key) ?? { rule: f.rule, state: f.state, users: [], since: f.firstSeen };
    if (f.user !== null) g.users.push(f.user);
    if (f.firstSeen < g.since) g.since = f.firstSeen;
    out.set(key, g);
  }
  return [...out.values()];
}

function findingList(row: FleetRow, o: DeviceTableOptions): Html {
  if (row.findings.length === 0) return markup`-`;
  const items = groups(row.findings).map((g) => {
    const title = ruleById(g.rule)?.title ?? g.rule;
    const name = o.ruleHref
      ? markup`<a href="${o.ruleHref(g.rule)}" title="${title}">${g.rule}</a>`
      : markup`<span title="${title}">${g.rule}</span>`;
    const users = g.users.length > 0 ? markup` (${g.users.join(', ')})` : '';
    const ago = age(g.since, o.now);
    return markup`<li>${name}${users}${stateBadge(g.state)} <span class="note">since ${when(g.since)}${ago ? ` (${ago})` : ''}</span></li>`;
  });
  return markup`<ul class="findings">${items}</ul>`;
}

/** The most severe active finding's rank (-1 without one), for sorting by how bad a device is. */
function worst(row: FleetRow): number {
  return Math.max(
    -1,
    ...row.findings.filter((f) => f.state === 'active').map((f) => severityRank(f.severity)),
  );
}

/** `14.7.4` sorts before `15.2`: each numeric part zero-padded. */
function osSortKey(v: string | null): string {
  if (v === null) return '';
  return v
    .split('.')
    .map((p) => (/^\d+$/.test(p) ? p.padStart(5, '0') : p))
    .join('.');
}

const STATUS_ORDER: readonly DeviceStatus[] = ['noncompliant', 'unknown', 'compliant'];

export function deviceTable(rows: readonly DeviceTableRow[], o: DeviceTableOptions): Html {
  if (rows.length === 0) return markup`<p class="note">${o.empty}</p>`;
  const withConsole = rows.some((r) => r.consoleUser !== undefined);
  const head = [
    'serial',
    'hostname',
    'model',
    'OS',
    ...(withConsole ? ['console user'] : []),
    'status',
    'last seen',
    'open findings',
  ];
  const body = rows.map((r) => {
    const serial = o.deviceHref
      ? markup`<a href="${o.deviceHref(r.serial)}">${r.serial}</a>`
      : markup`${r.serial}`;
    const since = r.findings.reduce((m, f) => (f.firstSeen < m ? f.firstSeen : m), '9999');
    const console = withConsole ? markup`<td>${r.consoleUser ?? '-'}</td>` : '';
    return markup`<tr><td class="mono" data-sort="${r.serial}">${serial}</td><td class="wrap">${r.hostname ?? '-'}</td><td>${r.model ?? '-'}</td><td data-sort="${osSortKey(r.osVersion)}">${r.osVersion ?? '-'}</td>${console}<td data-sort="${STATUS_ORDER.indexOf(r.status)}">${statusBadge(r.status)}</td><td data-sort="${r.lastSeen}">${when(r.lastSeen)}</td><td class="wrap" data-sort="${`${9 - worst(r)} ${since}`}">${findingList(r, o)}</td></tr>`;
  });
  const headers = head.map(
    (h) => markup`<th aria-sort="none"><button class="sort" type="button">${h}</button></th>`,
  );
  return markup`<table class="data" id="${o.id}" data-sortable><thead><tr>${headers}</tr></thead><tbody>${body}</tbody></table>`;
}
