import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceStatus } from '../../../collector/rules/index.ts';
import type { Finding, FindingState, RuleOutcome } from '../../../collector/rules/index.ts';

const o = (
  rule: RuleOutcome['rule'],
  result: RuleOutcome['result'],
  user: string | null = null,
): RuleOutcome => ({ rule, user, result, reason: result });
const f = (rule: Finding['rule'], state: FindingState, user: string | null = null) => ({
  finding: {
    rule,
    user,
    reason: '',
    firstSeen: '2026-03-01T00:00:00.000Z',
    lastSeen: '2026-03-01T00:00:00.000Z',
    resolvedAt: null,
  },
  state,
});
const PASSING = [
  o('filevault-off', 'pass'),
  o('no-volume-owner', 'not_applicable'),
  o('collection-incomplete', 'pass'),
];

test('compliant: passes and not_applicable only', () => {
  assert.equal(deviceStatus(PASSING, []), 'compliant');
});

test('noncompliant: a fail with an active finding', () => {
  assert.equal(
    deviceStatus(
      [...PASSING, o('user-without-securetoken', 'fail', 'bob')],
      [f('user-without-securetoken', 'active', 'bob')],
    ),
    'noncompliant',
  );
});

test('a fail without a finding counts as active', () => {
  assert.equal(deviceStatus([...PASSING, o('filevault-off', 'fail')], []), 'noncompliant');
});

test('pending and exempted failures do not make a device noncompliant', () => {
  assert.equal(deviceStatus([o('filevault-off', 'fail')], [f('filevault-off', 'pending')]), 'compliant');
  assert.equal(deviceStatus([o('filevault-off', 'fail')], [f('filevault-off', 'exempted')]), 'compliant');
  assert.equal(
    deviceStatus(
      [o('user-without-securetoken', 'fail', 'bob')],
      [f('user-without-securetoken', 'exempted', 'alice'), f('user-without-securetoken', 'active', 'bob')],
    ),
    'noncompliant',
  );
});

test('stale is a rule: a silent Mac is noncompliant', () => {
  assert.equal(deviceStatus([...PASSING, o('stale', 'fail')], [f('stale', 'active')]), 'noncompliant');
});

test('unknown: no active fail, some unknown; unknown never counts as pass or fail', () => {
  assert.equal(deviceStatus([...PASSING, o('bootstrap-unusable', 'unknown')], []), 'unknown');
  assert.equal(
    deviceStatus(
      [o('bootstrap-unusable', 'unknown'), o('filevault-off', 'fail')],
      [f('filevault-off', 'active')],
    ),
    'noncompliant',
  );
});

test('collection-incomplete failing makes a device unknown, never noncompliant', () => {
  assert.equal(
    deviceStatus(
      [o('filevault-off', 'pass'), o('collection-incomplete', 'fail')],
      [f('collection-incomplete', 'active')],
    ),
    'unknown',
  );
});
