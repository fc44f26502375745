// What `tokenwatch-agent run` prints for a person at a terminal: one line per outcome of the cycle
// (collected; queued or why not; enrolled; sent, rejected, or why nothing was sent and what to do). A run
// by launchd prints nothing: its stdout is no terminal (main.ts decides; --report forces the lines), and
// the log (LogFile) has the same outcomes for it.
import type { CycleReport } from './cycle.ts';
import type { OutboxSummary } from './cache/outbox.ts';

export interface RunReportContext {
  serverUrl: string;
  minIntervalSeconds: number;
  /** The outbox after the run. */
  outbox: Pick<OutboxSummary, 'snapshots' | 'checkins' | 'rejected' | 'nextAttemptAt'>;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function waiting(o: RunReportContext['outbox']): string {
  const parts = [];
  if (o.snapshots > 0) parts.push(plural(o.snapshots, 'snapshot'));
  if (o.checkins > 0) parts.push(plural(o.checkins, 'check-in'));
  return parts.length === 0 ? 'the queue is empty' : `${parts.join(' and ')} queued`;
}

export function runReportLines(r: CycleReport, ctx: RunReportContext): string[] {
  const lines: string[] = [];
  const errors = r.snapshot.errors.length;
  lines.push(
    `collected: ${errors === 0 ? 'every probe answered' : `${plural(errors, 'probe error')} (tokenwatch-agent status lists them)`}; ${r.changed ? 'changed since the last collection' : 'unchanged since the last collection'}`,
  );
  if (r.plan === 'snapshot') lines.push('queued: the snapshot');
  else if (r.plan === 'checkin')
    lines.push('queued: a check-in (nothing changed; it tells the collector this Mac is alive)');
  else
    lines.push(
      `not queued: nothing changed and the collector heard from this Mac within MinIntervalSeconds (${ctx.minIntervalSeconds} s)`,
    );
  if (r.dropped > 0)
    lines.push(
      `dropped: the outbox is full; the ${plural(r.dropped, 'oldest queued snapshot')} will never reach the collector`,
    );
  const u = r.upload;
  if (u === null) {
    lines.push(`not sent: ${r.held ?? 'uploads are off'}; ${waiting(ctx.outbox)}`);
    return lines;
  }
  if (u.enrolled) lines.push(`enrolled: ${ctx.serverUrl} issued this Mac's device token`);
  if (u.sent > 0) lines.push(`sent: ${plural(u.sent, 'item')} to ${ctx.serverUrl}`);
  if (u.rejected > 0)
    lines.push(
      `rejected: the collector will never accept ${plural(u.rejected, 'queued item')} as sent (tokenwatch-agent status says why)`,
    );
  if (u.stopped !== null) lines.push(`not sent: ${u.stopped}; ${waiting(ctx.outbox)}`);
  else if (u.sent === 0 && u.rejected === 0) {
    const queued = ctx.outbox.snapshots + ctx.outbox.checkins;
    lines.push(
      queued === 0
        ? 'sent: nothing was waiting'
        : `not sent: the queue waits for its next attempt${ctx.outbox.nextAttemptAt ? ` at ${ctx.outbox.nextAttemptAt}` : ''} after earlier failures (--retry-now sends it now); ${waiting(ctx.outbox)}`,
    );
  }
  return lines;
}
