// Who can unlock a Mac: the person who uses it (console user, else the latest one), the flag when only
// others hold a SecureToken, and the matrix of users and non-person crypto users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlockMatrix, unlockView } from '../../../collector/services/unlock.ts';
import { compliantSnapshot, userNamed } from '../rules/compliant-snapshot.ts';

test('only others hold a token: flagged, naming the person and the holders', () => {
  const v = unlockView('kim', null, ['itadmin', 'helpdesk'], ['kim']);
  assert.deepEqual(v, {
    person: 'kim',
    personSource: 'console',
    onlyOthersCanUnlock: true,
    reason: 'kim uses this Mac but holds no SecureToken: only itadmin and helpdesk can unlock the disk',
  });
});

test('the person holds a token, nobody does, or it cannot be told', () => {
  assert.equal(unlockView('kim', null, ['kim', 'itadmin'], []).onlyOthersCanUnlock, false);
  assert.equal(unlockView('kim', null, [], ['kim']).onlyOthersCanUnlock, false, 'nobody holds one');
  assert.equal(unlockView('kim', null, ['itadmin'], []).onlyOthersCanUnlock, null, 'kim unknown');
  assert.equal(unlockView(null, null, ['itadmin'], ['kim']).onlyOthersCanUnlock, null, 'nobody reported');
  assert.equal(unlockView('kim', null, null, null).onlyOthersCanUnlock, null, 'no snapshot yet');
});

test('at the login window the latest console user is the person', () => {
  const v = unlockView(null, 'kim', ['itadmin'], ['kim']);
  assert.deepEqual([v.person, v.personSource, v.onlyOthersCanUnlock], ['kim', 'last_console', true]);
});

test('the matrix: every user with each power, account type, the person marked; crypto users that are not people', () => {
  const s = compliantSnapshot();
  userNamed(s, 'bob').mobile = true;
  userNamed(s, 'bob').secureToken = false;
  const m = unlockMatrix(s, 'bob');
  assert.deepEqual(
    m.users.map((u) => [
      u.name,
      u.secureToken,
      u.volumeOwner,
      u.fileVault,
      u.admin,
      u.accountType,
      u.consoleUser,
    ]),
    [
      ['alice', true, true, true, true, 'local', false],
      ['bob', false, true, true, false, 'mobile', true],
    ],
  );
  assert.deepEqual(
    m.cryptoUsers.map((c) => c.kind),
    ['personal_recovery_user', 'mdm_bootstrap_token'],
    'local users are the rows above, not repeated here',
  );
});
