// The only node-cron importer: the collector's scheduled jobs: retention (prune.ts) once a day. Status and
// finding states need no job: the read model computes them for the time of each read.
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
