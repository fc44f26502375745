import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCryptoUsers, cryptoUserKind } from '../../../agent/probes/crypto-users.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const F = 'diskutil_cryptousers';
const PRK = 'EBC6C064-0000-11AA-AA11-00306543ECAC';
const BT = '2457711A-523C-4604-B75A-F48A571D5036';

test('diskutil: every real sample is tested', () => {
  assertCoversFolder(F, [
    'listcryptousers-10.13beta4-1user-old-format.txt',
    'listcryptousers-10.13beta4-2users-old-format-PARTIAL.txt',
    'listcryptousers-tahoe-applesilicon-3users-bootstrap-owner-yes.txt',
    'listkeys-internal-data-disk1s2-1user-prk-redacted.txt',
    'listusers-catalina-intel-4users-bootstrap-external-key-trailing-space-line.txt',
  ]);
});

test('diskutil: real Tahoe Apple silicon: 3 entries, Volume Owner Yes, last entry 4-space indented', () => {
  assert.deepEqual(
    parseCryptoUsers(sample(F, 'listcryptousers-tahoe-applesilicon-3users-bootstrap-owner-yes.txt')),
    {
      value: {
        device: 'disk3s1s1',
        volumeOwnerReported: true,
        users: [
          {
            uuid: 'DA145BD0-81C7-41AA-9676-794E0A14B63D',
            type: 'Local Open Directory User',
            kind: 'local_user',
            volumeOwner: true,
          },
          {
            uuid: BT,
            type: 'MDM Bootstrap Token External Key',
            kind: 'mdm_bootstrap_token',
            volumeOwner: true,
          },
          { uuid: PRK, type: 'Personal Recovery User', kind: 'personal_recovery_user', volumeOwner: true },
        ],
      },
      errors: [],
    },
  );
});

test('diskutil: real Catalina Intel: no Volume Owner lines (not reported), trailing single-space line, redacted UUIDs', () => {
  assert.deepEqual(
    parseCryptoUsers(
      sample(F, 'listusers-catalina-intel-4users-bootstrap-external-key-trailing-space-line.txt'),
    ),
    {
      value: {
        device: 'disk1s5',
        volumeOwnerReported: false,
        users: [
          {
            uuid: 'FB756838-XXXX-XXXX-XXXX-40FB5E7D5D3F',
            type: 'Local Open Directory User',
            kind: 'local_user',
            volumeOwner: null,
          },
          {
            uuid: 'EBC6C064-XXXX-XXXX-XXXX-00306543ECAC',
            type: 'Personal Recovery User',
            kind: 'personal_recovery_user',
            volumeOwner: null,
          },
          {
            uuid: 'C22BDCD3-XXXX-XXXX-XXXX-65D3332605C3',
            type: 'Local Open Directory User',
            kind: 'local_user',
            volumeOwner: null,
          },
          {
            uuid: '2457711A-XXXX-XXXX-XXXX-F48A571D5036',
            type: 'MDM Bootstrap Token External Key',
            kind: 'mdm_bootstrap_token',
            volumeOwner: null,
          },
        ],
      },
      errors: [],
    },
  );
});

test('diskutil: real listkeys disk1s2 (alias verb, poster-redacted UUIDs)', () => {
  assert.deepEqual(parseCryptoUsers(sample(F, 'listkeys-internal-data-disk1s2-1user-prk-redacted.txt')), {
    value: {
      device: 'disk1s2',
      volumeOwnerReported: false,
      users: [
        {
          uuid: 'BBBBBBBB-BBBB-BBBB-BBBB-BBBBBBBBBBBB',
          type: 'Local Open Directory User',
          kind: 'local_user',
          volumeOwner: null,
        },
        {
          uuid: 'CCCCCCCC-CCCC-CCCC-CCCC-CCCCCCCCCCCC',
          type: 'Personal Recovery User',
          kind: 'personal_recovery_user',
          volumeOwner: null,
        },
      ],
    },
    errors: [],
  });
});

test('diskutil: real 10.13 beta 4 old format: header without disk, type "Local Open Directory"', () => {
  assert.deepEqual(parseCryptoUsers(sample(F, 'listcryptousers-10.13beta4-1user-old-format.txt')), {
    value: {
      device: null,
      volumeOwnerReported: false,
      users: [
        {
          uuid: '8B2A80E9-4223-4123-9178-32B43A69A46E',
          type: 'Local Open Directory',
          kind: 'local_user',
          volumeOwner: null,
        },
      ],
    },
    errors: [],
  });
});

test('diskutil: real 10.13 beta 4 PARTIAL: type "Personal" kept as printed', () => {
  const r = parseCryptoUsers(sample(F, 'listcryptousers-10.13beta4-2users-old-format-PARTIAL.txt'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.value?.users[1], {
    uuid: PRK,
    type: 'Personal',
    kind: 'personal_recovery_user',
    volumeOwner: null,
  });
  assert.equal(r.value?.users.length, 2);
});

test('diskutil: type -> kind mapping, unknown types keep their text', () => {
  assert.equal(cryptoUserKind('iCloud Recovery User'), 'icloud_recovery_user');
  assert.equal(cryptoUserKind('iCloud Recovery External Key'), 'icloud_recovery_key');
  assert.equal(cryptoUserKind('Institutional Recovery User'), 'institutional_recovery_user');
  assert.equal(cryptoUserKind('Disk User'), 'unknown');
  const r = parseCryptoUsers(
    out(
      'Cryptographic user for disk3s5 (1 found)\n|\n+-- ABC\n    Type: Quantum Key\n    Volume Owner: No\n',
    ),
  );
  assert.deepEqual(r, {
    value: {
      device: 'disk3s5',
      volumeOwnerReported: true,
      users: [{ uuid: 'ABC', type: 'Quantum Key', kind: 'unknown', volumeOwner: false }],
    },
    errors: [],
  });
});

test('diskutil: no crypto users, count mismatch, missing lines, garbage', () => {
  assert.deepEqual(parseCryptoUsers(out('No cryptographic users for disk1s1\n')), {
    value: { device: 'disk1s1', volumeOwnerReported: false, users: [] },
    errors: [],
  });
  const r = parseCryptoUsers(
    out(
      'Cryptographic users for disk3s1 (2 found)\n|\n+-- A\n|   Type: Local Open Directory User\n|   Volume Owner: Yes\n|\n+-- B\n    Volume Owner: Maybe\n',
    ),
  );
  assert.deepEqual(r.errors, [
    E.unrecognised('stdout line 8 unrecognised: Volume Owner: Maybe'),
    E.missing('crypto user B has no Type line'),
    E.missing('crypto user B has no Volume Owner line while others do'),
  ]);
  const short = parseCryptoUsers(
    out('Cryptographic users for disk3s1 (3 found)\n|\n+-- A\n    Type: Local Open Directory User\n'),
  );
  assert.deepEqual(short.errors, [E.conflict('header says 3 found, 1 listed')]);
});

test('diskutil: non-zero exit without a header is an error, no value', () => {
  assert.deepEqual(parseCryptoUsers(out('', 'disk3 is not an APFS Volume\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: disk3 is not an APFS Volume'),
      E.exit('exit code 1'),
    ],
  });
  assert.deepEqual(parseCryptoUsers(out('hello\n', '', 0)), {
    value: null,
    errors: [E.unrecognised('no "Cryptographic users" header: stdout line 1 unrecognised: hello')],
  });
});
