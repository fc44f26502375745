import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noSecureTokenHolder as rule } from '../../../collector/rules/no-securetoken-holder.ts';
import { outcomesOf, user, userNamed } from './compliant-snapshot.ts';

test('pass: names the holders', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'SecureToken held by alice and bob']]);
});

test('pass: an excluded management account holding a token still counts as a holder', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      for (const u of s.users) u.secureToken = false;
      s.users.push(
        user('ladmin', '11111111-2222-3333-4444-555555555555', { uid: 499, admin: true, excluded: true }),
      );
    }),
    [['pass', null, 'SecureToken held by ladmin']],
  );
});

test('fail: nobody holds a token (disabled holders do not count)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      userNamed(s, 'alice').secureToken = false;
      userNamed(s, 'bob').disabled = true;
    }),
    [['fail', null, 'none of alice holds a SecureToken']],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      for (const u of s.users) u.secureToken = false;
    }),
    [['fail', null, 'none of alice and bob holds a SecureToken']],
  );
});

test('unknown: no holder known and bob unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      userNamed(s, 'alice').secureToken = false;
      userNamed(s, 'bob').secureToken = null;
      s.errors.push({
        probe: 'sysadminctl',
        kind: 'timeout',
        user: 'bob',
        message: 'timed out after 10000 ms',
      });
    }),
    [
      [
        'unknown',
        null,
        'no user is known to hold a SecureToken, and whether bob does is unknown (agent reported sysadminctl (user bob): "timed out after 10000 ms")',
      ],
    ],
  );
});

test('not_applicable is never answered: the rule applies to every Mac', () => {
  const results = [outcomesOf(rule), outcomesOf(rule, (s) => (s.device.appleSilicon = false))]
    .flat()
    .map((o) => o[0]);
  assert.ok(!results.includes('not_applicable'));
});
