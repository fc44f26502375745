// A trend chart: rates per day as a uPlot line chart (trend-chart.js draws it from the JSON beside it), and
// the same numbers as a table in a <details>, for readers without canvas or script, and for print.
import { markup, scriptJson } from './escape.ts';
import type { Html } from './escape.ts';

export interface TrendSeries {
  label: string;
  /** A colour of ours (a CSS colour). */
  stroke: string;
  /** One value per day (a percentage 0..100), null where the day has no data. */
  values: readonly (number | null)[];
}

export interface Trend {
  /** The element id of the chart's data (unique on the page). */
  id: string;
  /** Days as YYYY-MM-DD (UTC), oldest first. */
  days: readonly string[];
  series: readonly TrendSeries[];
  /** Shown instead of a chart when there are no days. */
  empty: string;
}

/** The series' colours, in order. */
export const TREND_COLOURS = ['#1f7a3a', '#2457c5', '#b45309', '#7c3aed', '#0e7490'];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const shown = (v: number | null | undefined) =>
  typeof v === 'number' && Number.isFinite(v) ? `${(Math.round(v * 10) / 10).toFixed(1)}%` : '-';

export function trendChart(t: Trend): Html {
  const kept = t.days
    .map((day, i) => ({ day, i }))
    .filter(({ day }) => DAY.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)));
  if (kept.length === 0) return markup`<p class="chart-empty">${t.empty}</p>`;
  const value = (s: TrendSeries, i: number) => {
    const v = s.values[i];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const data = {
    x: kept.map(({ day }) => Date.parse(`${day}T00:00:00Z`) / 1000),
    unit: '%',
    series: t.series.map((s) => ({
      label: s.label,
      stroke: s.stroke,
      values: kept.map(({ i }) => value(s, i)),
    })),
  };
  const first = kept[0]?.day ?? '';
  const last = kept[kept.length - 1];
  const latest = t.series.map((s) => `${s.label} ${shown(last ? value(s, last.i) : null)}`).join(', ');
  const label = `Per day from ${first} to ${last?.day ?? ''}; on ${last?.day ?? ''}: ${latest}`;
  const headers = t.series.map((s) => markup`<th class="num">${s.label}</th>`);
  const rows = kept
    .map(
      ({ day, i }) =>
        markup`<tr><td>${day}</td>${t.series.map((s) => markup`<td class="num">${shown(value(s, i))}</td>`)}</tr>`,
    )
    .reverse();
  return markup`<div class="chart" data-chart="${t.id}" role="img" aria-label="${label}"></div><script type="application/json" id="${t.id}">${scriptJson(data)}</script><details><summary>The numbers per day</summary><table class="data"><thead><tr><th>day (UTC)</th>${headers}</tr></thead><tbody>${rows}</tbody></table></details>`;
}
