// The scheduled report, sent: after the file is written (reports/scheduled.ts), one report event per channel
// named by reportChannels goes into the alerts' outbox, addressed to that channel, in one unit of work. The
// delivery worker sends it as it sends every alert (retries with backoff, Retry-After, dead letters, the
// delivery metrics and GET /api/v1/alerts/events); the file stays in reportDir whatever the sends come to.
import type { Millis, Store } from '../store/types.ts';
import type { AlertEvent, EventReport } from '../alerts/event.ts';
import { appendEvent } from './incidents.ts';

/** The event id of a report to a channel: the same for a run retried, another for the next run. */
export const reportEventId = (channel: string, at: Millis): string => `evt_report_${channel}_${at}`;

/** Queue the report for each channel; how many events were written (one already written is not again). */
export async function queueReport(
  store: Pick<Store, 'withTransaction'>,
  channels: readonly string[],
  report: EventReport,
  now: Millis,
): Promise<number> {
  if (channels.length === 0) return 0;
  return store.withTransaction(async (tx) => {
    let written = 0;
    for (const channel of channels) {
      const event: AlertEvent = {
        id: reportEventId(channel, now),
        type: 'report',
        occurredAt: new Date(now).toISOString(),
        incident: null,
        digest: null,
        report,
      };
      if (await appendEvent(tx, event, channel)) written++;
    }
    return written;
  });
}
