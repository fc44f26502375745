// tokenwatch report --format html: the read model's summary, trend and devices (the same views the json
// format writes) turned into the HTML renderer's input (render/html.ts). The device table holds the first
// HTML_TABLE_ROWS noncompliant Macs (a page a browser opens quickly; the file says how many there are and
// that the CSV lists every one); the breakdowns by OS version and model count every device selected.
import type { Summary, Trend } from '../collector/services/views.ts';
import type { HtmlReportInput, ReportRate } from './render/html.ts';
import { addToGroups } from './render/groups.ts';
import type { Groups } from './render/groups.ts';
import type { FleetRow } from './render/index.ts';
import { RATES, trendSeries } from './render/dashboard/summary.ts';

/** The most noncompliant Macs the HTML report's table lists. */
export const HTML_TABLE_ROWS = 5_000;

const rate = (label: string, r: Summary['bootstrapEscrowed']): ReportRate => ({
  label,
  part: r.yes,
  whole: r.yes + r.no + r.unknown,
});

/** Collects what the HTML report shows while the devices stream past, a device at a time. */
export class HtmlReportBuilder {
  private readonly byOs: Groups = new Map();
  private readonly byModel: Groups = new Map();
  private readonly noncompliant: FleetRow[] = [];
  private noncompliantTotal = 0;

  add(row: FleetRow): void {
    addToGroups(this.byOs, 'os', row);
    addToGroups(this.byModel, 'model', row);
    if (row.status !== 'noncompliant') return;
    this.noncompliantTotal += 1;
    if (this.noncompliant.length < HTML_TABLE_ROWS) this.noncompliant.push(row);
  }

  input(r: { generatedAt: Date; source: string; summary: Summary; trend: Trend }): HtmlReportInput {
    const { summary } = r;
    const stale = summary.byRule.find((x) => x.rule === 'stale')?.devices ?? 0;
    return {
      generatedAt: r.generatedAt.toISOString(),
      asOf: summary.asOf,
      source: r.source,
      summary: {
        devices: summary.devices,
        byStatus: summary.byStatus,
        stale,
        rates: RATES.map(([key, label]) => rate(label, summary[key])),
      },
      trend: trendSeries(r.trend.days),
      byRule: summary.byRule.map(({ rule, devices }) => ({ rule, devices })),
      byOs: [...this.byOs.values()],
      byModel: [...this.byModel.values()],
      noncompliant: this.noncompliant,
      noncompliantTotal: this.noncompliantTotal,
    };
  }
}
