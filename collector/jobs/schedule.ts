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
