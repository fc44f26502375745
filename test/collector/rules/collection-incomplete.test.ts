import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleById } from '../../../collector/rules/index.ts';
import { outcomesOf } from './compliant-snapshot.ts';

const rule = ruleById('collection-incomplete');

test('pass: no errors', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'the agent reported no collection errors']]);
});

test('pass: errors that left no rule unknown (console user, fdesetup list)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.consoleUser = null;
      s.errors.push(
        { probe: 'console_user', kind: 'exit', message: 'exit code 1' },
        { probe: 'fdesetup_list', kind: 'exit', message: 'exit code 1' },
      );
    }),
    [
      [
        'pass',
        null,
        'the agent reported errors from console_user and fdesetup_list, but no rule was left unknown by them',
      ],
    ],
  );
});

test('fail (informational): names the rules left unknown and the probes', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.mdm = { enrolled: null, userApproved: null, dep: null, server: null };
      s.errors.push({ probe: 'profiles_enrollment', kind: 'timeout', message: 'timed out after 15000 ms' });
    }),
    [
      [
        'fail',
        null,
        'collection errors left mdm-not-enrolled and mdm-not-user-approved unknown: profiles_enrollment: "timed out after 15000 ms"',
      ],
    ],
  );
  assert.equal(rule.informational, true);
  assert.equal(rule.severity, 'info');
});

test('a rule unknown without any error (a null the agent did not explain) does not fail it', () => {
  assert.equal(outcomesOf(rule, (s) => (s.bootstrapToken.eacsPreflight = null))[0]?.[0], 'pass');
});

test('not_applicable and unknown are never answered', () => {
  const results = [
    outcomesOf(rule),
    outcomesOf(rule, (s) =>
      s.errors.push({ probe: 'sysadminctl', kind: 'timeout', user: 'alice', message: 'x' }),
    ),
  ];
  assert.ok(results.flat().every((o) => o[0] === 'pass' || o[0] === 'fail'));
});

test('quotes at most five errors and counts the rest', () => {
  const [[, , reason]] = outcomesOf(rule, (s) => {
    for (const u of s.users) u.secureToken = null;
    for (let i = 0; i < 7; i += 1)
      s.errors.push({
        probe: 'sysadminctl',
        kind: 'timeout',
        user: 'alice',
        message: `attempt ${i} timed out`,
      });
  }) as [[string, null, string]];
  assert.match(reason, /attempt 4 timed out"$|attempt 4 timed out" \(and 2 more\)$/);
  assert.ok(reason.endsWith('(and 2 more)'));
  assert.ok(!reason.includes('attempt 5'));
});

test('pass: an unrelated line (noise beside an answer read in full) is not why a rule is unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      // No value from profiles status -type enrollment, and no error that explains it: only noise.
      s.mdm.enrolled = null;
      s.errors.push({
        probe: 'profiles_enrollment',
        kind: 'unrecognised_output',
        unrelated: true,
        message: 'stderr line 3 unrecognised: objc[18088]: Class SSRequest is implemented in both ...',
      });
    }),
    [
      [
        'pass',
        null,
        'the agent reported errors from profiles_enrollment, but no rule was left unknown by them',
      ],
    ],
  );
});
