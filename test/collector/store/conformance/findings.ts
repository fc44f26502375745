// Findings: saved by (device, rule, user, firstSeen), open ones and the recently resolved ones.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { enroll, withStore } from './backend.ts';
import type { FindingRecord } from '../../../../collector/store/types.ts';

const f = (over: Partial<FindingRecord>): FindingRecord => ({
  rule: 'user-without-securetoken',
  user: 'bob',
  reason: 'bob has no SecureToken',
  firstSeen: 1_000,
  lastSeen: 1_000,
  resolvedAt: null,
  pendingUntil: null,
  failing: true,
  ...over,
});

export function findingsConformance(backend: Backend): void {
  describe(`${backend.name} findings`, () => {
    test('save inserts, then updates by (device, rule, user, firstSeen); a user of null stays null', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1);
        await store.findings.save(d.id, [
          f({}),
          f({ rule: 'filevault-off', user: null, reason: 'off', pendingUntil: 5_000 }),
        ]);
        await store.findings.save(d.id, [f({ lastSeen: 2_000, reason: 'still no token', failing: false })]);
        const open = await store.findings.open(d.id);
        assert.deepEqual(
          open.sort((x, y) => x.rule.localeCompare(y.rule)),
          [
            f({ rule: 'filevault-off', user: null, reason: 'off', pendingUntil: 5_000 }),
            f({ lastSeen: 2_000, reason: 'still no token', failing: false }),
          ],
        );
      });
    });

    test('a resolved finding leaves the open ones and is among the recently resolved, newest first', async () => {
      await withStore(backend, async (store) => {
        const d = await enroll(store, 1);
        await store.findings.save(d.id, [f({}), f({ user: 'carol' }), f({ user: 'dave' })]);
        await store.findings.save(d.id, [
          f({ resolvedAt: 3_000, failing: false }),
          f({ user: 'carol', resolvedAt: 4_000, failing: false }),
        ]);
        // The same (rule, user) failing again is a new finding, first seen later.
        await store.findings.save(d.id, [f({ firstSeen: 5_000, lastSeen: 5_000 })]);
        assert.deepEqual((await store.findings.open(d.id)).map((x) => [x.user, x.firstSeen]).sort(), [
          ['bob', 5_000],
          ['dave', 1_000],
        ]);
        assert.deepEqual(
          (await store.findings.recentlyResolved(d.id, 10)).map((x) => [x.user, x.resolvedAt]),
          [
            ['carol', 4_000],
            ['bob', 3_000],
          ],
        );
        assert.equal((await store.findings.recentlyResolved(d.id, 1)).length, 1);
      });
    });

    test('openFor: the open findings of many devices at once, keyed by device', async () => {
      await withStore(backend, async (store) => {
        const ids: number[] = [];
        await store.withTransaction(async (tx) => {
          for (let i = 0; i < 1_200; i++) {
            const d = await enroll(tx, i);
            ids.push(d.id);
            if (i % 3 !== 2)
              await tx.findings.save(d.id, [f({ user: `u${i}`, resolvedAt: i % 3 === 1 ? 9 : null })]);
          }
        });
        const open = await store.findings.openFor(ids);
        assert.equal(open.size, 400);
        for (const [i, id] of ids.entries()) {
          const list = open.get(id);
          if (i % 3 === 0)
            assert.deepEqual(
              list?.map((x) => x.user),
              [`u${i}`],
            );
          else assert.equal(list, undefined);
        }
        assert.equal((await store.findings.openFor([])).size, 0);
      });
    });
  });
}
