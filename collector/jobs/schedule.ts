// The only node-cron importer: each job of the table (table.ts) on its schedule, run by the runner
// (runner.ts: overlap prevention, the store's lease, the record and the log line). node-cron's own
// noOverlap guards the timer as well. Status and finding states need no job: the read model computes them
// for the time of each read; the jobs turn the instants things change at into incidents and events.
// Also the start-up check of the scheduled report's settings (its cron expression and directory).
import { accessSync, constants, statSync } from 'node:fs';
import { schedule, validate } from 'node-cron';
import type { CollectorConfig } from '../config.ts';
import type { JobDefinition, JobRunner } from './runner.ts';

/** Why the scheduled report's settings cannot work (checked at start), or null. */
export function scheduledReportProblem(
  config: Pick<CollectorConfig, 'reportSchedule' | 'reportDir'>,
): string | null {
  if (config.reportSchedule === '') return null;
  if (!validate(config.reportSchedule))
    return `reportSchedule "${config.reportSchedule}" is not a cron expression (minute hour day-of-month month day-of-week, e.g. "0 6 * * 1")`;
  if (config.reportDir === '')
    return 'reportSchedule is set but reportDir is not: set the directory reports go to';
  try {
    if (!statSync(config.reportDir).isDirectory()) return `reportDir ${config.reportDir} is not a directory`;
    accessSync(config.reportDir, constants.W_OK);
  } catch (e) {
    return `reportDir ${config.reportDir} cannot be written to (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  return null;
}

/** The channel names reportChannels gives (empty: none). */
export const reportChannelNames = (setting: string): string[] =>
  setting
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');

/** Why reportChannels cannot work with these alert channels (checked at start), or null. */
export function reportChannelsProblem(
  config: Pick<CollectorConfig, 'reportSchedule' | 'reportChannels'>,
  channels: readonly string[],
): string | null {
  const names = reportChannelNames(config.reportChannels);
  if (names.length === 0) return null;
  if (config.reportSchedule === '')
    return 'reportChannels is set but reportSchedule is not: set when the report is written';
  const unknown = names.filter((n) => !channels.includes(n));
  if (unknown.length > 0)
    return `reportChannels names ${unknown.map((n) => `"${n}"`).join(', ')}, not an alert channel (configured: ${channels.length > 0 ? channels.join(', ') : 'none'})`;
  return null;
}

export function scheduleJobs(jobs: readonly JobDefinition[], runner: JobRunner): { stop(): void } {
  const tasks = jobs.map((job) =>
    schedule(job.cron, () => runner.run(job, { scheduled: true }), {
      name: job.name,
      noOverlap: true,
      ...(job.timezone ? { timezone: job.timezone } : {}),
    }),
  );
  return {
    stop: () => {
      for (const t of tasks) void t.stop();
    },
  };
}
