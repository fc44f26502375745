// The dashboard's first page: the fleet's counts as cards that link to the devices they count, compliance
// over time, and findings by rule (each linking to the devices failing it).
import type { Summary } from '../../../collector/services/views.ts';
import { breakdownTable } from '../html/bars.ts';
import type { BreakdownRow } from '../html/bars.ts';
import { cards } from '../html/cards.ts';
import type { Card } from '../html/cards.ts';
import type { PageAssets } from '../html/document.ts';
import { href, markup } from '../html/escape.ts';
import { percent, severityBadge, when } from '../html/marks.ts';
import { TREND_COLOURS, trendChart } from '../html/trend.ts';
import { dashboardPage } from './layout.ts';

export interface SummaryPageData {
  summary: Summary;
  /** Rates per day (percentages), oldest first; null when the collector has no trend to show. */
  trend: {
    days: readonly string[];
    series: readonly { label: string; values: readonly (number | null)[] }[];
  } | null;
}

/** One day of the read model's trend (structurally its TrendDay view): percentages of the fleet, or null. */
export interface TrendDayData {
  day: string;
  compliantPercent: number | null;
  bootstrapEscrowedPercent: number | null;
  bootstrapUsablePercent: number | null;
  fileVaultOnPercent: number | null;
}

/** The trend's days as the chart's series: compliance, escrow, usable escrow and FileVault, per day. */
export function trendSeries(days: readonly TrendDayData[]): NonNullable<SummaryPageData['trend']> {
  const series = (label: string, pick: (d: TrendDayData) => number | null) => ({
    label,
    values: days.map(pick),
  });
  return {
    days: days.map((d) => d.day),
    series: [
      series('compliant', (d) => d.compliantPercent),
      series('Bootstrap Token escrowed', (d) => d.bootstrapEscrowedPercent),
      series('escrowed and usable', (d) => d.bootstrapUsablePercent),
      series('FileVault on', (d) => d.fileVaultOnPercent),
    ],
  };
}

const devicesHref = (query: Record<string, string>) => href(['devices'], query);

/** A fleet rate as the read model's summary gives it where it computes one: devices with, without, unknown. */
export interface FleetRate {
  yes: number;
  no: number;
  unknown: number;
  /** yes of all devices, in percent (null: no devices). */
  percent: number | null;
}

/** The fleet's rates the summary carries, with the label every page gives them. */
export const RATES = [
  ['bootstrapEscrowed', 'Bootstrap Token escrowed'],
  ['bootstrapUsable', 'escrowed and usable'],
  ['fileVaultOn', 'FileVault on'],
] as const;

/** The rate cards for the rates the summary carries (none when the read model computes none). */
export function rateCards(summary: object): Card[] {
  const s = summary as Partial<Record<(typeof RATES)[number][0], FleetRate>>;
  return RATES.flatMap(([key, label]): Card[] => {
    const r = s[key];
    if (r === undefined) return [];
    const value = r.percent === null ? '-' : `${r.percent.toFixed(1)}%`;
    const hint = `${r.yes} of ${r.yes + r.no + r.unknown}${r.unknown > 0 ? `, ${r.unknown} unknown` : ''}`;
    return [{ label, value, hint, tone: 'plain' }];
  });
}

export function summaryCards(summary: Summary): Card[] {
  const { devices, byStatus } = summary;
  const stale = summary.byRule.find((r) => r.rule === 'stale')?.devices ?? 0;
  return [
    { label: 'devices', value: devices, href: devicesHref({}) },
    {
      label: 'noncompliant',
      value: byStatus.noncompliant,
      hint: percent(byStatus.noncompliant, devices),
      tone: byStatus.noncompliant > 0 ? 'bad' : 'good',
      href: devicesHref({ status: 'noncompliant' }),
    },
    {
      label: 'unknown',
      value: byStatus.unknown,
      hint: percent(byStatus.unknown, devices),
      tone: byStatus.unknown > 0 ? 'warn' : 'plain',
      href: devicesHref({ status: 'unknown' }),
    },
    {
      label: 'compliant',
      value: byStatus.compliant,
      hint: percent(byStatus.compliant, devices),
      tone: 'good',
      href: devicesHref({ status: 'compliant' }),
    },
    {
      label: 'stale',
      value: stale,
      hint: percent(stale, devices),
      tone: stale > 0 ? 'warn' : 'plain',
      href: devicesHref({ rule: 'stale' }),
    },
  ];
}

export function summaryPage(data: SummaryPageData, assets: PageAssets, sessionEnds: string): string {
  const { summary } = data;
  const rules: BreakdownRow[] = summary.byRule.map((r) => ({
    label: r.rule,
    detail: markup`${severityBadge(r.severity)} <span class="note">${r.title}</span>`,
    devices: summary.devices,
    count: r.devices,
    href: devicesHref({ rule: r.rule }),
  }));
  const trend = data.trend
    ? trendChart({
        id: 'trend-data',
        days: data.trend.days,
        series: data.trend.series.map((s, i) => ({
          label: s.label,
          stroke: TREND_COLOURS[i % TREND_COLOURS.length] as string,
          values: s.values,
        })),
        empty: 'No history yet: the trend starts with the first day of uploads kept.',
      })
    : markup`<p class="chart-empty">This collector does not compute the trend yet.</p>`;
  const byRule = breakdownTable({
    id: 'by-rule',
    labelHeader: 'rule',
    countHeader: 'devices failing',
    shareOf: 'fleet',
    fleet: summary.devices,
    rows: rules,
    empty: 'No rule fails on any device.',
  });
  const body = markup`<h1>Fleet summary</h1><p class="lede">As of ${when(summary.generatedAt)}. Each count links to its devices.</p>${cards([...summaryCards(summary), ...rateCards(summary)])}<section class="panel"><h2>Compliance over time</h2>${trend}</section><section class="panel"><h2>Findings by rule</h2>${byRule}<p class="note">Devices with an open finding of the rule (active, pending or exempted).</p></section>`;
  return dashboardPage({ title: 'Fleet summary', assets, section: 'summary', sessionEnds }, body);
}
