// The dashboard's trend memo: each ended day is read from the history once (until PAST_DAY_MS), today's
// again after TODAY_MS, and the days come back as the read model answers them, oldest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayByDay, PAST_DAY_MS, TODAY_MS, trendMemo } from '../../../reports/dashboard/trend-memo.ts';
import type { Trend, TrendDay } from '../../../collector/services/views.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-03-10T15:00:00.000Z');

function day(iso: string, compliant: number): TrendDay {
  return {
    day: iso,
    at: `${iso}T23:59:59.999Z`,
    devices: 10,
    byStatus: { compliant, noncompliant: 10 - compliant, unknown: 0 },
    compliantPercent: compliant * 10,
    bootstrapEscrowedPercent: null,
    bootstrapUsablePercent: null,
    fileVaultOnPercent: null,
  };
}

/** A read model whose history starts on 2026-03-05, counting the days each read covers. */
function fakeRead(history = '2026-03-05') {
  const reads: string[][] = [];
  let value = 5;
  return {
    reads,
    setValue: (v: number) => (value = v),
    read: (range: { from: Date; to: Date }): Promise<Trend> => {
      const days: TrendDay[] = [];
      for (let t = range.from.getTime(); t <= range.to.getTime(); t += DAY) {
        const iso = new Date(t).toISOString().slice(0, 10);
        if (iso >= history) days.push(day(iso, value));
      }
      reads.push(days.map((d) => d.day));
      return Promise.resolve({ keptSince: null, days });
    },
  };
}

test('the first visit reads every day once; the next only what is not fresh; days the history lacks are not asked again', async () => {
  const f = fakeRead();
  let t = 0;
  const memo = trendMemo(f.read, 7, () => t);
  const first = await memo.days(NOW);
  assert.deepEqual(
    first.map((d) => d.day),
    ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'],
    'seven days asked, the history answers six',
  );
  assert.equal(f.reads.length, 1);
  t += 1000;
  await memo.days(NOW);
  assert.equal(f.reads.length, 1, 'all fresh: no read');
  t += TODAY_MS;
  f.setValue(9);
  const later = await memo.days(NOW);
  assert.deepEqual(f.reads[1], ['2026-03-10'], "only today's figures are read again");
  assert.equal(later.at(-1)?.compliantPercent, 90, "today's new value");
  assert.equal(later[0]?.compliantPercent, 50, 'an ended day keeps its value');
  t += PAST_DAY_MS;
  await memo.days(NOW);
  assert.equal(
    f.reads[2]?.length,
    6,
    'past days read again after PAST_DAY_MS (the day before the history too, asked)',
  );
});

test('a new day: the window moves, the day that ended is read again for its end, the one that left is forgotten', async () => {
  const f = fakeRead('2026-01-01');
  let t = 0;
  const memo = trendMemo(f.read, 3, () => t);
  assert.deepEqual(
    (await memo.days(NOW)).map((d) => d.day),
    ['2026-03-08', '2026-03-09', '2026-03-10'],
  );
  t += 1000;
  const next = await memo.days(new Date(NOW.getTime() + DAY));
  assert.deepEqual(
    next.map((d) => d.day),
    ['2026-03-09', '2026-03-10', '2026-03-11'],
  );
  assert.deepEqual(
    f.reads[1],
    ['2026-03-10', '2026-03-11'],
    'the new day, and 2026-03-10 again: it was read as "now", not as its end; 2026-03-09 is still fresh',
  );
});

test('peek waits for no read: the first says nothing is kept and starts the read; once it ended the days are there; dayByDay reads a range one day at a time', async () => {
  const f = fakeRead();
  let t = 0;
  const memo = trendMemo(dayByDay(f.read), 7, () => t);
  const fail = (err: unknown) => assert.fail(String(err));
  const first = memo.peek(NOW, fail);
  assert.deepEqual(first, { days: [], complete: false, readingSince: NOW });
  assert.equal(memo.peek(NOW, fail).readingSince, NOW, 'one read at a time');
  await memo.settle();
  assert.equal(f.reads.length, 7, 'one read per day');
  const ready = memo.peek(NOW, fail);
  assert.equal(ready.complete, true);
  assert.equal(ready.readingSince, null);
  assert.equal(ready.days.length, 6);
  t += TODAY_MS;
  const stale = memo.peek(NOW, fail);
  assert.equal(stale.days.length, 6, "today's figures are shown while read again");
  assert.equal(stale.complete, true);
  await memo.settle();
  assert.equal(f.reads.length, 8);
});

test("a write makes today's figures read again once they are afterWriteMs old, not sooner; without one they are kept for todayMs", async () => {
  const f = fakeRead();
  let t = 0;
  const memo = trendMemo(f.read, 3, () => t, 60_000, 10_000);
  await memo.days(NOW);
  assert.equal(f.reads.length, 1);
  memo.changed();
  t += 5_000;
  await memo.days(NOW);
  assert.equal(f.reads.length, 1, 'not before afterWriteMs');
  t += 5_000;
  f.setValue(9);
  const after = await memo.days(NOW);
  assert.deepEqual(f.reads[1], ['2026-03-10'], 'today only');
  assert.equal(after.at(-1)?.compliantPercent, 90);
  t += 10_000;
  await memo.days(NOW);
  assert.equal(f.reads.length, 2, 'no write since: kept for todayMs');
});
