// The terminal fleet compliance report: one row per device, noncompliant first, then a summary block.
// Hostnames, models, user names and serials come from the Macs: every cell and failing-rules entry is
// displayText (agent/snapshot/display-text.ts) before it is measured, padded and painted, so it cannot
// move the cursor, recolour, reorder or hide text; the only escape sequences are the colours we add.
import { displayText } from '../../agent/snapshot/display-text.ts';
import { paint, SEVERITY_PAINT, STATUS_PAINT } from './ansi.ts';
import { sortFleet } from './fleet-order.ts';
import { summariseFleet } from './fleet-summary.ts';
import type { FleetSummary } from './fleet-summary.ts';
import type { FleetFinding, FleetRow, FleetTableOptions } from './types.ts';

const DEFAULT_WIDTH = 120;
const GAP = '  ';
/** Failing rules never wrap narrower than this; past it a line is allowed to overflow. */
const MIN_FINDINGS_WIDTH = 24;

/** `2026-03-02 11:55` (UTC) from ISO 8601; the text as given if it is not a date. */
export function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** Cut to `max` characters, marking the cut with `~`. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}~`;
}

/**
 * The failing rules of a device, one entry per (rule, state): `user-without-securetoken (bob, carol)`,
 * `filevault-off [pending]`, `stale [exempted]`.
 */
export function failingRules(findings: readonly FleetFinding[]): string[] {
  const groups = new Map<string, { rule: string; state: string; users: string[] }>();
  for (const f of findings) {
    const key = `${f.rule} ${f.state}`;
    const g = groups.get(key) ?? { rule: f.rule, state: f.state, users: [] };
    if (f.user !== null) g.users.push(f.user);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) =>
    displayText(
      `${g.rule}${g.users.length > 0 ? ` (${g.users.join(', ')})` : ''}${g.state === 'active' ? '' : ` [${g.state}]`}`,
    ),
  );
}

/** Entries joined with ", ", broken into lines of at most `width` (an entry longer than that gets its own line). */
function wrap(entries: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [i, entry] of entries.entries()) {
    const piece = i < entries.length - 1 ? `${entry},` : entry;
    if (line === '') line = piece;
    else if (line.length + 1 + piece.length <= width) line = `${line} ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  }
  return line === '' ? ['-'] : [...lines, line];
}

interface Column {
  header: string;
  max: number;
  /** How narrow the column may get when the terminal is narrow (clipped with `~`). */
  min: number;
  /** The cell as display text (unpadded). */
  cell(row: FleetRow): string;
}

const COLUMNS: readonly Column[] = [
  { header: 'SERIAL', max: 20, min: 12, cell: (r) => displayText(r.serial) },
  { header: 'HOSTNAME', max: 24, min: 8, cell: (r) => displayText(r.hostname ?? '-') },
  { header: 'MODEL', max: 18, min: 8, cell: (r) => displayText(r.model ?? '-') },
  { header: 'OS', max: 10, min: 6, cell: (r) => displayText(r.osVersion ?? '-') },
  { header: 'STATUS', max: 12, min: 12, cell: (r) => r.status },
  { header: 'LAST SEEN (UTC)', max: 16, min: 16, cell: (r) => displayText(shortTime(r.lastSeen)) },
];
/** Columns given up first when the terminal is narrow. */
const SHRINK_ORDER = ['HOSTNAME', 'MODEL', 'OS', 'SERIAL'];
/** Below this many columns left for the failing rules, they go on their own lines under the device. */
const MIN_INLINE_FINDINGS = 30;
const STACK_INDENT = '    ';

/** Column widths from the content, shrunk (down to each column's min) until `budget` is met. */
function columnWidths(rows: readonly FleetRow[], budget: number): number[] {
  const widths = COLUMNS.map((c) =>
    Math.min(c.max, Math.max(c.header.length, ...rows.map((r) => c.cell(r).length))),
  );
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1);
  for (const header of SHRINK_ORDER) {
    const i = COLUMNS.findIndex((c) => c.header === header);
    const min = Math.min(COLUMNS[i]?.min ?? 0, widths[i] ?? 0);
    widths[i] = Math.max(min, (widths[i] ?? 0) - Math.max(0, total() - budget));
  }
  return widths;
}

function devicesBlock(rows: readonly FleetRow[], width: number, color: boolean): string[] {
  // Inline (failing rules as the last column) when every column fits unclipped beside the longest entry;
  // otherwise the failing rules go on their own lines and the device columns shrink to the width.
  let widths = columnWidths(rows, Number.POSITIVE_INFINITY);
  let lead = widths.reduce((sum, w) => sum + w + GAP.length, 0);
  const longest = Math.max(0, ...rows.flatMap((r) => failingRules(r.findings).map((e) => e.length + 1)));
  const inline = width - lead >= Math.max(MIN_INLINE_FINDINGS, longest);
  if (!inline) {
    widths = columnWidths(rows, width);
    lead = widths.reduce((sum, w) => sum + w + GAP.length, 0);
  }
  const findingsWidth = inline ? width - lead : Math.max(MIN_FINDINGS_WIDTH, width - STACK_INDENT.length);
  const pad = (text: string, i: number) => clip(text, widths[i] ?? 0).padEnd(widths[i] ?? 0);
  const header = [...COLUMNS.map((c, i) => pad(c.header, i)), ...(inline ? ['FAILING RULES'] : [])].join(GAP);
  const out = [paint(header.trimEnd(), ['bold'], color)];
  for (const row of rows) {
    const cells = COLUMNS.map((c, i) => {
      const text = pad(c.cell(row), i);
      return c.header === 'STATUS' ? paint(text, STATUS_PAINT[row.status], color) : text;
    });
    const entries = failingRules(row.findings);
    if (inline) {
      const [first = '-', ...rest] = wrap(entries, findingsWidth);
      out.push([...cells, first].join(GAP).trimEnd());
      for (const more of rest) out.push(`${' '.repeat(lead)}${more}`);
    } else {
      out.push(cells.join(GAP).trimEnd());
      if (entries.length > 0)
        for (const line of wrap(entries, findingsWidth)) out.push(`${STACK_INDENT}${line}`);
    }
  }
  return out;
}

function summaryBlock(summary: FleetSummary, width: number, color: boolean): string[] {
  const { devices, byStatus } = summary;
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
      ].join(', '),
  ];
  if (summary.byRule.length === 0) return [...out, '', 'No failing rules.'];
  const ruleWidth = Math.max(4, ...summary.byRule.map((r) => displayText(r.rule).length));
  const num = (n: number, header: string) => String(n).padStart(header.length);
  const titleWidth = Math.max(
    10,
    width - (ruleWidth + 'SEVERITYACTIVEPENDINGEXEMPTED'.length + 5 * GAP.length),
  );
  out.push(
    '',
    paint(
      [`${'RULE'.padEnd(ruleWidth)}`, 'SEVERITY', 'ACTIVE', 'PENDING', 'EXEMPTED', 'TITLE'].join(GAP),
      ['bold'],
      color,
    ),
  );
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
  out.push('', 'ACTIVE/PENDING/EXEMPTED: devices with a finding of the rule in that state.');
  return out;
}

export function renderFleetTable(rows: readonly FleetRow[], options: FleetTableOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const color = options.color ?? false;
  const sorted = sortFleet(rows);
  const lines = [
    paint('tokenwatch fleet compliance', ['bold'], color),
    '',
    ...(sorted.length > 0 ? devicesBlock(sorted, width, color) : ['No devices.']),
    '',
    ...summaryBlock(summariseFleet(sorted), width, color),
  ];
  return `${lines.join('\n')}\n`;
}
