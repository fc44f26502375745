import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFileVaultStatus } from '../../../agent/probes/fdesetup-status.ts';
import { parseFdesetupList } from '../../../agent/probes/fdesetup-list.ts';
import { parseFdesetupBoolean } from '../../../agent/probes/fdesetup-recovery-key.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const STATUS = 'fdesetup_status';
const base = { percent: null, masterKeychain: false, deferredEnablement: false };

test('fdesetup status: every real sample is tested', () => {
  assertCoversFolder(STATUS, [
    'deferred-active-line-only-13.2.1-PARTIAL.txt',
    'off-plain-tahoe-26.2-macmini-agent-audit.txt',
    'on-plain-tahoe.txt',
    'on-with-master-keychain-catalina-10.15.6.txt',
    'on-with-master-keychain-irk-2014.txt',
  ]);
});

test('fdesetup status: real On (Tahoe)', () => {
  assert.deepEqual(parseFileVaultStatus(sample(STATUS, 'on-plain-tahoe.txt')), {
    value: { ...base, state: 'on' },
    errors: [],
  });
});

test('fdesetup status: real Off (Tahoe 26.2)', () => {
  assert.deepEqual(parseFileVaultStatus(sample(STATUS, 'off-plain-tahoe-26.2-macmini-agent-audit.txt')), {
    value: { ...base, state: 'off' },
    errors: [],
  });
});

for (const file of ['on-with-master-keychain-catalina-10.15.6.txt', 'on-with-master-keychain-irk-2014.txt']) {
  test(`fdesetup status: real ${file}: master keychain line is known`, () => {
    assert.deepEqual(parseFileVaultStatus(sample(STATUS, file)), {
      value: { ...base, state: 'on', masterKeychain: true },
      errors: [],
    });
  });
}

test('fdesetup status: real deferral line alone (PARTIAL): deferral known, state unknown with an error', () => {
  assert.deepEqual(parseFileVaultStatus(sample(STATUS, 'deferred-active-line-only-13.2.1-PARTIAL.txt')), {
    value: { ...base, state: 'unknown', deferredEnablement: true },
    errors: [E.missing('no "FileVault is On/Off" line: state unknown')],
  });
});

test('fdesetup status: SYNTHETIC encrypting (documented form, no real capture), exit 2 is a state', () => {
  const r = parseFileVaultStatus(
    out('FileVault is On.\nEncryption in progress: Percent completed = 42.17\n', '', 2),
  );
  assert.deepEqual(r, { value: { ...base, state: 'encrypting', percent: 42.17 }, errors: [] });
});

test('fdesetup status: SYNTHETIC decrypting and pending', () => {
  assert.equal(
    parseFileVaultStatus(out('FileVault is On.\nDecryption in progress: Percent completed = 3\n', '', 2))
      .value?.state,
    'decrypting',
  );
  assert.deepEqual(parseFileVaultStatus(out('Encryption in progress: Pending\n')).value, {
    ...base,
    state: 'encrypting',
  });
});

test('fdesetup status: SYNTHETIC deferral for a named user + Off', () => {
  const r = parseFileVaultStatus(
    out("FileVault is Off.\nDeferred enablement appears to be active for user 'alice'.\n"),
  );
  assert.deepEqual(r, { value: { ...base, state: 'off', deferredEnablement: true }, errors: [] });
});

test('fdesetup status: exit 2 without progress is an error; garbage; conflicting lines', () => {
  assert.deepEqual(parseFileVaultStatus(out('FileVault is On.\n', '', 2)).errors, [
    E.exit('exit code 2: FileVault is On.'),
  ]);
  // A line beside a state read cleanly changes nothing (the noise policy).
  const g = parseFileVaultStatus(out('FileVault is On.\nsomething else\n'));
  assert.deepEqual(g, {
    value: { ...base, state: 'on' },
    errors: [E.unrelated('stdout line 2 unrecognised: something else')],
  });
  const c = parseFileVaultStatus(out('FileVault is On.\nFileVault is Off.\n'));
  assert.equal(c.value?.state, 'unknown');
  assert.deepEqual(c.errors, [E.conflict('conflicting lines: FileVault is On and Off (line 2)')]);
});

test('fdesetup list: every real sample is tested', () =>
  assertCoversFolder('fdesetup_list', ['single-user-disa-stig-example.txt']));

test('fdesetup list: real STIG example', () => {
  assert.deepEqual(parseFdesetupList(sample('fdesetup_list', 'single-user-disa-stig-example.txt')), {
    value: [{ name: 'fvuser', uuid: '85F41F44-22B3-6CB7-85A1-BCC2EA2B887A' }],
    errors: [],
  });
});

test('fdesetup list: empty (FileVault off) is an empty list only when the command succeeded', () => {
  assert.deepEqual(parseFdesetupList(out('')), { value: [], errors: [] });
  assert.deepEqual(parseFdesetupList(out('', 'Error: This command requires root access.\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: Error: This command requires root access.'),
      E.exit('exit code 1'),
    ],
  });
  assert.deepEqual(parseFdesetupList(out('fvuser,ABC\nno comma here\n')).errors, [
    E.unrecognised('stdout line 2 unrecognised: no comma here'),
  ]);
});

test('fdesetup has*recoverykey: every real sample of the boolean style is tested (fdesetup-misc)', () => {
  assertCoversFolder('fdesetup-misc', [
    'usingrecoverykey-false-corestorage-10.11.6.txt',
    'usingrecoverykey-not-supported-on-apfs-10.14.1.txt',
  ]);
});

test('fdesetup has*recoverykey: real bare "false" (usingrecoverykey, same boolean style)', () => {
  assert.deepEqual(
    parseFdesetupBoolean(sample('fdesetup-misc', 'usingrecoverykey-false-corestorage-10.11.6.txt')),
    { value: { present: false }, errors: [] },
  );
});

test('fdesetup has*recoverykey: real prose answer ("not supported on APFS") is an error, never false', () => {
  assert.deepEqual(
    parseFdesetupBoolean(sample('fdesetup-misc', 'usingrecoverykey-not-supported-on-apfs-10.14.1.txt')),
    {
      value: null,
      errors: [E.unrecognised('stdout line 1 unrecognised: This command is not supported on APFS volumes.')],
    },
  );
});

test('fdesetup has*recoverykey: true, empty, failure', () => {
  assert.deepEqual(parseFdesetupBoolean(out('true\n')), { value: { present: true }, errors: [] });
  assert.deepEqual(parseFdesetupBoolean(out('')), {
    value: null,
    errors: [E.missing('no true/false answer')],
  });
  assert.deepEqual(parseFdesetupBoolean(out('true\n', '', 1)), {
    value: null,
    errors: [E.exit('exit code 1: true')],
  });
});
