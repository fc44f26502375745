// When the agent's last collection is stale: older than twice StartIntervalSeconds, so launchd has
// skipped at least one run (a Mac asleep through one interval is not stale). One definition: the EA
// summary (ea-summary.ts, `ea NAME`, the one-line EAs that read the plist) and `status` use it. Pure.

/** How many intervals a collection may be old before it is stale. */
export const STALE_AFTER_INTERVALS = 2;

/** The instant (epoch ms) after which a collection made at `collectedAtMs` is stale. */
export function staleAfterMs(collectedAtMs: number, intervalSeconds: number): number {
  return collectedAtMs + STALE_AFTER_INTERVALS * intervalSeconds * 1000;
}

export function isStale(collectedAt: string, now: Date, intervalSeconds: number): boolean {
  const t = Date.parse(collectedAt);
  // A time that cannot be read is no proof of a recent run.
  return Number.isNaN(t) || now.getTime() > staleAfterMs(t, intervalSeconds);
}
