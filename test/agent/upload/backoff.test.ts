import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, nextAttemptAt, parseRetryAfter } from '../../../agent/upload/backoff.ts';

const policy = { baseMs: 60_000, capMs: 3600_000 };

test('backoff doubles per attempt, with half of it random, and stops at the cap', () => {
  assert.equal(backoffDelayMs(0, 0, policy), 30_000);
  assert.equal(backoffDelayMs(0, 1, policy), 60_000);
  assert.equal(backoffDelayMs(3, 0, policy), 240_000);
  assert.equal(backoffDelayMs(3, 0.5, policy), 360_000);
  assert.equal(backoffDelayMs(50, 1, policy), 3600_000);
  assert.equal(backoffDelayMs(50, 0, policy), 1800_000);
  assert.equal(backoffDelayMs(-1, 0, policy), 30_000, 'a negative count is the first attempt');
});

test('Retry-After: seconds or an HTTP date, capped at a day; unreadable is null', () => {
  const now = new Date('2026-03-02T12:00:00.000Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Mon, 02 Mar 2026 12:05:00 GMT', now), 300_000);
  assert.equal(parseRetryAfter('Mon, 02 Mar 2026 11:00:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('999999999', now), 24 * 3600_000);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(null, now), null);
});

test('the next attempt waits for the longer of the backoff and Retry-After', () => {
  const now = new Date('2026-03-02T12:00:00.000Z');
  assert.equal(nextAttemptAt(now, 0, 0, 7200_000, policy).toISOString(), '2026-03-02T14:00:00.000Z');
  assert.equal(nextAttemptAt(now, 0, 0, 1000, policy).toISOString(), '2026-03-02T12:00:30.000Z');
  assert.equal(nextAttemptAt(now, 0, 0, null, policy).toISOString(), '2026-03-02T12:00:30.000Z');
});
