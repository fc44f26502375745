import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userWithoutSecureToken as rule } from '../../../collector/rules/user-without-securetoken.ts';
import { outcomesOf, user, userNamed } from './compliant-snapshot.ts';
import { withPlatformSso } from './new-signals.ts';

test('pass: one outcome per counted user', () => {
  assert.deepEqual(outcomesOf(rule), [
    ['pass', 'alice', 'alice has a SecureToken'],
    ['pass', 'bob', 'bob has a SecureToken'],
  ]);
});

test('fail: bob has no SecureToken; excluded service accounts are skipped', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      userNamed(s, 'bob').secureToken = false;
      s.users.push(
        user('svc-munki', '11111111-2222-3333-4444-555555555555', {
          uid: 401,
          secureToken: false,
          excluded: true,
        }),
      );
    }),
    [
      ['pass', 'alice', 'alice has a SecureToken'],
      ['fail', 'bob', 'bob has no SecureToken'],
    ],
  );
});

test('not_applicable: a disabled account without a token', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      userNamed(s, 'bob').secureToken = false;
      userNamed(s, 'bob').disabled = true;
    }),
    [
      ['pass', 'alice', 'alice has a SecureToken'],
      [
        'not_applicable',
        'bob',
        'bob is a disabled account: it cannot log in, so a missing token is not actionable',
      ],
    ],
  );
});

test('unknown: "Unknown user" from sysadminctl for bob leaves only bob unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      userNamed(s, 'bob').secureToken = null;
      s.errors.push({
        probe: 'sysadminctl',
        kind: 'tool_error',
        user: 'bob',
        message: 'sysadminctl: Unknown user bob',
      });
    }),
    [
      ['pass', 'alice', 'alice has a SecureToken'],
      [
        'unknown',
        'bob',
        'whether bob has a SecureToken is unknown (agent reported sysadminctl (user bob): "sysadminctl: Unknown user bob")',
      ],
    ],
  );
});

test('unknown: a null token without an error naming the user', () => {
  assert.deepEqual(outcomesOf(rule, (s) => (userNamed(s, 'alice').secureToken = null))[0], [
    'unknown',
    'alice',
    'whether alice has a SecureToken is unknown',
  ]);
});

test('unknown (device level): the user list itself failed', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.users = [];
      s.errors.push({
        probe: 'dscl_users',
        kind: 'exit',
        message: 'exit code 1: <dscl_cmd> DS Error: -14090 (eDSAuthFailed)',
      });
    }),
    [
      [
        'unknown',
        null,
        'the list of users is incomplete (agent reported dscl_users: "exit code 1: <dscl_cmd> DS Error: -14090 (eDSAuthFailed)")',
      ],
    ],
  );
});

test('fail: a user registered for Platform SSO without a token is named as such; remediation says why', () => {
  const rows = outcomesOf(rule, (s) => {
    withPlatformSso(s);
    userNamed(s, 'alice').secureToken = false;
    userNamed(s, 'bob').secureToken = false;
  });
  assert.deepEqual(rows, [
    [
      'fail',
      'alice',
      'alice has no SecureToken (registered for Platform SSO with com.microsoft.CompanyPortalMac.ssoextension)',
    ],
    ['fail', 'bob', 'bob has no SecureToken'],
  ]);
  assert.match(rule.remediation, /Platform SSO or Jamf Connect/);
});
