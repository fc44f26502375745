// The dashboard's first page: the fleet's counts as cards that link to the devices they count, compliance
// over time, and findings by rule (each linking to the devices failing it).
import type { Summary } from '../../../collector/services/views.ts';
import { breakdownTable } from '../html/bars.ts';
import type { BreakdownRow } from '../html/bars.ts';
import { cards } from '../html/cards.ts';
import type { Card } from '../html/cards.ts';
import type { PageAssets } from '../html/document.ts';
import { href, markup } from '../html/escape.ts';
import type { Html } from '../html/escape.ts';
import { percent, severityBadge, when } from '../html/marks.ts';
import { TREND_COLOURS, trendChart } from '../html/trend.ts';
import { dashboardPage } from './layout.ts';

export interface SummaryPageData {
  /** The fleet's counts; null while the first read of them since the collector started is going on. */
  summary: Summary | null;
  /** Rates per day (percentages), oldest first; null when the collector has no trend to show. */
  trend: {
    days: readonly string[];
    series: readonly { label: string; values: readonly (number | null)[] }[];
  } | null;
  /**
   * The counts are the ones the collector keeps (not read for this request): their age is shown, and what is
   * still being read is said. Absent: the counts were read for this page.
   */
  kept?: {
    now: Date;
    /** When the read of the counts in progress started, or null. */
    countsReadingSince: Date | null;
    /** The last read of the counts failed (when and why), or null. */
    countsFailed?: { at: Date; message: string } | null;
    /** When the read of trend days not yet kept started, or null. */
    trendReadingSince: Date | null;
    /** How often the counts are read again, in seconds. */
    everySeconds: number;
  };
}

/** `2026-03-02 16:42:10 UTC`, to the second (the age of kept counts matters in seconds). */
function clockTime(at: Date | string): Html {
  const full = new Date(at).toISOString();
  return markup`<time datetime="${full}">${full.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** `12 s ago`, `3 min ago`: how old kept counts are. */
function howOld(at: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** Every minute, every 5 minutes, every 45 s. */
function period(seconds: number): string {
  if (seconds === 60) return 'every minute';
  if (seconds % 60 === 0) return `every ${seconds / 60} minutes`;
  return `every ${seconds} s`;
}

/** The line under the title: as of when the counts are, and what is still being read. */
function lede(data: SummaryPageData): Html {
  const { summary, kept } = data;
  if (kept === undefined)
    return summary === null
      ? markup`<p class="lede">The fleet's counts are not available.</p>`
      : markup`<p class="lede">As of ${when(summary.generatedAt)}. Each count links to its devices.</p>`;
  const reading =
    kept.countsReadingSince === null
      ? markup``
      : markup` Reading them again since ${clockTime(kept.countsReadingSince)}.`;
  const failed =
    kept.countsFailed == null
      ? markup``
      : markup` Reading them failed at ${clockTime(kept.countsFailed.at)}: ${kept.countsFailed.message} (tried again ${period(kept.everySeconds)}; the collector's log has the error).`;
  if (summary === null && kept.countsFailed != null && kept.countsReadingSince === null)
    return markup`<p class="lede counts-age counts-failed">The fleet's counts are not available.${failed}</p>`;
  if (summary === null)
    return markup`<p class="lede counts-age">The fleet's counts are being computed (since ${clockTime(kept.countsReadingSince ?? kept.now)}): this page shows them once they are ready; reload in a few seconds.</p>`;
  return markup`<p class="lede counts-age">Counts as of ${clockTime(summary.generatedAt)} (${howOld(summary.generatedAt, kept.now)}), kept by this collector: read again ${period(kept.everySeconds)} and soon after its own writes.${failed}${reading} Each count links to its devices.</p>`;
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
  const trendReading =
    data.kept?.trendReadingSince == null
      ? markup``
      : markup`<p class="note trend-reading">Days not yet kept are being read from the history (since ${clockTime(data.kept.trendReadingSince)}): reload to see them.</p>`;
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
    : data.kept?.trendReadingSince != null
      ? markup``
      : markup`<p class="chart-empty">This collector does not compute the trend yet.</p>`;
  const trendPanel = markup`<section class="panel"><h2>Compliance over time</h2>${trend}${trendReading}</section>`;
  const { summary } = data;
  if (summary === null) {
    const body = markup`<h1>Fleet summary</h1>${lede(data)}${trendPanel}`;
    return dashboardPage({ title: 'Fleet summary', assets, section: 'summary', sessionEnds }, body);
  }
  const rules: BreakdownRow[] = summary.byRule.map((r) => ({
    label: r.rule,
    detail: markup`${severityBadge(r.severity)} <span class="note">${r.title}</span>`,
    devices: summary.devices,
    count: r.devices,
    href: devicesHref({ rule: r.rule }),
  }));
  const byRule = breakdownTable({
    id: 'by-rule',
    labelHeader: 'rule',
    countHeader: 'devices failing',
    shareOf: 'fleet',
    fleet: summary.devices,
    rows: rules,
    empty: 'No rule fails on any device.',
  });
  const body = markup`<h1>Fleet summary</h1>${lede(data)}${cards([...summaryCards(summary), ...rateCards(summary)])}${trendPanel}<section class="panel"><h2>Findings by rule</h2>${byRule}<p class="note">Devices with an open finding of the rule (active, pending or exempted).</p></section>`;
  return dashboardPage({ title: 'Fleet summary', assets, section: 'summary', sessionEnds }, body);
}
