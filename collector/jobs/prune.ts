// Retention: drop history older than historyRetentionDays (never a device's current snapshot), snapshot
// receipts older than receiptRetentionDays, audit entries older than auditRetentionDays.
import type { Store } from '../store/types.ts';
import type { CollectorConfig } from '../config.ts';

const DAY = 86_400_000;

export async function pruneOnce(
  store: Store,
  config: Pick<CollectorConfig, 'historyRetentionDays' | 'receiptRetentionDays' | 'auditRetentionDays'>,
  now: Date,
): Promise<{ history: number; receipts: number; audit: number }> {
  const t = now.getTime();
  const cutoff = (days: number) => (days > 0 ? t - days * DAY : Number.MIN_SAFE_INTEGER);
  return store.prune({
    historyBefore: cutoff(config.historyRetentionDays),
    receiptsBefore: cutoff(config.receiptRetentionDays),
    auditBefore: cutoff(config.auditRetentionDays),
  });
}
