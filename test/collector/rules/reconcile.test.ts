import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileFindings } from '../../../collector/rules/index.ts';
import type { Finding, RuleOutcome } from '../../../collector/rules/index.ts';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const T1 = Date.parse('2026-03-02T08:00:00.000Z');
const NOW = new Date('2026-03-03T08:00:00.000Z');
const AT = NOW.getTime();

const fail = (rule: RuleOutcome['rule'], user: string | null, reason = `${rule} fails`): RuleOutcome => ({
  rule,
  user,
  result: 'fail',
  reason,
});
const result = (rule: RuleOutcome['rule'], user: string | null, r: RuleOutcome['result']): RuleOutcome => ({
  rule,
  user,
  result: r,
  reason: r,
});
const open = (rule: Finding['rule'], user: string | null, firstSeen = T0, lastSeen = T1): Finding => ({
  rule,
  user,
  reason: 'old reason',
  firstSeen,
  lastSeen,
  resolvedAt: null,
});

/** What a FileVault-off failure first seen at NOW reconciles to. */
const FILEVAULT_OFF_NOW: Finding = {
  rule: 'filevault-off',
  user: null,
  reason: 'FileVault is off',
  firstSeen: AT,
  lastSeen: AT,
  resolvedAt: null,
};

test('a new failure starts now', () => {
  assert.deepEqual(reconcileFindings([], [fail('filevault-off', null, 'FileVault is off')], NOW), [
    FILEVAULT_OFF_NOW,
  ]);
});

test('a failure that goes on keeps its firstSeen; lastSeen and reason are updated', () => {
  assert.deepEqual(
    reconcileFindings(
      [open('user-without-securetoken', 'bob')],
      [fail('user-without-securetoken', 'bob', 'bob has no SecureToken')],
      NOW,
    ),
    [
      {
        rule: 'user-without-securetoken',
        user: 'bob',
        reason: 'bob has no SecureToken',
        firstSeen: T0,
        lastSeen: AT,
        resolvedAt: null,
      },
    ],
  );
});

test('pass and not_applicable resolve an open finding at now', () => {
  for (const r of ['pass', 'not_applicable'] as const) {
    assert.deepEqual(
      reconcileFindings([open('filevault-off', null)], [result('filevault-off', null, r)], NOW),
      [{ ...open('filevault-off', null), resolvedAt: AT }],
    );
  }
});

test('unknown does NOT resolve: the finding stays open with its last seen failure', () => {
  assert.deepEqual(
    reconcileFindings([open('filevault-off', null)], [result('filevault-off', null, 'unknown')], NOW),
    [open('filevault-off', null)],
  );
});

test('a user who is gone (no outcome) is resolved; a device-level unknown of the rule keeps them open', () => {
  const previous = [open('user-without-securetoken', 'carol')];
  assert.deepEqual(reconcileFindings(previous, [result('user-without-securetoken', 'alice', 'pass')], NOW), [
    { ...previous[0], resolvedAt: AT },
  ]);
  assert.deepEqual(
    reconcileFindings(previous, [result('user-without-securetoken', null, 'unknown')], NOW),
    previous,
  );
});

test('a resolved finding that fails again starts a new firstSeen, replacing the resolved one', () => {
  const resolved: Finding = { ...open('filevault-off', null), resolvedAt: T1 };
  assert.deepEqual(reconcileFindings([resolved], [fail('filevault-off', null, 'FileVault is off')], NOW), [
    FILEVAULT_OFF_NOW,
  ]);
});

test('a resolved finding that does not fail again is carried unchanged', () => {
  const resolved: Finding = { ...open('filevault-off', null), resolvedAt: T1 };
  assert.deepEqual(reconcileFindings([resolved], [result('filevault-off', null, 'pass')], NOW), [resolved]);
});

test("stale starts at the outcome's since (when the Mac went stale), not at the evaluation", () => {
  const since = Date.parse('2026-03-02T20:00:00.000Z');
  assert.equal(reconcileFindings([], [{ ...fail('stale', null), since }], NOW)[0]?.firstSeen, since);
});

test('one finding per (rule, user); an open one wins over older resolved duplicates; table order', () => {
  const old: Finding = {
    ...open('filevault-off', null, Date.parse('2025-01-01T00:00:00.000Z')),
    resolvedAt: Date.parse('2025-02-01T00:00:00.000Z'),
  };
  const out = reconcileFindings(
    [old, open('filevault-off', null), open('user-without-securetoken', 'bob')],
    [
      fail('user-without-securetoken', 'bob'),
      fail('filevault-off', null),
      fail('bootstrap-not-escrowed', null),
    ],
    NOW,
  );
  assert.deepEqual(
    out.map((f) => [f.rule, f.user, f.firstSeen]),
    [
      ['bootstrap-not-escrowed', null, AT],
      ['user-without-securetoken', 'bob', T0],
      ['filevault-off', null, T0],
    ],
  );
});

test('an informational failure is a finding too', () => {
  assert.equal(reconcileFindings([], [fail('collection-incomplete', null)], NOW).length, 1);
});
