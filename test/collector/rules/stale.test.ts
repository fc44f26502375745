import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stale as rule, staleAt, staleFinding } from '../../../collector/rules/stale.ts';
import { CONFIG, NOW, deviceState, outcomesOf } from './compliant-snapshot.ts';

test('pass: seen 5 minutes ago', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'last report 5 minutes ago']]);
});

test('pass at exactly the configured age; fail one millisecond later, with since = the instant it went stale', () => {
  const lastSeen = '2026-02-23T12:00:00.000Z';
  assert.equal(staleAt(lastSeen, CONFIG), NOW.getTime());
  assert.equal(outcomesOf(rule, undefined, lastSeen)[0]?.[0], 'pass');
  const later = new Date(NOW.getTime() + 1);
  assert.deepEqual(rule.evaluate(deviceState(undefined, lastSeen), later, CONFIG), [
    {
      rule: 'stale',
      user: null,
      result: 'fail',
      reason: 'no report for 7 days (last seen 2026-02-23T12:00:00.000Z; stale after 7 days)',
      since: Date.parse('2026-03-02T12:00:00.000Z'),
    },
  ]);
});

test('fail: silent for 10 days', () => {
  assert.deepEqual(outcomesOf(rule, undefined, '2026-02-20T11:00:00Z'), [
    ['fail', null, 'no report for 10 days (last seen 2026-02-20T11:00:00Z; stale after 7 days)'],
  ]);
});

test('not_applicable: staleAfterSeconds 0 turns the check off', () => {
  assert.deepEqual(
    outcomesOf(rule, undefined, '2020-01-01T00:00:00Z', NOW, { ...CONFIG, staleAfterSeconds: 0 }),
    [['not_applicable', null, 'the stale check is off (staleAfterSeconds is 0)']],
  );
});

test('unknown: lastSeen unreadable', () => {
  assert.deepEqual(outcomesOf(rule, undefined, 'yesterday'), [
    ['unknown', null, 'the last report time "yesterday" is not a valid date'],
  ]);
});

test('snapshot errors do not make stale unknown', () => {
  assert.equal(
    outcomesOf(rule, (s) =>
      s.errors.push({ probe: 'sysadminctl', kind: 'timeout', user: 'alice', message: 'x' }),
    )[0]?.[0],
    'pass',
  );
});

test('staleFinding: the stale failure as a finding, first seen when the Mac went stale, pending in its grace window', () => {
  const lastContact = Date.parse('2026-02-20T11:00:00.000Z');
  const since = lastContact + CONFIG.staleAfterSeconds * 1000;
  assert.equal(staleFinding(lastContact, since, CONFIG), null, 'not stale at exactly the configured age');
  assert.deepEqual(staleFinding(lastContact, NOW.getTime(), { ...CONFIG, graceSeconds: { stale: 3600 } }), {
    rule: 'stale',
    user: null,
    reason: 'no report for 10 days (last seen 2026-02-20T11:00:00.000Z; stale after 7 days)',
    firstSeen: since,
    lastSeen: NOW.getTime(),
    resolvedAt: null,
    pendingUntil: since + 3600_000,
  });
  assert.equal(staleFinding(lastContact, NOW.getTime(), CONFIG)?.pendingUntil, null);
  assert.equal(staleFinding(lastContact, NOW.getTime(), { ...CONFIG, staleAfterSeconds: 0 }), null);
});
