import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noSecureTokenAdmin as rule } from '../../../collector/rules/no-securetoken-admin.ts';
import { outcomesOf, userNamed } from './compliant-snapshot.ts';
import { withSignals } from './new-signals.ts';

test('pass: an administrator holds a token (through a nested group counts)', () => {
  assert.deepEqual(outcomesOf(rule, withSignals), [
    ['pass', null, 'alice is an administrator holding a SecureToken'],
  ]);
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withSignals(s);
      userNamed(s, 'bob').admin = true; // dsmemberutil: yes; the local group does not list bob
    }),
    [['pass', null, 'alice and bob are administrators holding a SecureToken']],
  );
});

test('fail: every holder is a standard user', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withSignals(s);
      userNamed(s, 'alice').admin = false;
    }),
    [
      [
        'fail',
        null,
        'SecureTokens are held only by standard users (alice and bob): no administrator can grant a token',
      ],
    ],
  );
});

test('not applicable: nobody holds a token (no-securetoken-holder reports it); disabled holders do not count', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    userNamed(s, 'alice').disabled = true;
    userNamed(s, 'bob').secureToken = false;
  });
  assert.equal(rows[0]?.[0], 'not_applicable');
  assert.match(rows[0]?.[2] ?? '', /no-securetoken-holder/);
});

test('unknown: no holder known as admin, and dsmemberutil gave no answer for alice', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    userNamed(s, 'alice').admin = null;
    s.errors.push({ probe: 'dsmemberutil_admin', kind: 'timeout', user: 'alice', message: 'timed out' });
    s.errors.push({ probe: 'dsmemberutil_admin', kind: 'timeout', user: 'bob', message: 'not bob' });
  });
  assert.equal(rows[0]?.[0], 'unknown');
  assert.match(
    rows[0]?.[2] ?? '',
    /^no SecureToken holder is known to be an administrator, and whether alice is an administrator is unknown/,
  );
  assert.match(rows[0]?.[2] ?? '', /dsmemberutil_admin \(user alice\): "timed out"/);
  assert.doesNotMatch(rows[0]?.[2] ?? '', /not bob/);
});

test('unknown: no listed holder is an admin but the user list is incomplete', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    userNamed(s, 'alice').admin = false;
    s.errors.push({ probe: 'dscl_users', kind: 'timeout', message: 'timed out' });
  });
  assert.equal(rows[0]?.[0], 'unknown');
  assert.match(rows[0]?.[2] ?? '', /list of users is incomplete/);
});

test('an agent that read only the local admin group: a listed admin passes; no listed admin is not a failure', () => {
  assert.equal(outcomesOf(rule)[0]?.[0], 'pass');
  const rows = outcomesOf(rule, (s) => (userNamed(s, 'alice').admin = false));
  assert.deepEqual(rows, [
    [
      'not_applicable',
      null,
      'the agent (0.1.0) does not report admin membership through nested or directory groups: upgrade the agent to check it',
    ],
  ]);
});
