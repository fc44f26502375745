// The collector's scheduled report (settings reportSchedule, reportDir, reportFormat, reportChannels): the
// fleet now, read through the collector's own read model, written into the report directory as `tokenwatch
// report --out` writes a file (a temporary file renamed when complete), one file per run named by its UTC
// time; then what the alert channels named by reportChannels are sent (collector/services/report-events.ts):
// the file's name, size and SHA-256, the fleet's counts and rates, the devices failing each rule, and the
// first REPORT_MACS noncompliant Macs, those failing the most severe rules first.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { CollectorConfig } from '../collector/config.ts';
import type { ReadModel } from '../collector/services/read-model.ts';
import type { DeviceView, Summary } from '../collector/services/views.ts';
import { REPORT_MACS, severityRank } from '../collector/alerts/event.ts';
import type { EventReport, ReportMac } from '../collector/alerts/event.ts';
import { reportToFile } from './cli.ts';
import { readModelSource } from './source.ts';

export type ScheduledFormat = CollectorConfig['reportFormat'];

/** `tokenwatch-report-2026-03-02T120000Z.json` */
export function scheduledReportName(now: Date, format: ScheduledFormat): string {
  const stamp = now
    .toISOString()
    .replace(/:/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `tokenwatch-report-${stamp}.${format === 'table' ? 'txt' : format}`;
}

/** A file's size and SHA-256 (hex), read as a stream (a report over a large fleet is large). */
async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

const share = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;

/** A noncompliant Mac as a report names it: the rules of its active findings, most severe first. */
function reportMac(d: DeviceView): ReportMac {
  const active = d.findings
    .filter((f) => f.state === 'active')
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return {
    serial: d.serial,
    hostname: d.hostname,
    model: d.model,
    osVersion: d.osVersion,
    rules: [...new Set(active.map((f) => f.rule))],
  };
}

/** The first REPORT_MACS noncompliant Macs: those failing the most severe rules (then the most failed) first. */
async function namedNoncompliant(readModel: ReadModel, summary: Summary, now: Date): Promise<ReportMac[]> {
  const rules = summary.byRule
    .filter((r) => r.devices > 0)
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.devices - a.devices);
  const named = new Map<string, ReportMac>();
  for (const r of rules) {
    if (named.size >= REPORT_MACS) break;
    const page = await readModel.listDevices(
      { status: 'noncompliant', rule: r.rule },
      { limit: REPORT_MACS },
      now,
    );
    for (const d of page.devices)
      if (named.size < REPORT_MACS && !named.has(d.serial)) named.set(d.serial, reportMac(d));
  }
  return [...named.values()];
}

/** What the channels are sent of a report written to `path` (the fleet read again at `now`). */
export async function reportSummary(
  readModel: ReadModel,
  path: string,
  format: ScheduledFormat,
  now: Date,
): Promise<EventReport> {
  const { bytes, sha256 } = await fileDigest(path);
  const summary = await readModel.summary(now);
  return {
    file: basename(path),
    path,
    format,
    bytes,
    sha256,
    generatedAt: now.toISOString(),
    devices: summary.devices,
    byStatus: summary.byStatus,
    rates: {
      compliant: share(summary.byStatus.compliant, summary.devices),
      bootstrapEscrowed: summary.bootstrapEscrowed.percent,
      bootstrapUsable: summary.bootstrapUsable.percent,
      fileVaultOn: summary.fileVaultOn.percent,
    },
    byRule: summary.byRule
      .filter((r) => r.devices > 0)
      .sort((a, b) => b.devices - a.devices || severityRank(b.severity) - severityRank(a.severity))
      .map((r) => ({ rule: r.rule, title: r.title, severity: r.severity, devices: r.devices })),
    noncompliant: await namedNoncompliant(readModel, summary, now),
  };
}

export async function writeScheduledReport(deps: {
  readModel: ReadModel;
  /** What the report names as its source (the collector's database file). */
  source: string;
  dir: string;
  format: ScheduledFormat;
  now: Date;
}): Promise<EventReport> {
  const file = join(deps.dir, scheduledReportName(deps.now, deps.format));
  await reportToFile(readModelSource(deps.source, deps.readModel, deps.now), {
    format: deps.format,
    out: file,
    now: deps.now,
  });
  return reportSummary(deps.readModel, file, deps.format, deps.now);
}
