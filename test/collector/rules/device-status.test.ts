import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answersUnknown,
  deviceStatus,
  findingState,
  noncompliantFrom,
} from '../../../collector/rules/index.ts';
import type {
  Exemption,
  FindingState,
  FindingTimes,
  RuleId,
  RuleOutcome,
  StatusInputs,
} from '../../../collector/rules/index.ts';

const status = (over: Partial<StatusInputs>) =>
  deviceStatus({ failing: [], unknown: false, identityConflict: false, ...over });
const f = (rule: RuleId, state: FindingState) => ({ rule, state });
const o = (rule: RuleId, result: RuleOutcome['result']): RuleOutcome => ({
  rule,
  user: null,
  result,
  reason: '',
});

test('compliant: nothing fails, nothing unknown, no identity conflict', () => {
  assert.equal(status({}), 'compliant');
});

test('noncompliant: an active failing finding of a non-informational rule', () => {
  assert.equal(status({ failing: [f('user-without-securetoken', 'active')] }), 'noncompliant');
  assert.equal(status({ failing: [f('stale', 'active')] }), 'noncompliant', 'a silent Mac');
});

test('pending and exempted failures do not make a device noncompliant', () => {
  assert.equal(status({ failing: [f('filevault-off', 'pending')] }), 'compliant');
  assert.equal(status({ failing: [f('filevault-off', 'exempted')] }), 'compliant');
  assert.equal(
    status({ failing: [f('filevault-off', 'exempted'), f('user-without-securetoken', 'active')] }),
    'noncompliant',
  );
});

test('collection-incomplete (informational) failing is never noncompliant; it leaves the device unknown', () => {
  assert.equal(status({ failing: [f('collection-incomplete', 'active')] }), 'compliant');
  assert.equal(answersUnknown([o('filevault-off', 'pass'), o('collection-incomplete', 'fail')]), true);
});

test('a finding of a rule this version does not know counts for nothing', () => {
  assert.equal(status({ failing: [{ rule: 'retired-rule' as RuleId, state: 'active' }] }), 'compliant');
});

test('unknown: something unknown or an open identity conflict, unless something is active', () => {
  assert.equal(status({ unknown: true }), 'unknown');
  assert.equal(status({ identityConflict: true }), 'unknown');
  assert.equal(
    status({ unknown: true, identityConflict: true, failing: [f('filevault-off', 'active')] }),
    'noncompliant',
  );
  assert.equal(answersUnknown([o('bootstrap-unusable', 'unknown')]), true);
  assert.equal(answersUnknown([o('collection-incomplete', 'unknown')]), false, 'an informational unknown');
  assert.equal(answersUnknown([o('filevault-off', 'fail'), o('no-volume-owner', 'not_applicable')]), false);
});

test('noncompliantFrom: the earliest instant deviceStatus says noncompliant, derived from the findings', () => {
  const T = Date.parse('2026-03-02T12:00:00.000Z');
  const H = 3_600_000;
  const serial = 'C02XK1ABJGH5';
  const finding = (
    rule: RuleId,
    firstSeen: number,
    pending: number | null,
    user: string | null = null,
  ): FindingTimes => ({
    rule,
    user,
    firstSeen,
    pendingUntil: pending,
  });
  const exempt = (rule: RuleId, expiresAt: number | null): Exemption => ({
    id: rule,
    serial,
    rule,
    user: null,
    reason: 'r',
    createdBy: 'me',
    createdAt: T,
    expiresAt,
  });
  const cases: [string, FindingTimes[], Exemption[], number | null][] = [
    ['nothing fails', [], [], null],
    ['an active failure: first seen', [finding('filevault-off', T, null)], [], T],
    ['a pending one: the end of its grace', [finding('filevault-off', T, T + H)], [], T + H],
    [
      'the earlier of two',
      [finding('filevault-off', T, T + 2 * H), finding('stale', T - H, T + H)],
      [],
      T + H,
    ],
    [
      'exempted for 3 h',
      [finding('filevault-off', T, null)],
      [exempt('filevault-off', T + 3 * H)],
      T + 3 * H,
    ],
    ['exempted for good', [finding('filevault-off', T, null)], [exempt('filevault-off', null)], null],
    ['informational only', [finding('collection-incomplete', T, null)], [], null],
    [
      'exempted for good, and another pending',
      [finding('filevault-off', T, null), finding('user-without-securetoken', T, T + H, 'bob')],
      [exempt('filevault-off', null)],
      T + H,
    ],
  ];
  for (const [label, failing, exemptions, expected] of cases) {
    const from = noncompliantFrom(failing, exemptions, serial);
    assert.equal(from, expected, label);
    const statusAt = (t: number) =>
      status({
        failing: failing.map((x) => ({ rule: x.rule, state: findingState(x, t, exemptions, serial) })),
      });
    if (from !== null) {
      assert.equal(statusAt(from), 'noncompliant', label);
      assert.equal(statusAt(from + 10 * H), 'noncompliant', label);
      // Before it (once every finding exists): not noncompliant.
      if (from - 1 >= Math.max(...failing.map((x) => x.firstSeen)))
        assert.equal(statusAt(from - 1), 'compliant', label);
    } else {
      assert.equal(statusAt(T + 1000 * H), 'compliant', label);
    }
  }
});
