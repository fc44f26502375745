// What a channel's attempt came to, whatever carried it (HTTP or SMTP), and how the worker reads it.

export interface SendResult {
  /** The receiver's status: an HTTP status or an SMTP reply code; null when no answer came. */
  status: number | null;
  ok: boolean;
  /** 410 Gone: the endpoint is no more; the channel is disabled until its target changes or an admin enables it. */
  gone: boolean;
  /** How long the receiver asked to wait (Retry-After), in milliseconds. */
  retryAfterMs: number | null;
  /** What went wrong, in one line (null when ok). */
  error: string | null;
  /** The start of the receiver's answer (printed by tokenwatch alerts test). */
  answer: string;
}

const ANSWER_MAX = 500;

/** The first characters of an answer, on one line. */
export const shortAnswer = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, ANSWER_MAX);

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
