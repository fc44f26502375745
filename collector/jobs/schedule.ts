// The only node-cron importer: each job of the table (table.ts) on its schedule, run by the runner
// (runner.ts: overlap prevention, the store's lease, the record and the log line). node-cron's own
// noOverlap guards the timer as well. Status and finding states need no job: the read model computes them
// for the time of each read; the jobs turn the instants things change at into incidents and events.
import { schedule } from 'node-cron';
import type { JobDefinition, JobRunner } from './runner.ts';

export function scheduleJobs(jobs: readonly JobDefinition[], runner: JobRunner): { stop(): void } {
  const tasks = jobs.map((job) =>
    schedule(job.cron, () => runner.run(job), { name: job.name, noOverlap: true }),
  );
  return {
    stop: () => {
      for (const t of tasks) void t.stop();
    },
  };
}
