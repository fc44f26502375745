// tokenwatch report --format html: the read model's summary, trend and devices (the same views the json
// format writes) turned into the HTML renderer's input (render/html.ts). The device table holds the first
// HTML_TABLE_ROWS noncompliant Macs (a page a browser opens quickly; the file says how many there are and
// that the CSV lists every one); the breakdowns by OS version and model count every device selected.
import type { Summary, Trend } from '../collector/services/views.ts';
import type { HtmlReportInput, GroupCount, ReportRate } from './render/html.ts';
import type { FleetRow } from './render/index.ts';
import { trendSeries } from './render/dashboard/summary.ts';

/** The most noncompliant Macs the HTML report's table lists. */
export const HTML_TABLE_ROWS = 5_000;

const rate = (label: string, r: Summary['bootstrapEscrowed']): ReportRate => ({
  label,
  part: r.yes,
  whole: r.yes + r.no + r.unknown,
});

/** Collects what the HTML report shows while the devices stream past, a device at a time. */
export class HtmlReportBuilder {
  private readonly byOs = new Map<string | null, GroupCount>();
  private readonly byModel = new Map<string | null, GroupCount>();
  private readonly noncompliant: FleetRow[] = [];
  private noncompliantTotal = 0;

  add(row: FleetRow): void {
    const count = (groups: Map<string | null, GroupCount>, key: string | null) => {
      const g = groups.get(key) ?? { key, devices: 0, noncompliant: 0 };
      g.devices += 1;
      if (row.status === 'noncompliant') g.noncompliant += 1;
      groups.set(key, g);
    };
    count(this.byOs, row.osVersion);
    count(this.byModel, row.model);
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
        rates: [
          rate('Bootstrap Token escrowed', summary.bootstrapEscrowed),
          rate('escrowed and usable', summary.bootstrapUsable),
          rate('FileVault on', summary.fileVaultOn),
        ],
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
