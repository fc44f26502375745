// The dashboard's trend, remembered. A day's figures are the fleet as that UTC day ended, rebuilt from the
// stored history (read model: trend), about as costly as a summary each: 30 of them on every visit to the
// summary page took 10 s over 1,000,000 devices. A day that has ended does not change (what the history says
// of it is fixed), so each is read once and kept for PAST_DAY_MS; today's is "now" and is read again after
// TODAY_MS, and once more when the day has ended. Time comes in from the caller (now) and from a monotonic clock (ages).
// The page does not wait for a read (peek): it shows the days kept and says the rest are being read, which
// the collector starts at its start (the first read after a start is the 30 days, seconds over a large fleet).
import type { Trend, TrendDay } from '../../collector/services/views.ts';

const DAY = 86_400_000;
/** How long an ended day's figures are kept (a resolved identity conflict can still rewrite the past). */
export const PAST_DAY_MS = 60 * 60_000;
/** How long today's figures are kept (by default; the collector passes its dashboardRefreshSeconds). */
export const TODAY_MS = 60_000;

type ReadTrend = (range: { from: Date; to: Date }, now: Date) => Promise<Trend>;

export interface TrendMemo {
  /** The days from `days - 1` days before now's day to today, as the read model answers them. */
  days(now: Date): Promise<TrendDay[]>;
  /**
   * Without waiting: the days kept for the window (ended days past PAST_DAY_MS and today's past TODAY_MS
   * included), whether every day of the window has been read, and, when some are not fresh, the read of them
   * started in the background (one at a time; its failure goes to `onError`).
   */
  peek(now: Date, onError: (err: unknown) => void): TrendPeek;
  /** Wait for a read peek started (before the store closes). */
  settle(): Promise<void>;
  /**
   * This collector wrote something that may change today's figures: they are read again at the next peek or
   * days once they are `afterWriteMs` old (so constant uploads cost one read of today per that time).
   */
  changed(): void;
}

export interface TrendPeek {
  days: TrendDay[];
  /** Every day of the window has been read at least once (the days the history lacks included). */
  complete: boolean;
  /** When the read in progress started (the `now` it was asked with), or null. */
  readingSince: Date | null;
}

/**
 * The read model's trend read one day at a time, letting requests in between (setImmediate): over SQLite a
 * day is one synchronous query of about a summary's cost, and 30 of them in one go held every request.
 */
export function dayByDay(read: ReadTrend): ReadTrend {
  return async (range, now) => {
    const days: TrendDay[] = [];
    let keptSince: string | null = null;
    for (let t = range.from.getTime(); t <= range.to.getTime(); t += DAY) {
      await new Promise((resolve) => setImmediate(resolve));
      const got = await read({ from: new Date(t), to: new Date(t) }, now);
      keptSince = got.keptSince;
      days.push(...got.days);
    }
    return { keptSince, days };
  };
}

export function trendMemo(
  read: ReadTrend,
  days: number,
  monotonic: () => number,
  todayMs: number = TODAY_MS,
  afterWriteMs: number = todayMs,
): TrendMemo {
  /** A write since today's figures were last read. */
  let written = false;
  const kept = new Map<string, { day: TrendDay | null; at: number; partial: boolean }>();
  const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
  let reading: { since: Date; done: Promise<void> } | null = null;
  const window = (now: Date) => {
    const t = monotonic();
    const today = Math.floor(now.getTime() / DAY) * DAY;
    const wanted = Array.from({ length: days }, (_, i) => today - (days - 1 - i) * DAY);
    const fresh = (d: number) => {
      const k = kept.get(dayOf(d));
      if (k === undefined) return false;
      // Read while it was today: its figures were "now", not the day's end; read it again once it ended.
      if (k.partial && d !== today) return false;
      if (d === today && written && t - k.at >= afterWriteMs) return false;
      return t - k.at < (d === today ? todayMs : PAST_DAY_MS);
    };
    return { t, today, wanted, fresh };
  };
  const keptDays = (wanted: number[]) =>
    wanted.map((d) => kept.get(dayOf(d))?.day).filter((d): d is TrendDay => d != null);
  const memo: TrendMemo = {
    peek(now, onError) {
      const { wanted, fresh } = window(now);
      if (reading === null && wanted.some((d) => !fresh(d))) {
        const r = { since: now, done: memo.days(now).then(() => {}, onError) };
        reading = r;
        void r.done.finally(() => {
          if (reading === r) reading = null;
        });
      }
      return {
        days: keptDays(wanted),
        complete: wanted.every((d) => kept.has(dayOf(d))),
        readingSince: reading?.since ?? null,
      };
    },
    changed() {
      written = true;
    },
    settle: async () => {
      await reading?.done;
    },
    async days(now) {
      const { t, today, wanted, fresh } = window(now);
      const missing = wanted.filter((d) => !fresh(d));
      if (missing.length > 0) {
        // The days to read, decided before the read (a write during it makes today stale again).
        const reread = new Set(missing);
        if (reread.has(today)) written = false;
        // One read from the first day missing to the last: the read model skips days the history does
        // not answer for, which are kept as null so they are not asked for again.
        const first = missing[0] as number;
        const last = missing[missing.length - 1] as number;
        const got = await read({ from: new Date(first), to: new Date(last) }, now);
        const byDay = new Map(got.days.map((d) => [d.day, d]));
        for (let d = first; d <= last; d += DAY)
          if (reread.has(d))
            kept.set(dayOf(d), { day: byDay.get(dayOf(d)) ?? null, at: t, partial: d === today });
      }
      for (const key of kept.keys()) if (key < dayOf(wanted[0] as number)) kept.delete(key);
      return keptDays(wanted);
    },
  };
  return memo;
}
