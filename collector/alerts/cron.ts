// Digest schedules: five-field cron expressions (minute hour day-of-month month day-of-week) read and
// matched against an instant handed in, so that a digest is due by the injected clock, not by a timer.
// Fields take *, numbers, ranges (1-5), steps (*/15, 0-30/10), lists (1,15) and names (jan-dec, sun-sat;
// 7 is Sunday too). As in Vixie cron, when both day fields are restricted a day matching either counts.
// Pure: the time zone is read with Intl (no I/O).

export interface Cron {
  expression: string;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day of month and day of week both restricted: either matches. */
  eitherDay: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[], base: 0 },
  { name: 'hour', min: 0, max: 23, names: [] as string[], base: 0 },
  { name: 'day of month', min: 1, max: 31, names: [] as string[], base: 0 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, base: 0 },
];

export class CronError extends Error {
  override name = 'CronError';
}

function field(text: string, spec: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  const value = (v: string): number => {
    const named = spec.names.indexOf(v.toLowerCase());
    if (named >= 0) return named + spec.base;
    if (!/^\d+$/.test(v)) throw new CronError(`${spec.name} "${v}" is not a number`);
    const n = Number(v);
    if (n < spec.min || n > spec.max)
      throw new CronError(`${spec.name} ${n} is outside ${spec.min}-${spec.max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`${spec.name} "${part}" is not a value, range or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new CronError(`${spec.name} step must be at least 1`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') [lo, hi] = [spec.min, spec.max];
    else {
      const [a, b] = (m[1] as string).split('-');
      lo = value(a as string);
      hi = b === undefined ? (m[2] === undefined ? lo : spec.max) : value(b);
      if (hi < lo) throw new CronError(`${spec.name} range ${m[1]} runs backwards`);
    }
    for (let n = lo; n <= hi; n += step) out.add(n);
  }
  return out;
}

/** Read a five-field expression; a CronError says which field is wrong and why. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(
      `"${expression}" has ${parts.length} fields: a digest schedule has five (minute hour day-of-month month day-of-week)`,
    );
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) =>
    field(p, FIELDS[i] as (typeof FIELDS)[number]),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  return {
    expression,
    minutes,
    hours,
    days,
    months,
    weekdays,
    eitherDay: parts[2] !== '*' && parts[4] !== '*',
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `timezone` is an IANA time zone this Node.js knows. */
export function knownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function wallClock(ms: number, timezone: string) {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return {
    minute: Number(p['minute']),
    hour: Number(p['hour']),
    day: Number(p['day']),
    month: Number(p['month']),
    weekday: DAYS.indexOf(String(p['weekday']).toLowerCase()),
  };
}

/** Whether the minute that holds `ms` matches, on the wall clock of `timezone`. */
export function cronMatches(c: Cron, ms: number, timezone: string): boolean {
  const t = wallClock(ms, timezone);
  if (!c.minutes.has(t.minute) || !c.hours.has(t.hour) || !c.months.has(t.month)) return false;
  const dom = c.days.has(t.day);
  const dow = c.weekdays.has(t.weekday);
  return c.eitherDay ? dom || dow : dom && dow;
}

const MINUTE = 60_000;
/** How far back a schedule is looked for: a digest missed for longer is sent for its latest slot only. */
const LOOKBACK_MINUTES = 366 * 24 * 60;

/**
 * The latest instant (a whole minute) in (after, atOrBefore] at which the schedule fires, or null: the slot a
 * digest is due for when the clock reads `atOrBefore` and the previous digest covered up to `after`.
 */
export function latestSlot(c: Cron, timezone: string, after: number, atOrBefore: number): number | null {
  let t = atOrBefore - (((atOrBefore % MINUTE) + MINUTE) % MINUTE);
  for (let i = 0; i < LOOKBACK_MINUTES && t > after; i++, t -= MINUTE) {
    if (cronMatches(c, t, timezone)) return t;
  }
  return null;
}
