// The collector's scheduled report (settings reportSchedule, reportDir, reportFormat): the fleet now, read
// through the collector's own read model, written into the report directory as `tokenwatch report --out`
// writes a file (a temporary file renamed when complete), one file per run named by its UTC time.
// Sending it to an alert channel is for when alert channels exist.
import { join } from 'node:path';
import type { CollectorConfig } from '../collector/config.ts';
import type { ReadModel } from '../collector/services/read-model.ts';
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

export async function writeScheduledReport(deps: {
  readModel: ReadModel;
  /** What the report names as its source (the collector's database file). */
  source: string;
  dir: string;
  format: ScheduledFormat;
  now: Date;
}): Promise<string> {
  const file = join(deps.dir, scheduledReportName(deps.now, deps.format));
  await reportToFile(readModelSource(deps.source, deps.readModel, deps.now), {
    format: deps.format,
    out: file,
    now: deps.now,
  });
  return file;
}
