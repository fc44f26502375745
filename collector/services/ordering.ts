// A device's states in an order the collector can trust. A Mac's clock can be wrong; the collector's receive
// time cannot be ahead of the truth. So a snapshot takes its place at min(collectedAt, receivedAt +
// tolerance): a late delivery from the outbox (collected earlier, received now) keeps its collection time,
// and a snapshot dated ahead of the collector's clock counts as received, so it can never hold its place
// against later real states. Its collectedAt is kept as the agent reported it and flagged as clock skew.
import type { Millis } from '../store/types.ts';

/** How far ahead of the collector's clock a Mac's may run before it is flagged (and capped in the order). */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** The instant a snapshot takes its place in its device's order. */
export const orderTime = (collectedAt: Millis, receivedAt: Millis): Millis =>
  Math.min(collectedAt, receivedAt + CLOCK_TOLERANCE_MS);

/**
 * How many seconds ahead of the collector's clock an upload or check-in was dated, or null within the
 * tolerance. Only "ahead" can be known: a time behind is also what a late delivery looks like.
 */
export function clockSkewSeconds(collectedAt: unknown, receivedAt: unknown): number | null {
  if (typeof collectedAt !== 'number' || typeof receivedAt !== 'number') return null;
  const ahead = collectedAt - receivedAt;
  return Number.isFinite(ahead) && ahead > CLOCK_TOLERANCE_MS ? Math.round(ahead / 1000) : null;
}
