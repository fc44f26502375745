// Secret material a tool may print where the agent expects something else never reaches an error
// message: the redaction itself, the excerpt every parser quotes through, and the parsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../../../agent/probes/secret-redaction.ts';
import { excerpt } from '../../../agent/probes/excerpt.ts';
import { exitError, unrecognised } from '../../../agent/probes/output-lines.ts';
import { parseFileVaultStatus } from '../../../agent/probes/fdesetup-status.ts';
import { parseDeviceInformation } from '../../../agent/probes/mdmclient.ts';
import { parseSecureTokenStatus } from '../../../agent/probes/sysadminctl.ts';
import { MACOS, out, sampleText } from './samples.ts';

// SYNTHETIC: a made-up key in the form `fdesetup enable` prints (no real key is ever published).
const KEY = 'K3QW-7HNM-X2PL-9RTV-B4CZ-M8JD';
const RECOVERY_LINE = `Recovery key = '${KEY}'`;
// Real: the PushToken line of a real mdmclient capture (bytes as published).
const PUSH_LINE =
  sampleText('mdmclient', 'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt')
    .split('\n')
    .find((l) => l.includes('PushToken')) ?? '';
const PUSH_BYTES = ['068b4535', '172f7bd3', '851facee', '38625271', '61731ac3'];

test('a FileVault recovery key is redacted wherever it appears in a line (SYNTHETIC key)', () => {
  for (const line of [
    RECOVERY_LINE,
    `New personal recovery key = '${KEY}'`,
    `${KEY}`,
    `key:${KEY}; more`,
    `recovery ${KEY.toLowerCase()} in lower case`,
  ]) {
    const r = redactSecrets(line);
    assert.ok(!r.toUpperCase().includes(KEY), `${line} -> ${r}`);
    assert.match(r, /\[redacted\]/);
  }
});

test('excerpt, unrecognised and exitError quote lines without the recovery key', () => {
  assert.equal(excerpt(RECOVERY_LINE), 'Recovery key = [redacted]');
  assert.equal(excerpt(`FileVault is On. ${KEY}`), 'FileVault is On. [redacted]');
  assert.equal(unrecognised({ no: 2, text: KEY }).message, 'stdout line 2 unrecognised: [redacted]');
  assert.equal(
    exitError(out('', `${RECOVERY_LINE}\n`, 1))?.message,
    'exit code 1: Recovery key = [redacted]',
  );
  assert.equal(exitError(out(`${KEY}\n`, '', 1))?.message, 'exit code 1: [redacted]');
});

test('fdesetup status printing a recovery key line: the state is read, the key is not in the errors', () => {
  const r = parseFileVaultStatus(out(`FileVault is On.\n${RECOVERY_LINE}\n`));
  assert.equal(r.value?.state, 'on');
  assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
  assert.ok(!JSON.stringify(r).includes(KEY), JSON.stringify(r));
  assert.ok(!JSON.stringify(parseFileVaultStatus(out(`FileVault is On.\n`, `${KEY}\n`, 1))).includes(KEY));
});

test('the real PushToken line: bytes redacted, the key name kept', () => {
  assert.match(PUSH_LINE, /PushToken = \{length = 32, bytes = 0x068b4535/);
  const r = excerpt(PUSH_LINE);
  assert.equal(r, 'PushToken = [redacted]');
  // An mdmclient answer with that line outside the plist (a verbose or changed tool): unrecognised, redacted.
  const parsed = parseDeviceInformation(out(`${PUSH_LINE.trim()}\n`));
  assert.ok(parsed.errors.length > 0);
  for (const b of PUSH_BYTES) assert.ok(!JSON.stringify(parsed).includes(b), b);
});

test('Bootstrap Token and password material in the forms a tool prints them', () => {
  const blob = 'MIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
  const cases: [string, string[]][] = [
    [`BootstrapToken = <9c1e2f3a 4b5c6d7e 8f901a2b 3c4d5e6f>;`, ['9c1e2f3a', '8f901a2b']],
    [`BootstrapToken: ${blob}`, [blob.slice(0, 20)]],
    [`"BootstrapToken":"${blob}"`, [blob.slice(0, 20)]],
    [blob, [blob.slice(0, 20)]],
    [`bytes = 0x9c1e2f3a4b5c6d7e8f901a2b3c4d5e6f`, ['9c1e2f3a4b5c']],
    [`Password: Tr0ub4dor&3`, ['Tr0ub4dor']],
    [`password = "correct horse battery staple"`, ['correct horse', 'staple']],
    [
      `sysadminctl -secureTokenOn alice -password hunter2 -adminUser bob -adminPassword s3cret!`,
      ['hunter2', 's3cret'],
    ],
    [`--token=abc.def.ghi and more`, ['abc.def.ghi']],
  ];
  for (const [line, secrets] of cases) {
    const r = excerpt(line);
    for (const s of secrets) assert.ok(!r.includes(s), `${line} -> ${r}`);
    assert.match(r, /\[redacted\]/, line);
  }
  const st = parseSecureTokenStatus(
    out('', '2026-03-02 11:55:00.123 sysadminctl[1:2] -adminPassword s3cret! was not accepted\n', 1),
  );
  assert.ok(!JSON.stringify(st).includes('s3cret'), JSON.stringify(st));
});

test('what says whether a secret exists is kept: flags, UUIDs, states', () => {
  for (const line of [
    '"FDE_HasPersonalRecoveryKey" = 1;',
    'ShowRecoveryKey = 1;',
    'Password: *',
    'Bootstrap Token escrowed to server: YES',
    'Secure token is ENABLED for user alice',
    'Cryptographic user: EBC6C064-0000-11AA-AA11-00306543ECAC (Personal Recovery User)',
    'Type: MDM Bootstrap Token External Key',
    'BootstrapTokenAllowed = 1;',
    '/System/Library/PrivateFrameworks/ConfigurationProfiles.framework',
  ]) {
    assert.equal(redactSecrets(line), line);
  }
});

test('every line of every real sample is kept as it is, except the PushToken bytes, a hash and Platform SSO key material', () => {
  const changed: string[] = [];
  for (const f of fs.globSync('**/*', { cwd: MACOS })) {
    const file = path.join(MACOS, f);
    if (!fs.statSync(file).isFile() || f.endsWith('.md')) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n'))
      if (redactSecrets(line) !== line) changed.push(line.trim().split(' ')[0] ?? '');
  }
  // app-sso platform -s prints the device's key material and certificate (base64): secrets, redacted.
  const platformSsoKeys = [
    '"_deviceEncryptionKeyData"',
    '"_deviceSigningKeyData"',
    '"_sepKeyData"',
    '"deviceSigningCertificate"',
  ];
  assert.deepEqual([...new Set(changed)].sort(), [
    ...platformSsoKeys,
    'AuthenticationAuthority:',
    'PushToken',
  ]);
  assert.equal(changed.filter((c) => c === 'PushToken').length, 4);
});
