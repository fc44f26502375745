// The only node-cron importer: the collector's scheduled jobs: retention (prune.ts) once a day, and the
// scheduled report (reportSchedule: main.ts hands over the writer, reports/scheduled.ts) when set. Status
// and finding states need no job: the read model computes them for the time of each read.
import { accessSync, constants, statSync } from 'node:fs';
import { schedule, validate } from 'node-cron';
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { CollectorConfig } from '../config.ts';
import type { Clock } from '../clock.ts';
import { pruneOnce } from './prune.ts';

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

export function scheduleJobs(deps: {
  store: Store;
  config: CollectorConfig;
  clock: Clock;
  logger: Logger;
  /** Write the scheduled report for `now`, answering the file written. */
  report?: (now: Date) => Promise<string>;
}): {
  stop(): void;
} {
  const prune = schedule('17 3 * * *', async () => {
    try {
      const r = await pruneOnce(deps.store, deps.config, deps.clock.now());
      deps.logger.info(r, 'retention: pruned');
    } catch (err) {
      deps.logger.error({ err }, 'retention: prune failed');
    }
  });
  const write = deps.report;
  const report =
    deps.config.reportSchedule === '' || write === undefined
      ? null
      : schedule(
          deps.config.reportSchedule,
          async () => {
            try {
              const file = await write(deps.clock.now());
              deps.logger.info({ file }, 'scheduled report: written');
            } catch (err) {
              deps.logger.error({ err }, 'scheduled report: failed');
            }
          },
          { timezone: 'UTC', noOverlap: true },
        );
  return {
    stop: () => {
      void prune.stop();
      void report?.stop();
    },
  };
}
