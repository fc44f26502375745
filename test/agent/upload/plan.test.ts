import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkinFor, planUpload } from '../../../agent/upload/plan.ts';
import { checkCheckin } from '../../../agent/snapshot/index.ts';
import { compliantSnapshot } from '../../collector/rules/compliant-snapshot.ts';

const now = new Date('2026-03-02T12:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

test('a change is always sent, whatever the interval', () => {
  assert.equal(
    planUpload({ changed: true, lastUploadAt: ago(1), now, minIntervalSeconds: 3600 }),
    'snapshot',
  );
});

test('unchanged: a check-in once the interval has passed, nothing before', () => {
  assert.equal(planUpload({ changed: false, lastUploadAt: null, now, minIntervalSeconds: 900 }), 'checkin');
  assert.equal(planUpload({ changed: false, lastUploadAt: ago(899), now, minIntervalSeconds: 900 }), 'none');
  assert.equal(
    planUpload({ changed: false, lastUploadAt: ago(900), now, minIntervalSeconds: 900 }),
    'checkin',
  );
  assert.equal(planUpload({ changed: false, lastUploadAt: ago(0), now, minIntervalSeconds: 0 }), 'checkin');
});

test('a clock that went backwards or an unreadable last upload never silences the agent', () => {
  assert.equal(
    planUpload({ changed: false, lastUploadAt: ago(-3600), now, minIntervalSeconds: 900 }),
    'checkin',
  );
  assert.equal(
    planUpload({ changed: false, lastUploadAt: 'garbage', now, minIntervalSeconds: 900 }),
    'checkin',
  );
});

test('a check-in carries the snapshot id, digest, time and console user, and matches the contract', () => {
  const s = compliantSnapshot();
  const c = checkinFor(s, 'a'.repeat(64));
  assert.deepEqual(checkCheckin(c), []);
  assert.deepEqual(c, {
    schema: 'tokenwatch.checkin/1',
    id: s.id,
    digest: 'a'.repeat(64),
    collectedAt: s.collectedAt,
    consoleUser: s.consoleUser,
  });
});
