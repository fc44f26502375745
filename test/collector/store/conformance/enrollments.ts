// The enrollment audit: events, counted rows (one per key), the hard cap (unauthenticated rows go first,
// then the oldest), pages newest first, and retention from a counted row's latest repeat.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { attempt, withStore } from './backend.ts';

export function enrollmentsConformance(backend: Backend): void {
  describe(`${backend.name} enrollment audit`, () => {
    test('tally counts into the row of its key: first time stays, last time, count and latest serial follow', async () => {
      await withStore(backend, async (store) => {
        await store.enrollments.tally(attempt(100, 'refused_secret', 1), 'k', true);
        await store.enrollments.tally(attempt(300, 'refused_secret', 2), 'k', true);
        await store.enrollments.tally(attempt(200, 'refused_secret', 3), 'k', true);
        await store.enrollments.tally(attempt(400, 'refused_secret', 4), 'other', true);
        const rows = await store.enrollments.list({ limit: 10 });
        assert.deepEqual(
          rows.map((r) => [r.at, r.lastAt, r.count, r.serial]),
          [
            [400, 400, 1, 'C0200004'],
            [100, 300, 3, 'C0200003'],
          ],
        );
      });
    });

    test('record: one row per event, everything kept; pages newest first, by serial', async () => {
      await withStore(backend, async (store) => {
        const event = { ...attempt(50, 'revoked', 7), hardwareUuid: 'HW-7', detail: 'by admin API' };
        await store.enrollments.record(event);
        for (let i = 0; i < 5; i++) await store.enrollments.record(attempt(100 + i, 'issued', i));
        const [first] = await store.enrollments.list({ serial: 'C0200007', limit: 10 });
        assert.deepEqual(first, { ...event, id: first?.id, lastAt: 50, count: 1 });
        const page1 = await store.enrollments.list({ limit: 4 });
        assert.deepEqual(
          page1.map((r) => r.at),
          [104, 103, 102, 101],
        );
        const page2 = await store.enrollments.list({ before: page1[3]?.id as number, limit: 4 });
        assert.deepEqual(
          page2.map((r) => r.at),
          [100, 50],
        );
        assert.deepEqual(
          (await store.enrollments.list({ serial: 'C0200002', limit: 10 })).map((r) => r.at),
          [102],
        );
      });
    });

    test('the cap drops unauthenticated rows first, so events outlive any flood', async () => {
      await withStore(
        backend,
        async (store) => {
          for (let i = 0; i < 5; i++) await store.enrollments.record(attempt(i, 'issued', i));
          for (let i = 0; i < 500; i++)
            await store.enrollments.tally(attempt(10 + i, 'refused_secret', i), `flood-${i}`, true);
          const rows = await store.enrollments.list({ limit: 100 });
          assert.equal(rows.length, 20);
          assert.deepEqual(
            rows.filter((r) => r.outcome === 'issued').map((r) => r.at),
            [4, 3, 2, 1, 0],
          );
          // The 15 newest counted rows are the ones kept.
          assert.deepEqual(
            rows.filter((r) => r.outcome === 'refused_secret').map((r) => r.at),
            Array.from({ length: 15 }, (_, i) => 509 - i),
          );
        },
        { auditMaxRows: 20 },
      );
    });

    test('a table full of events drops its oldest events at the cap', async () => {
      await withStore(
        backend,
        async (store) => {
          for (let i = 0; i < 30; i++) await store.enrollments.record(attempt(i, 'rotated', i));
          const rows = await store.enrollments.list({ limit: 100 });
          assert.equal(rows.length, 12);
          assert.deepEqual(
            rows.map((r) => r.at),
            Array.from({ length: 12 }, (_, i) => 29 - i),
          );
        },
        { auditMaxRows: 12 },
      );
    });

    test('retention keeps a counted row while its latest repeat is recent', async () => {
      await withStore(backend, async (store) => {
        await store.enrollments.tally(attempt(0, 'refused_invalid'), 'k', true);
        await store.enrollments.tally(attempt(100, 'refused_invalid'), 'k', true);
        await store.enrollments.record(attempt(10, 'issued'));
        assert.equal((await store.prune({ historyBefore: 0, receiptsBefore: 0, auditBefore: 50 })).audit, 1);
        assert.deepEqual(
          (await store.enrollments.list({ limit: 10 })).map((r) => r.outcome),
          ['refused_invalid'],
        );
        assert.equal((await store.prune({ historyBefore: 0, receiptsBefore: 0, auditBefore: 101 })).audit, 1);
        assert.equal((await store.enrollments.list({ limit: 10 })).length, 0);
      });
    });
  });
}
