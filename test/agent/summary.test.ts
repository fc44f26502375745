// The agent's human output (collect, status) with every device-supplied and server-supplied string
// hostile: nothing the terminal would act on survives, and no value adds or removes a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSnapshot, renderStatus } from '../../agent/summary.ts';
import type { StatusView } from '../../agent/summary.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { compliantSnapshot, crypto, user } from '../collector/rules/compliant-snapshot.ts';
import { HOSTILE, assertNoUnsafe, hostile } from '../helpers/hostile-strings.ts';

function hostileSnapshot(text: string): Snapshot {
  const s = compliantSnapshot();
  s.device = { ...s.device, serial: text, model: text, osVersion: text, osBuild: text, hostname: text };
  s.mdm.server = text;
  s.consoleUser = text;
  s.users = [user(text, text), user('bob', 'B0B')];
  s.cryptoUsers = [crypto(text, text, 'local_user', true)];
  s.errors = [{ probe: 'sysadminctl', kind: 'exit', user: text, message: text }];
  s.fileVault.prkEscrowFile = { present: true, size: 460, modifiedAt: text };
  s.fileVault.deferral = {
    deferred: true,
    fromProfile: true,
    users: [text, 'bob'],
    outputPath: text,
    recordPresent: true,
  };
  s.platformSso = {
    deviceConfigured: true,
    deviceRegistered: true,
    extensionIdentifier: text,
    loginType: text,
    user: { name: text, registered: true, state: text },
  };
  return s;
}

function hostileStatus(text: string): StatusView {
  return {
    stateDir: text,
    latest: hostileSnapshot(text),
    cacheFileBytes: 1,
    snapshots: { changes: 1, bytes: 1, oldestCollectedAt: text },
    outbox: {
      snapshots: 1,
      checkins: 0,
      rejected: 0,
      oldestQueuedAt: text,
      nextAttemptAt: text,
      lastError: text,
      maxAttempts: 1,
      gap: { dropped: 1, firstQueuedAt: text, lastQueuedAt: text, lastDroppedAt: text },
    },
    lastUpload: { at: text, sent: 1 },
    lastUploadError: { at: text, error: text },
    enrolled: true,
    serverUrl: text,
  };
}

const lineCount = (text: string) => text.split('\n').length;

test('collect: no raw control or bidi character from any field survives, and no line is forged', () => {
  const plain = lineCount(renderSnapshot(hostileSnapshot('plain')));
  for (const h of HOSTILE) {
    const out = renderSnapshot(hostileSnapshot(h.text));
    assertNoUnsafe(out, h.id);
    assert.equal(lineCount(out), plain, `${h.id}: the same lines as a plain snapshot`);
  }
});

test('status: no raw control or bidi character from the cache or the server survives', () => {
  const plain = lineCount(renderStatus(hostileStatus('plain')));
  for (const h of HOSTILE) {
    const out = renderStatus(hostileStatus(h.text));
    assertNoUnsafe(out, h.id);
    assert.equal(lineCount(out), plain, `${h.id}: the same lines as a plain status`);
  }
});

test('collect: a user name with escapes is shown escaped and its columns still line up', () => {
  const s = compliantSnapshot();
  s.users = [user(hostile('ansi-colour'), 'A'), user('bob', 'B', { uid: 502 })];
  const rows = renderSnapshot(s)
    .split('\n')
    .filter((l) => / uid 50[12] /.test(l));
  assert.equal(rows.length, 2);
  assert.ok(rows[0]?.startsWith('  \\x1b[31;1mred\\x1b[0m '), rows[0]);
  assert.equal(rows[0]?.indexOf(' uid '), rows[1]?.indexOf(' uid '));
});

test('collect: the escrow file, the deferral and Platform SSO as an admin reads them; absent fields are "not reported"', () => {
  const s = compliantSnapshot();
  s.fileVault.prkEscrowFile = { present: true, size: 460, modifiedAt: '2026-04-20T09:30:00.000Z' };
  s.fileVault.deferral = {
    deferred: true,
    fromProfile: true,
    users: [],
    outputPath: '/var/db/ConfigurationProfiles/fdesetup.plist',
    recordPresent: true,
  };
  s.platformSso = {
    deviceConfigured: true,
    deviceRegistered: true,
    extensionIdentifier: 'com.microsoft.CompanyPortalMac.ssoextension',
    loginType: 'POLoginTypeUserSecureEnclaveKey (2)',
    user: { name: 'alice', registered: false, state: null },
  };
  s.users = [user('alice', 'A', { admin: true, adminDirect: false })];
  const out = renderSnapshot(s);
  assert.match(
    out,
    /^ {2}escrow {3}a key was written for MDM escrow at 2026-04-20T09:30:00.000Z \(\/var\/db\/FileVaultPRK.dat, 460 bytes\)$/m,
  );
  assert.match(
    out,
    /^ {2}deferral enablement at the next logout of any user \(profile\); record \/var\/db\/ConfigurationProfiles\/fdesetup.plist ON DISK \(holds the key in clear\)$/m,
  );
  assert.match(
    out,
    /^PSSO {7}device registered yes with com.microsoft.CompanyPortalMac.ssoextension, alice registered no$/m,
  );
  assert.match(out, /\(admin through a group\)/);
  const old = compliantSnapshot();
  delete old.fileVault.prkEscrowFile;
  delete old.fileVault.deferral;
  delete old.platformSso;
  const plain = renderSnapshot(old);
  assert.match(plain, /^ {2}escrow {3}not reported$/m);
  assert.match(plain, /^PSSO {7}not reported$/m);
  old.platformSso = null;
  old.notApplicable = ['platformSso'];
  assert.match(renderSnapshot(old), /^PSSO {7}n\/a \(macOS 12 or earlier\)$/m);
});
