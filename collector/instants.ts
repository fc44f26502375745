// Instants: the store keeps epoch milliseconds; the API and the rules speak ISO 8601 (UTC, with milliseconds).
import type { Millis } from './store/types.ts';

/** The ISO 8601 text of an instant; null (no instant) stays null. */
export function iso(ms: Millis): string;
export function iso(ms: Millis | null): string | null;
export function iso(ms: Millis | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The epoch milliseconds of an ISO 8601 instant. */
export const millis = (text: string): Millis => Date.parse(text);
