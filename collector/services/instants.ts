// Instants: the store keeps epoch milliseconds; the API and the rules speak ISO 8601 (UTC, with milliseconds).
// Text from outside (an agent's collectedAt, an admin's expiry) is read strictly: a real calendar date, and
// an instant some Mac could mean. A stored value is shown only when it is an instant RFC 3339 can write.
import { WRITABLE_FROM, WRITABLE_UNTIL } from '../store/types.ts';
import type { Millis } from '../store/types.ts';

export { WRITABLE_FROM, WRITABLE_UNTIL };

/** The ISO 8601 text of an instant; null (no instant) stays null. */
export function iso(ms: Millis): string;
export function iso(ms: Millis | null): string | null;
export function iso(ms: Millis | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The epoch milliseconds of an ISO 8601 instant. */
export const millis = (text: string): Millis => Date.parse(text);

/** No Mac reports a time before 2000 or from 2100 on (the earliest and the first refused instant). */
export const PLAUSIBLE_FROM: Millis = Date.UTC(2000, 0, 1);
export const PLAUSIBLE_UNTIL: Millis = Date.UTC(2100, 0, 1);

/** 00:00 UTC on the given day of any year (Date.UTC would read years 0-99 as 1900-1999). */
function utcDay(year: number, month: number, day: number): Millis {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** The ISO 8601 text of a stored instant, or null when the stored value is none (any type, any range). */
export function storedInstant(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return null;
  if (value < WRITABLE_FROM || value >= WRITABLE_UNTIL) return null;
  return new Date(value).toISOString();
}

/** Whether a stored value is an instant storedInstant can show. */
export const isStoredInstant = (value: unknown): value is Millis => storedInstant(value) !== null;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Days in a month (1-12) of a year: day 0 of the next month is its last day. */
const daysIn = (year: number, month: number): number => new Date(utcDay(year, month + 1, 0)).getUTCDate();

export type InstantReading = { ok: true; ms: Millis } | { ok: false; problem: string };

/**
 * Read an RFC 3339 date-time strictly: every field in its calendar range (30 February, hour 24 and a leap
 * second are refused: no stored instant can say them) and the offset applied. The problem is a phrase to put
 * after the quoted text.
 */
export function readCalendarInstant(text: string): InstantReading {
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, problem: 'is not an RFC 3339 date-time such as 2026-03-02T12:00:00Z' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? '';
  const [sign, offH, offM] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const bad = (why: string): InstantReading => ({ ok: false, problem: `is not a real instant: ${why}` });
  if (month < 1 || month > 12) return bad(`there is no month ${month}`);
  if (day < 1 || day > daysIn(year, month))
    return bad(`${MONTHS[month - 1]} ${year} has ${daysIn(year, month)} days`);
  if (hour > 23) return bad(`there is no hour ${hour}`);
  if (minute > 59) return bad(`there is no minute ${minute}`);
  if (second === 60) return bad('a leap second (second 60) is no instant the collector can store');
  if (second > 59) return bad(`there is no second ${second}`);
  if (offH > 23 || offM > 59) return bad(`there is no offset ${sign}${m[9]}:${m[10]}`);
  const offset = (sign === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  const ms =
    utcDay(year, month, day) +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    Number(fraction.padEnd(3, '0').slice(0, 3)) -
    offset;
  return { ok: true, ms };
}

/** readCalendarInstant, and the instant in [PLAUSIBLE_FROM, PLAUSIBLE_UNTIL): what an agent may report. */
export function readInstant(text: string): InstantReading {
  const r = readCalendarInstant(text);
  if (r.ok && (r.ms < PLAUSIBLE_FROM || r.ms >= PLAUSIBLE_UNTIL)) {
    return {
      ok: false,
      problem: `is ${new Date(r.ms).toISOString()}, outside ${iso(PLAUSIBLE_FROM)} to ${iso(PLAUSIBLE_UNTIL)}: no Mac means that time`,
    };
  }
  return r;
}
