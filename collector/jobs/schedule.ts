// The only node-cron importer: the collector's scheduled jobs. Today: retention (prune) once a day.
// More jobs (persisting time-driven finding changes, sending alerts) are added to this schedule.
import { schedule } from 'node-cron';
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { CollectorConfig } from '../config.ts';
import type { Clock } from '../clock.ts';
import { pruneOnce } from './prune.ts';

export function scheduleJobs(deps: { store: Store; config: CollectorConfig; clock: Clock; logger: Logger }): {
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
  return {
    stop: () => {
      void prune.stop();
    },
  };
}
