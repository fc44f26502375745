// The fleet as one self-contained HTML file (tokenwatch report --format html): summary cards, compliance
// over time, breakdowns by rule, OS version and model, a sortable table of the noncompliant Macs and the
// remediation of each failing rule. It opens with no network: the stylesheets, uPlot and our two small
// scripts are inlined (passed in as text: this module is pure), and its Content-Security-Policy allows
// only those elements, by hash. Every value from a Mac goes through the HTML sanitiser (html/escape.ts).
import { ruleById } from '../../collector/rules/index.ts';
import type { DeviceStatus, RuleId } from '../../collector/rules/index.ts';
import { breakdownTable } from './html/bars.ts';
import type { BreakdownRow } from './html/bars.ts';
import { cards } from './html/cards.ts';
import type { Card } from './html/cards.ts';
import { deviceTable } from './html/device-table.ts';
import type { DeviceTableRow } from './html/device-table.ts';
import { htmlDocument } from './html/document.ts';
import type { PageAssets } from './html/document.ts';
import { markup } from './html/escape.ts';
import { percent, severityBadge, when } from './html/marks.ts';
import { remediationText } from './html/remediation.ts';
import { TREND_COLOURS, trendChart } from './html/trend.ts';

/** A share the summary shows as a card (escrowed, usable, FileVault on): part of whole devices. */
export interface ReportRate {
  label: string;
  part: number;
  whole: number;
  /** What `whole` counts, when it is not every device (`Apple silicon Macs`). */
  of?: string;
}

/** Devices of one OS version or model, and how many of them are noncompliant. */
export interface GroupCount {
  /** The OS version or model as the Macs report it; null when unknown. */
  key: string | null;
  devices: number;
  noncompliant: number;
}

export interface HtmlReportInput {
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  /** The instant the data describe, when it is not `generatedAt` (tokenwatch report --as-of). */
  asOf: string | null;
  /** Where the data came from (the collector's URL or the database file), shown in the header. */
  source: string;
  summary: {
    devices: number;
    byStatus: Record<DeviceStatus, number>;
    /** Devices failing the stale rule, when known. */
    stale?: number;
    rates?: readonly ReportRate[];
  };
  /** Rates per day (percentages 0..100), oldest first. */
  trend: {
    days: readonly string[];
    series: readonly { label: string; values: readonly (number | null)[] }[];
  };
  /** Devices with an open (active, pending or exempted) finding of each rule. */
  byRule: readonly { rule: RuleId; devices: number }[];
  byOs: readonly GroupCount[];
  byModel: readonly GroupCount[];
  /** The noncompliant Macs in the table (possibly the first of many: see noncompliantTotal). */
  noncompliant: readonly DeviceTableRow[];
  noncompliantTotal: number;
}

const groupRows = (groups: readonly GroupCount[]): BreakdownRow[] =>
  [...groups]
    .sort(
      (a, b) =>
        b.noncompliant - a.noncompliant ||
        b.devices - a.devices ||
        String(a.key).localeCompare(String(b.key)),
    )
    .map((g) => ({ label: g.key ?? '(unknown)', devices: g.devices, count: g.noncompliant }));

function statusCards(summary: HtmlReportInput['summary']): Card[] {
  const { devices, byStatus, stale } = summary;
  const share = (n: number) => percent(n, devices);
  return [
    { label: 'devices', value: devices },
    {
      label: 'noncompliant',
      value: byStatus.noncompliant,
      hint: share(byStatus.noncompliant),
      tone: byStatus.noncompliant > 0 ? 'bad' : 'good',
      href: '#noncompliant',
    },
    {
      label: 'unknown',
      value: byStatus.unknown,
      hint: share(byStatus.unknown),
      tone: byStatus.unknown > 0 ? 'warn' : 'plain',
    },
    { label: 'compliant', value: byStatus.compliant, hint: share(byStatus.compliant), tone: 'good' },
    ...(stale !== undefined
      ? [
          {
            label: 'stale',
            value: stale,
            hint: share(stale),
            tone: stale > 0 ? ('warn' as const) : ('plain' as const),
          },
        ]
      : []),
    ...(summary.rates ?? []).map((r) => ({
      label: r.label,
      value: percent(r.part, r.whole),
      hint: `${r.part} of ${r.whole}${r.of ? ` ${r.of}` : ''}`,
    })),
  ];
}

export function renderHtml(report: HtmlReportInput, assets: PageAssets): string {
  const { summary } = report;
  const devices = summary.devices;
  const now = new Date(Date.parse(report.asOf ?? report.generatedAt));
  const failing = report.byRule
    .filter((r) => r.devices > 0 && ruleById(r.rule) !== undefined)
    .sort((a, b) => b.devices - a.devices || a.rule.localeCompare(b.rule));
  const ruleRows: BreakdownRow[] = failing.map((r) => {
    const rule = ruleById(r.rule);
    return {
      label: r.rule,
      detail: markup`${severityBadge(rule.severity)} <span class="note">${rule.title}</span>`,
      devices,
      count: r.devices,
      href: `#fix-${r.rule}`,
    };
  });
  const remediation = failing.map((r) => {
    const rule = ruleById(r.rule);
    const count = `${r.devices} device${r.devices === 1 ? '' : 's'} with an open finding of this rule.`;
    return markup`<section class="panel" id="fix-${r.rule}"><h3>${rule.title} <span class="note mono">${r.rule}</span> ${severityBadge(rule.severity)}</h3><p>${remediationText(rule.remediation)}</p><p class="note">${count}</p></section>`;
  });
  const made = markup`Report made ${when(report.generatedAt)}`;
  const lede = report.asOf
    ? markup`The fleet as it was at ${when(report.asOf)}, reconstructed from the stored history. ${made}`
    : made;
  const trend = trendChart({
    id: 'trend-data',
    days: report.trend.days,
    series: report.trend.series.map((s, i) => ({
      label: s.label,
      stroke: TREND_COLOURS[i % TREND_COLOURS.length] as string,
      values: s.values,
    })),
    empty: 'No history yet: the trend starts with the first day of uploads kept.',
  });
  const byRule = breakdownTable({
    id: 'by-rule',
    labelHeader: 'rule',
    countHeader: 'devices failing',
    shareOf: 'fleet',
    fleet: devices,
    rows: ruleRows,
    empty: 'No rule fails on any device.',
  });
  const group = (id: string, labelHeader: string, groups: readonly GroupCount[]) =>
    breakdownTable({
      id,
      labelHeader,
      countHeader: 'noncompliant',
      shareOf: 'row',
      fleet: devices,
      rows: groupRows(groups),
      empty: 'No devices.',
    });
  const shown = report.noncompliant.length;
  const cut =
    shown < report.noncompliantTotal
      ? markup`<p class="alert info">The first ${shown} of ${report.noncompliantTotal} noncompliant Macs; the CSV format lists every one.</p>`
      : '';
  const table = deviceTable(report.noncompliant, {
    id: 'noncompliant-table',
    now,
    ruleHref: (rule) => `#fix-${rule}`,
    empty: 'No noncompliant Macs.',
  });
  const body = markup`<main>
<h1>tokenwatch fleet compliance</h1>
<p class="lede">${lede} from <span class="mono">${report.source}</span>.</p>
${cards(statusCards(summary))}
<section class="panel"><h2>Compliance over time</h2>${trend}</section>
<section class="panel"><h2>Findings by rule</h2>${byRule}</section>
<div class="grid-2">
<section class="panel"><h2>By OS version</h2>${group('by-os', 'macOS', report.byOs)}</section>
<section class="panel"><h2>By model</h2>${group('by-model', 'model', report.byModel)}</section>
</div>
<section class="panel" id="noncompliant"><h2>Noncompliant Macs</h2>${cut}${table}<p class="note">Select a column's header to sort by it.</p></section>
${remediation.length > 0 ? markup`<h2>Remediation</h2>${remediation}` : ''}
</main>`;
  return htmlDocument({ title: 'tokenwatch fleet compliance', assets, mode: { kind: 'inline' }, body });
}
