// The contract's date-time format: what the agent writes passes, impossible fields are refused with a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSnapshot, checkCheckin, ISO_DATE_TIME } from '../../../agent/snapshot/index.ts';
import { compliantSnapshot } from '../../collector/rules/compliant-snapshot.ts';

const re = new RegExp(ISO_DATE_TIME);

test('date-times the agent and collectors write are accepted', () => {
  for (const t of [
    new Date('2026-11-23T10:45:56.005Z').toISOString(),
    '2026-02-28T23:59:59Z',
    '2026-12-31T00:00:00+01:00',
    '2016-12-31T23:59:60Z',
    '2026-01-01T00:00:00.123456789-08:00',
  ]) {
    assert.ok(re.test(t), t);
  }
});

test('impossible fields are refused by the contract, with the path in the reason', () => {
  for (const t of [
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T12:60:00Z',
    '2026-01-01T12:00:00+24:00',
    '2026-01-01 12:00:00Z',
  ]) {
    assert.ok(!re.test(t), t);
    const s = { ...compliantSnapshot(), collectedAt: t };
    const problems = checkSnapshot(s);
    assert.ok(
      problems.some((p) => p.path === '/collectedAt'),
      `${t}: ${JSON.stringify(problems)}`,
    );
  }
  const c = {
    schema: 'tokenwatch.checkin/1',
    id: compliantSnapshot().id,
    digest: 'a'.repeat(64),
    collectedAt: '2026-02-30T99:00:00Z',
    consoleUser: null,
  };
  assert.ok(checkCheckin(c).some((p) => p.path === '/collectedAt'));
});
