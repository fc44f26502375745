// The terminal fleet compliance report: the fleet summary first (status counts, stale, the escrow, usable
// token and FileVault rates, the MDM update verdicts), then each device (noncompliant first) with one line
// per failing rule: the rule and its users, severity, failing since, pending or exempted (the exemption's
// reason, author and expiry); then the counts per rule and each failing rule's fix.
// Hostnames, models, user names and serials come from the Macs: every cell is displayText
// (agent/snapshot/display-text.ts) before it is measured, padded and painted, so it cannot move the cursor,
// recolour, reorder or hide text; the only escape sequences are the colours we add.
import { displayText } from '../../agent/snapshot/display-text.ts';
import { ruleById } from '../../collector/rules/index.ts';
import type { Summary } from '../../collector/services/views.ts';
import { paint, SEVERITY_PAINT, STATUS_PAINT } from './ansi.ts';
import { sortFleet } from './fleet-order.ts';
import { summariseFleet } from './fleet-summary.ts';
import type { FleetSummary } from './fleet-summary.ts';
import type { FleetFinding, FleetRow, FleetTableOptions } from './types.ts';

const DEFAULT_WIDTH = 120;
const GAP = '  ';
const FINDING_INDENT = '    ';
const FIX_INDENT = '      ';
/** Fixes never wrap narrower than this; past it a line is allowed to overflow. */
const MIN_TEXT_WIDTH = 24;

/** `2026-03-02 11:55` (UTC) from ISO 8601; the text as given if it is not a date. */
export function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** Cut to `max` characters, marking the cut with `~`. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}~`;
}

/** A finding group: one rule in one state on one device, with its users. */
interface RuleLine {
  rule: FleetFinding['rule'];
  severity: FleetFinding['severity'];
  state: FleetFinding['state'];
  users: string[];
  /** The earliest failing since of the group. */
  since: string;
  exemption: FleetFinding['exemption'];
  pendingUntil: string | null;
}

function ruleLines(findings: readonly FleetFinding[]): RuleLine[] {
  const groups = new Map<string, RuleLine>();
  for (const f of findings) {
    const key = `${f.rule} ${f.state} ${f.exemption?.id ?? ''}`;
    const g = groups.get(key) ?? {
      rule: f.rule,
      severity: f.severity,
      state: f.state,
      users: [],
      since: f.firstSeen,
      exemption: f.exemption ?? null,
      pendingUntil: f.pendingUntil ?? null,
    };
    if (f.user !== null) g.users.push(f.user);
    if (Date.parse(f.firstSeen) < Date.parse(g.since)) g.since = f.firstSeen;
    groups.set(key, g);
  }
  return [...groups.values()];
}

/**
 * The failing rules of a device, one entry per (rule, state): `user-without-securetoken (bob, carol)`,
 * `filevault-off [pending]`, `stale [exempted]`.
 */
export function failingRules(findings: readonly FleetFinding[]): string[] {
  return ruleLines(findings).map((g) => displayText(ruleLabel(g)));
}

const ruleLabel = (g: RuleLine) =>
  `${g.rule}${g.users.length > 0 ? ` (${g.users.join(', ')})` : ''}${g.state === 'active' ? '' : ` [${g.state}]`}`;

/** Words broken into lines of at most `width` (a longer word is cut into pieces of `width`). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const words = text
    .split(/\s+/)
    .filter((w) => w !== '')
    .flatMap((w) => w.match(new RegExp(`.{1,${width}}`, 'gu')) ?? []);
  for (const word of words) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line = `${line} ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  return line === '' ? [] : [...lines, line];
}

interface Column {
  header: string;
  max: number;
  /** How narrow the column may get when the terminal is narrow (clipped with `~`). */
  min: number;
  /** The cell as display text (unpadded). */
  cell(row: FleetRow): string;
}

function columns(labels: ReadonlyMap<string, string> | undefined): Column[] {
  return [
    { header: 'SERIAL', max: 20, min: 12, cell: (r) => displayText(r.serial) },
    ...(labels
      ? [{ header: 'MAC', max: 48, min: 10, cell: (r: FleetRow) => displayText(labels.get(r.serial) ?? '-') }]
      : []),
    { header: 'HOSTNAME', max: 24, min: 6, cell: (r) => displayText(r.hostname ?? '-') },
    { header: 'MODEL', max: 18, min: 8, cell: (r) => displayText(r.model ?? '-') },
    { header: 'OS', max: 10, min: 6, cell: (r) => displayText(r.osVersion ?? '-') },
    { header: 'CONSOLE USER', max: 16, min: 6, cell: (r) => displayText(r.consoleUser ?? '-') },
    { header: 'STATUS', max: 12, min: 12, cell: (r) => r.status },
    { header: 'LAST SEEN (UTC)', max: 16, min: 16, cell: (r) => displayText(shortTime(r.lastSeen)) },
  ];
}
/** Columns given up first when the terminal is narrow. */
const SHRINK_ORDER = ['HOSTNAME', 'CONSOLE USER', 'MODEL', 'MAC', 'OS', 'SERIAL'];

/** Column widths from the content, shrunk (down to each column's min) until `budget` is met. */
function columnWidths(cols: readonly Column[], rows: readonly FleetRow[], budget: number): number[] {
  const widths = cols.map((c) =>
    Math.min(c.max, Math.max(c.header.length, ...rows.map((r) => c.cell(r).length))),
  );
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1);
  for (const header of SHRINK_ORDER) {
    const i = cols.findIndex((c) => c.header === header);
    if (i < 0) continue;
    const min = Math.min(cols[i]?.min ?? 0, widths[i] ?? 0);
    widths[i] = Math.max(min, (widths[i] ?? 0) - Math.max(0, total() - budget));
  }
  return widths;
}

function stateText(g: RuleLine): string {
  if (g.state === 'pending')
    return g.pendingUntil ? `pending until ${shortTime(g.pendingUntil)}` : 'pending (grace period)';
  if (g.state === 'exempted') {
    const e = g.exemption;
    if (!e) return 'exempted';
    return `exempted by ${e.createdBy} ${e.expiresAt ? `until ${shortTime(e.expiresAt)}` : '(no expiry)'}: ${e.reason}`;
  }
  return '';
}

function devicesBlock(
  rows: readonly FleetRow[],
  o: FleetTableOptions & { width: number; color: boolean },
): string[] {
  const { width, color } = o;
  const cols = columns(o.labels);
  const widths = columnWidths(cols, rows, width);
  const pad = (text: string, i: number) => clip(text, widths[i] ?? 0).padEnd(widths[i] ?? 0);
  const header = cols.map((c, i) => pad(c.header, i)).join(GAP);
  const out = [paint(header.trimEnd(), ['bold'], color)];
  const all = rows.flatMap((r) => ruleLines(r.findings));
  // The finding lines: RULE (users), SEVERITY, FAILING SINCE, then the state (pending, exempted) if any.
  const ruleWidth = Math.max(
    12,
    Math.min(
      Math.max(4, ...all.map((g) => displayText(ruleLabel(g)).length)),
      width - FINDING_INDENT.length - 'critical'.length - 'since 2026-03-02 11:55'.length - 2 * GAP.length,
    ),
  );
  const textWidth = Math.max(MIN_TEXT_WIDTH, width - FIX_INDENT.length);
  for (const row of rows) {
    const cells = cols.map((c, i) => {
      const text = pad(c.cell(row), i);
      return c.header === 'STATUS' ? paint(text, STATUS_PAINT[row.status], color) : text;
    });
    out.push(cells.join(GAP).trimEnd());
    for (const g of ruleLines(row.findings)) {
      const state = displayText(stateText(g));
      const since = `since ${displayText(shortTime(g.since))}`;
      const line = [
        clip(displayText(ruleLabel(g)), ruleWidth).padEnd(ruleWidth),
        paint(g.severity.padEnd('critical'.length), SEVERITY_PAINT[g.severity], color),
        since,
      ].join(GAP);
      const lead = `${FINDING_INDENT}${line}`;
      const leadWidth = FINDING_INDENT.length + ruleWidth + 'critical'.length + since.length + 2 * GAP.length;
      // The state beside the finding when it fits, else wrapped under it.
      if (state === '') out.push(lead);
      else if (leadWidth + GAP.length + state.length <= width) out.push(`${lead}${GAP}${state}`);
      else {
        out.push(lead);
        for (const l of wrapWords(state, textWidth)) out.push(`${FIX_INDENT}${l}`);
      }
    }
  }
  return out;
}

const pct = (p: number | null) => (p === null ? '-' : `${p.toFixed(1)}%`);

function summaryLines(rows: FleetSummary, api: Summary | undefined, color: boolean): string[] {
  const { devices, byStatus } = api ?? rows;
  const stale = api ? (api.byRule.find((r) => r.rule === 'stale')?.devices ?? 0) : null;
  const out = [
    `${devices} device${devices === 1 ? '' : 's'}: ` +
      [
        paint(
          `${byStatus.noncompliant} noncompliant`,
          byStatus.noncompliant > 0 ? STATUS_PAINT.noncompliant : [],
          color,
        ),
        paint(`${byStatus.unknown} unknown`, byStatus.unknown > 0 ? STATUS_PAINT.unknown : [], color),
        paint(`${byStatus.compliant} compliant`, byStatus.compliant > 0 ? STATUS_PAINT.compliant : [], color),
      ].join(', ') +
      (stale === null ? '' : `; ${stale} stale (no report for too long)`),
  ];
  if (api) {
    const rate = (label: string, r: Summary['bootstrapEscrowed']) =>
      `${label} ${pct(r.percent)} (${r.yes} of ${devices}${r.unknown > 0 ? `, ${r.unknown} unknown` : ''})`;
    out.push(
      `${rate('Bootstrap Token escrowed:', api.bootstrapEscrowed)}; ${rate('usable:', api.bootstrapUsable)}`,
      rate('FileVault on:', api.fileVaultOn),
      `MDM can update without a person: ${api.mdmUpdate.yes} yes, ${api.mdmUpdate.no} no, ${api.mdmUpdate.unknown} unknown, ${api.mdmUpdate.notApplicable} not applicable (Intel)`,
    );
  }
  return out;
}

function rulesBlock(summary: FleetSummary, width: number, color: boolean): string[] {
  if (summary.byRule.length === 0) return ['No failing rules.'];
  const ruleWidth = Math.max(4, ...summary.byRule.map((r) => displayText(r.rule).length));
  const num = (n: number, header: string) => String(n).padStart(header.length);
  const titleWidth = Math.max(
    10,
    width - (ruleWidth + 'SEVERITYACTIVEPENDINGEXEMPTED'.length + 5 * GAP.length),
  );
  const out = [
    paint(
      [`${'RULE'.padEnd(ruleWidth)}`, 'SEVERITY', 'ACTIVE', 'PENDING', 'EXEMPTED', 'TITLE'].join(GAP),
      ['bold'],
      color,
    ),
  ];
  for (const r of summary.byRule) {
    out.push(
      [
        displayText(r.rule).padEnd(ruleWidth),
        paint(r.severity.padEnd('SEVERITY'.length), SEVERITY_PAINT[r.severity], color),
        num(r.active, 'ACTIVE'),
        num(r.pending, 'PENDING'),
        num(r.exempted, 'EXEMPTED'),
        clip(displayText(r.title), titleWidth),
      ].join(GAP),
    );
  }
  out.push('', 'ACTIVE/PENDING/EXEMPTED: devices above with a finding of the rule in that state.');
  // Each failing rule's fix once, not under every device that fails it.
  const fixes = summary.byRule.filter((r) => r.active + r.pending > 0);
  if (fixes.length > 0) out.push('', paint('HOW TO FIX', ['bold'], color));
  const textWidth = Math.max(MIN_TEXT_WIDTH, width - FIX_INDENT.length);
  for (const r of fixes) {
    out.push(displayText(r.rule));
    for (const l of wrapWords(ruleById(r.rule)?.remediation ?? '', textWidth)) out.push(`${FIX_INDENT}${l}`);
  }
  return out;
}

function groupsBlock(groups: NonNullable<FleetTableOptions['groups']>, color: boolean): string[] {
  const title = { rule: 'RULE', os: 'OS', model: 'MODEL' }[groups.by];
  const keyWidth = Math.max(
    title.length,
    ...groups.rows.map((g) => displayText(g.key ?? '(unknown)').length),
  );
  const heads = ['DEVICES', 'NONCOMPLIANT', 'UNKNOWN', 'COMPLIANT'];
  const out = [paint([title.padEnd(keyWidth), ...heads].join(GAP), ['bold'], color)];
  for (const g of groups.rows)
    out.push(
      [
        displayText(g.key ?? '(unknown)').padEnd(keyWidth),
        ...[g.devices, g.noncompliant, g.unknown, g.compliant].map((n, i) =>
          String(n).padStart(heads[i]?.length ?? 0),
        ),
      ].join(GAP),
    );
  return out;
}

export function renderFleetTable(rows: readonly FleetRow[], options: FleetTableOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const color = options.color ?? false;
  const sorted = sortFleet(rows);
  const counted = summariseFleet(sorted);
  const title = `tokenwatch fleet compliance${options.asOf ? ` as of ${shortTime(options.asOf)} UTC` : ''}`;
  const lines = [
    paint(title, ['bold'], color),
    '',
    ...summaryLines(counted, options.summary, color),
    ...(options.groups ? ['', ...groupsBlock(options.groups, color)] : []),
    '',
    ...(sorted.length > 0 ? devicesBlock(sorted, { ...options, width, color }) : ['No devices.']),
    '',
    ...rulesBlock(counted, width, color),
    ...(options.notes && options.notes.length > 0
      ? [
          '',
          paint('Notes', ['bold'], color),
          ...options.notes.flatMap((n) =>
            wrapWords(displayText(n), Math.max(MIN_TEXT_WIDTH, width - 4)).map(
              (l, i) => `${i === 0 ? '  ' : '    '}${l}`,
            ),
          ),
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
