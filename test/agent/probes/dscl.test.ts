import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDsclUsers } from '../../../agent/probes/dscl-users.ts';
import { parseDsclAdmins } from '../../../agent/probes/dscl-admins.ts';
import { parseDsclUser } from '../../../agent/probes/dscl-user.ts';
import { E, assertCoversFolder, out, sample, sampleText } from './samples.ts';

// dscl . -list /Users UniqueID
const LIST = 'dscl_users';
test('dscl_users: every real sample is tested', () => {
  assertCoversFolder(LIST, ['first-10-rows-system-accounts-padded-columns-PARTIAL.txt']);
});

test('dscl_users: real PARTIAL sample: 10 padded rows read, the author\'s "..." is an error with its line', () => {
  const r = parseDsclUsers(sample(LIST, 'first-10-rows-system-accounts-padded-columns-PARTIAL.txt'));
  assert.deepEqual(r.value?.slice(0, 3), [
    { name: '_accessoryupdater', uid: 278 },
    { name: '_amavisd', uid: 83 },
    { name: '_analyticsd', uid: 263 },
  ]);
  assert.equal(r.value?.length, 10);
  assert.deepEqual(r.value?.[9], { name: '_ard', uid: 67 });
  assert.deepEqual(r.errors, [E.unrecognised('stdout line 11 unrecognised: ...')]);
});

test('dscl_users: negative ids, tabs, odd names never crash', () => {
  const r = parseDsclUsers(
    out('nobody                  -2\nalice\t501\nodd name   502\n_hidden 499\nnoid\n'),
  );
  assert.deepEqual(r.value, [
    { name: 'nobody', uid: -2 },
    { name: 'alice', uid: 501 },
    { name: 'odd name', uid: 502 },
    { name: '_hidden', uid: 499 },
  ]);
  assert.deepEqual(r.errors, [E.unrecognised('stdout line 5 unrecognised: noid')]);
});

test('dscl_users: failure is an error, never an empty list', () => {
  assert.deepEqual(parseDsclUsers(out('', '<dscl_cmd> DS Error: -14090 (eDSAuthFailed)\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: <dscl_cmd> DS Error: -14090 (eDSAuthFailed)'),
      E.exit('exit code 1'),
    ],
  });
  assert.deepEqual(parseDsclUsers(out('')), { value: null, errors: [E.missing('no users listed')] });
});

// dscl . -read /Groups/admin GroupMembership
const GROUP = 'dscl_admins';
test('dscl_admins: every real sample is tested', () => {
  assertCoversFolder(GROUP, [
    'sequoia-15.6.1-root-plus-one-admin.txt',
    'full-record-read-groups-admin-2-members-WEAK-PROVENANCE.txt',
    'full-record-read-groups-admin-3-members-after-append-WEAK-PROVENANCE.txt',
  ]);
});

test('dscl_admins: real Sequoia single line', () => {
  assert.deepEqual(parseDsclAdmins(sample(GROUP, 'sequoia-15.6.1-root-plus-one-admin.txt')), {
    value: { members: ['root', 'williamj'] },
    errors: [],
  });
});

test('dscl_admins: real full record (WEAK provenance): GroupMembership picked by key', () => {
  assert.deepEqual(
    parseDsclAdmins(sample(GROUP, 'full-record-read-groups-admin-2-members-WEAK-PROVENANCE.txt')),
    {
      value: { members: ['root', 'yayusernameyay'] },
      errors: [],
    },
  );
  assert.deepEqual(
    parseDsclAdmins(
      sample(GROUP, 'full-record-read-groups-admin-3-members-after-append-WEAK-PROVENANCE.txt'),
    ),
    {
      value: { members: ['root', 'yayusernameyay', 'boousernameboo'] },
      errors: [],
    },
  );
});

test('dscl_admins: multi-line form', () => {
  assert.deepEqual(parseDsclAdmins(out('GroupMembership:\n root\n alice\n')), {
    value: { members: ['root', 'alice'] },
    errors: [],
  });
});

test('dscl_admins: "No such key" is unknown (never "no admins"); DS errors from the real samples are errors', () => {
  assert.deepEqual(parseDsclAdmins(out('No such key: GroupMembership\n')), {
    value: null,
    errors: [
      E.missing('No such key: GroupMembership (the admin group always lists root): admin members unknown'),
    ],
  });
  const r = parseDsclAdmins(
    sample('dscl-errors', 'ds-error-14090-eDSAuthFailed-catalina.txt', { stream: 'stderr', exitCode: 1 }),
  );
  assert.deepEqual(r, { value: null, errors: [E.tool('DS Error: -14090 (eDSAuthFailed)')] });
  assert.deepEqual(parseDsclAdmins(out('garbage\n')), {
    value: null,
    errors: [
      E.unrecognised('stdout line 1 unrecognised: garbage'),
      E.missing('no GroupMembership attribute in output'),
    ],
  });
});

// dscl . -read /Users/NAME GeneratedUID AuthenticationAuthority
const AA = 'dscl_user';
test('dscl_user: every real sample is tested (AuthenticationAuthority, GeneratedUID, errors)', () => {
  assertCoversFolder(AA, [
    'network-ad-account-netlogon-no-securetoken-10.11.txt',
    'securetoken-disableduser-disa-stig-example.txt',
    'single-line-local-user-wincent-wiki.txt',
  ]);
  assertCoversFolder('dscl-errors', [
    'ds-error-14090-eDSAuthFailed-catalina.txt',
    'ds-error-14120-eDSPermissionError-change-without-admin-WEAK-PROVENANCE.txt',
  ]);
});

test('dscl_user: real STIG single-line AuthenticationAuthority: ;SecureToken; hint and bare DisabledUser', () => {
  const r = parseDsclUser(sample(AA, 'securetoken-disableduser-disa-stig-example.txt'));
  assert.equal(r.value?.guid, null);
  assert.equal(r.value?.secureTokenHint, true);
  assert.equal(r.value?.disabled, true);
  assert.equal(r.value?.mobile, false);
  assert.equal(r.value?.authenticationAuthority?.length, 4);
  assert.deepEqual(r.errors, [E.missing('no GeneratedUID line')]);
});

test('dscl_user: real AD network account: no token hint, not mobile (NetLogon, not LocalCachedUser)', () => {
  const r = parseDsclUser(sample(AA, 'network-ad-account-netlogon-no-securetoken-10.11.txt'));
  assert.deepEqual(r.value, {
    guid: null,
    authenticationAuthority: [';Kerberosv5;;kyle@ISB.LOCAL;ISB.LOCAL;', ';NetLogon;kyle;ISB'],
    secureTokenHint: false,
    mobile: false,
    disabled: false,
  });
  assert.deepEqual(r.errors, [E.missing('no GeneratedUID line')]);
});

test('dscl_user: real GeneratedUID line alone: guid read, AuthenticationAuthority unknown', () => {
  const r = parseDsclUser(sample('dscl_user', 'single-line-local-user-wincent-wiki.txt'));
  assert.deepEqual(r.value, {
    guid: 'DF3F7C85-14FF-4DC2-A089-5CA9D6E7479B',
    authenticationAuthority: null,
    secureTokenHint: null,
    mobile: null,
    disabled: null,
  });
  assert.deepEqual(r.errors, [E.missing('no AuthenticationAuthority line')]);
});

test('dscl_user: real DS Error samples (stderr) are errors, no value', () => {
  assert.deepEqual(
    parseDsclUser(
      sample('dscl-errors', 'ds-error-14090-eDSAuthFailed-catalina.txt', { stream: 'stderr', exitCode: 1 }),
    ),
    {
      value: null,
      errors: [E.tool('DS Error: -14090 (eDSAuthFailed)')],
    },
  );
  assert.deepEqual(
    parseDsclUser(
      sample('dscl-errors', 'ds-error-14120-eDSPermissionError-change-without-admin-WEAK-PROVENANCE.txt', {
        stream: 'stderr',
        exitCode: 1,
      }),
    ),
    { value: null, errors: [E.tool('DS Error: -14120 (eDSPermissionError)')] },
  );
  // Same text on stdout (which stream dscl uses for errors is not captured anywhere): still an error.
  assert.equal(
    parseDsclUser(sample('dscl-errors', 'ds-error-14090-eDSAuthFailed-catalina.txt', { exitCode: 1 })).value,
    null,
  );
});

test('dscl_user: both attributes, multi-line mobile account (layout as documented in PARSING-NOTES)', () => {
  const text = [
    'AuthenticationAuthority:',
    ' ;LocalCachedUser;/Active Directory/CORP/corp.example.com:jdoe:6A1B2C3D-1111-2222-3333-444455556666',
    ' ;Kerberosv5;;jdoe@CORP.EXAMPLE.COM;CORP.EXAMPLE.COM;',
    ' ;SecureToken;',
    'GeneratedUID: 6A1B2C3D-1111-2222-3333-444455556666',
    '',
  ].join('\n');
  const r = parseDsclUser(out(text));
  assert.deepEqual(r.errors, []);
  assert.equal(r.value?.guid, '6A1B2C3D-1111-2222-3333-444455556666');
  assert.equal(r.value?.mobile, true);
  assert.equal(r.value?.secureTokenHint, true);
  assert.equal(r.value?.disabled, false);
  assert.equal(r.value?.authenticationAuthority?.length, 3);
});

test('dscl_user: No such key: AuthenticationAuthority establishes "no tokens"; garbage is an error', () => {
  const r = parseDsclUser(out('GeneratedUID: ABC\nNo such key: AuthenticationAuthority\n'));
  assert.deepEqual(r, {
    value: {
      guid: 'ABC',
      authenticationAuthority: [],
      secureTokenHint: false,
      mobile: false,
      disabled: false,
    },
    errors: [],
  });
  const g = parseDsclUser(
    out('GeneratedUID: ABC\n\u0000\u0001 binary junk\nAuthenticationAuthority: ;ShadowHash;\n'),
  );
  assert.equal(g.errors.length, 1);
  assert.equal(g.errors[0]?.kind, 'unrecognised_output');
  assert.match(g.errors[0]?.message ?? '', /^stdout line 2 unrecognised/);
});

test('dscl: a line like `objc[pid]: ...` is never read as an attribute (a key has no brackets)', () => {
  const warning = sampleText('stderr-noise', 'objc-class-implemented-in-both-wazuh-17237.txt');
  const r = parseDsclAdmins(out(`GroupMembership: root itadmin\n${warning}`));
  assert.deepEqual(r.value, { members: ['root', 'itadmin'] });
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]?.kind, 'unrecognised_output');
  assert.match(r.errors[0]?.message ?? '', /^stdout line 2 unrecognised: objc\[18088\]: Class SSRequest/);
});
