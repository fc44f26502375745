// The report facts of devices an older version stored without them (or derived with an older
// FACTS_VERSION): derived from each device's current snapshot, a batch per unit of work, yielding between
// batches so the collector answers meanwhile. Run once at start (main.ts); a device whose snapshot cannot
// be read keeps unknown facts and is logged.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { RuleConfig } from '../rules/index.ts';
import { FACTS_VERSION, factsOfStoredBody } from '../services/device-facts.ts';

const BATCH = 200;

export async function backfillReportFacts(
  deps: { store: Store; rules: RuleConfig; now: () => Date; logger: Logger },
  stopped: () => boolean = () => false,
): Promise<{ devices: number; unreadable: number }> {
  const { store, logger } = deps;
  let after = 0;
  let devices = 0;
  let unreadable = 0;
  while (!stopped()) {
    const batch = await store.fleet.withoutReportFacts(FACTS_VERSION, after, BATCH);
    if (batch.length === 0) break;
    await store.withTransaction(async (tx) => {
      for (const d of batch) {
        after = d.id;
        const stored = await tx.snapshots.currentBody(d.id);
        const r =
          stored === null ? { problem: 'no stored body' } : factsOfStoredBody(stored, deps.now(), deps.rules);
        if ('problem' in r) {
          unreadable++;
          logger.warn({ deviceId: d.id, problem: r.problem }, 'report facts: current snapshot unreadable');
          continue;
        }
        await tx.devices.setReportFacts(d.id, d.snapshotId, r.facts, FACTS_VERSION);
        devices++;
      }
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (devices > 0 || unreadable > 0) logger.info({ devices, unreadable }, 'report facts: filled in');
  return { devices, unreadable };
}
