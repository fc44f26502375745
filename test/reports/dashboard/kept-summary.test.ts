// The counts the dashboard keeps (kept-summary.ts): read in the background at start, again on the period
// and soon after writes (at most once per afterWriteMs), never for a page; close stops the timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptSummary } from '../../../reports/dashboard/kept-summary.ts';
import type { Summary } from '../../../collector/services/views.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A read whose answers the test releases one by one, counting them. */
function gatedRead() {
  const waiting: (() => void)[] = [];
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    release: () => waiting.shift()?.(),
    read: async (now: Date): Promise<Summary> => {
      reads++;
      const n = reads;
      await new Promise<void>((r) => waiting.push(r));
      return { generatedAt: now.toISOString(), devices: n } as unknown as Summary;
    },
  };
}

const clock = { now: () => new Date('2026-03-02T12:00:00.000Z') };
const options = (read: (now: Date) => Promise<Summary>, everyMs: number, afterWriteMs: number) => ({
  read,
  clock,
  monotonic: () => performance.now(),
  everyMs,
  afterWriteMs,
  onError: (err: unknown) => assert.fail(String(err)),
});

test('start reads in the background: until the read ends there are no counts, and the read in progress is said', async () => {
  const g = gatedRead();
  const k = keptSummary(options(g.read, 60_000, 60_000));
  k.start();
  assert.equal(g.reads, 1);
  assert.deepEqual(k.current(), { summary: null, computingSince: clock.now(), failed: null });
  g.release();
  await sleep(5);
  assert.equal((k.current().summary as unknown as { devices: number }).devices, 1);
  assert.equal(k.current().computingSince, null);
  await k.close();
});

test('a write makes the counts read again after afterWriteMs, once for many writes; the period reads them again too', async () => {
  let reads = 0;
  const read = (now: Date) => {
    reads++;
    return Promise.resolve({ generatedAt: now.toISOString(), devices: reads } as unknown as Summary);
  };
  const k = keptSummary(options(read, 400, 80));
  k.start();
  await sleep(10);
  assert.equal(reads, 1);
  k.changed();
  k.changed();
  k.changed();
  assert.equal(reads, 1, 'not read for the write itself');
  await sleep(150);
  assert.equal(reads, 2, 'read again once for three writes');
  await sleep(500);
  assert.equal(reads, 3, 'and again on the period');
  await k.close();
});

test('a write during a read: the counts are read again after it (the read may have missed the write)', async () => {
  const g = gatedRead();
  const k = keptSummary(options(g.read, 60_000, 30));
  k.start();
  k.changed();
  g.release();
  await sleep(80);
  assert.equal(g.reads, 2);
  g.release();
  await k.close();
});

test('close stops the timer and waits for the read in progress; no read after it', async () => {
  const g = gatedRead();
  const k = keptSummary(options(g.read, 20, 10));
  k.start();
  const closing = k.close();
  let closed = false;
  void closing.then(() => (closed = true));
  await sleep(10);
  assert.equal(closed, false, 'waits for the read in progress');
  g.release();
  await closing;
  k.changed();
  await sleep(100);
  assert.equal(g.reads, 1, 'no read after close (period nor write)');
});

test('a failed read is said, not taken for "still computing": the error is kept beside the older counts until a read ends', async () => {
  let reads = 0;
  const errors: unknown[] = [];
  const read = (now: Date) => {
    reads++;
    if (reads === 2) return Promise.reject(new Error('the database is busy'));
    return Promise.resolve({ generatedAt: now.toISOString(), devices: reads } as unknown as Summary);
  };
  const k = keptSummary({ ...options(read, 30, 30), onError: (err: unknown) => errors.push(err) });
  k.start();
  await sleep(5);
  assert.equal(k.current().failed, null);
  while (reads < 2) await sleep(5);
  await sleep(5);
  const failed = k.current();
  assert.equal((failed.summary as unknown as { devices: number }).devices, 1, 'the older counts stay');
  assert.deepEqual(failed.failed, { at: clock.now(), message: 'the database is busy' });
  assert.equal(errors.length, 1, 'and the error goes to onError (the log)');
  while (reads < 3) await sleep(5);
  await sleep(5);
  assert.equal(k.current().failed, null, 'a read that ends clears it');
  await k.close();
});
