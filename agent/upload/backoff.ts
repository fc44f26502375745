// Retry timing, pure: exponential backoff with jitter, and the server's Retry-After honoured.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 60_000, capMs: 6 * 3600_000 };

/**
 * Delay before attempt `attempts + 1`: base * 2^attempts, capped, with "equal jitter" (half fixed,
 * half random) so a fleet that lost its server does not come back in step. `random` is in [0, 1).
 */
export function backoffDelayMs(
  attempts: number,
  random: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempts, 0), 30));
  return Math.round(exp / 2 + (exp / 2) * Math.min(Math.max(random, 0), 1));
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. Capped at one day. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let ms: number | null = null;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) ms = Math.max(0, at - now.getTime());
  }
  return ms === null ? null : Math.min(ms, 24 * 3600_000);
}

export function nextAttemptAt(
  now: Date,
  attempts: number,
  random: number,
  retryAfterMs: number | null,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): Date {
  const delay = Math.max(backoffDelayMs(attempts, random, policy), retryAfterMs ?? 0);
  return new Date(now.getTime() + delay);
}
