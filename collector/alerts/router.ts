// Fan-out: each event of the outbox becomes one delivery per channel that takes it, in one unit of work
// with marking the event routed (so a crash routes it again, never twice: a delivery is unique per event
// and channel). An incident's events go to the channels whose routing takes them as they happen; an event
// addressed to a channel (a reminder, a digest, a backfill) goes to that channel only, if it is configured.
import type { Millis, NewDelivery, Store } from '../store/types.ts';
import type { Severity } from '../rules/types.ts';
import type { ChannelSettings } from './config.ts';
import { routes } from './config.ts';

const BATCH = 500;
const BROADCAST = new Set(['opened', 'reopened', 'resolved', 'exempted']);

/** Route every unrouted event at `now`; how many events of each type were routed. */
export async function routeEvents(
  store: Store,
  channels: readonly ChannelSettings[],
  now: Millis,
): Promise<Map<string, number>> {
  const counted = new Map<string, number>();
  const byName = new Map(channels.map((c) => [c.name, c]));
  for (;;) {
    const n = await store.withTransaction(async (tx) => {
      const events = await tx.alertEvents.unrouted(BATCH);
      const deliveries: NewDelivery[] = [];
      for (const e of events) {
        counted.set(e.type, (counted.get(e.type) ?? 0) + 1);
        const targets =
          e.channel !== null
            ? byName.has(e.channel)
              ? [e.channel]
              : []
            : BROADCAST.has(e.type)
              ? channels
                  .filter((c) => routes(c.routing, e.rule, e.severity as Severity | null))
                  .map((c) => c.name)
              : [];
        for (const channel of targets)
          deliveries.push({
            eventSeq: e.seq,
            channel,
            incidentId: e.incidentId,
            nextAt: now,
            createdAt: now,
          });
      }
      await tx.alertEvents.route(
        events.map((e) => e.seq),
        deliveries,
        now,
      );
      return events.length;
    });
    if (n < BATCH) return counted;
  }
}
