// The fleet's counts the dashboard's summary page shows, kept by this collector: computed in the background
// at start, again every `everyMs`, and sooner after this collector's own writes (changed(): at most one
// refresh per `afterWriteMs`, so a fleet uploading all the time costs one summary query per that period).
// A page never waits for the query (about 350 ms over 1,000,000 devices): it shows the counts kept and their
// age, or says they are being computed. One summary is kept (memory bounded); each collector keeps its own,
// so several on one database each show their counts with their own age. close() stops the timer and waits
// for a query in progress. Time comes in: the clock the counts are "as of", a monotonic one for the gaps.
import type { Summary } from '../../collector/services/views.ts';

export interface KeptSummaryOptions {
  read(now: Date): Promise<Summary>;
  clock: { now(): Date };
  monotonic: () => number;
  /** The counts are read again this long after the last read started. */
  everyMs: number;
  /** After a write, the counts are read again once this long has passed since the last read started. */
  afterWriteMs: number;
  /** A failed read (the counts kept stay, with their age). */
  onError(err: unknown): void;
}

export interface KeptCounts {
  /** The counts last read, or null before the first read has ended. */
  summary: Summary | null;
  /** When the read in progress started, or null when none is. */
  computingSince: Date | null;
  /** The last read's failure, when it failed (the counts above, if any, are older): cleared by a read that ends. */
  failed: { at: Date; message: string } | null;
}

export interface KeptSummary {
  /** Start the first read (in the background) and the timer. */
  start(): void;
  current(): KeptCounts;
  /** This collector wrote something that may change the counts: read them again soon. */
  changed(): void;
  /** Stop the timer; wait for a read in progress. */
  close(): Promise<void>;
}

export function keptSummary(o: KeptSummaryOptions): KeptSummary {
  let summary: Summary | null = null;
  let computingSince: Date | null = null;
  let failed: KeptCounts['failed'] = null;
  let running: Promise<void> | null = null;
  let startedAt = -Infinity;
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  let dueAt = Infinity;
  let closed = false;

  const schedule = (at: number) => {
    if (closed || at >= dueAt) return;
    if (timer !== null) clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(
      () => {
        timer = null;
        dueAt = Infinity;
        refresh();
      },
      Math.max(0, at - o.monotonic()),
    );
  };

  const refresh = () => {
    if (closed || running !== null) return;
    dirty = false;
    startedAt = o.monotonic();
    const now = o.clock.now();
    computingSince = now;
    running = o
      .read(now)
      .then(
        (s) => {
          summary = s;
          failed = null;
        },
        (err: unknown) => {
          failed = { at: o.clock.now(), message: err instanceof Error ? err.message : String(err) };
          o.onError(err);
        },
      )
      .finally(() => {
        running = null;
        computingSince = null;
        schedule(startedAt + (dirty ? o.afterWriteMs : o.everyMs));
      });
  };

  return {
    start() {
      if (running === null && timer === null) refresh();
    },
    current: () => ({ summary, computingSince, failed }),
    changed() {
      if (closed) return;
      dirty = true;
      // A read in progress may have started before the write: its end schedules the next one.
      if (running === null) schedule(startedAt + o.afterWriteMs);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
