// The rules on snapshots the REAL agent builds (agent/collect.ts) from the real macOS samples, so that the
// rules and the agent agree on what fields, notApplicable paths and errors[].probe/kind/user mean. The runner
// answers only the agent's own command table; the sample files are the ones the agent's tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../../agent/collect.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { evaluateDevice } from '../../../collector/rules/index.ts';
import { COLLECTED_AT as NOW, collectDeps } from '../../helpers/collect-deps.ts';
import {
  appleSiliconMac as tahoeMac,
  fakeRunner,
  intelCatalinaMac,
  lstatOf,
  real,
} from '../../helpers/apple-silicon-mac.ts';
import type { Answer } from '../../helpers/apple-silicon-mac.ts';

const TIMED_OUT = {
  kind: 'timed-out',
  by: 'timeout',
  exitedFirst: null,
  stdout: '',
  stderr: '',
  durationMs: 1,
} as const;

async function snapshotOf(answers: Record<string, Answer>): Promise<Snapshot> {
  const fake = fakeRunner(answers);
  const { snapshot } = await collect(collectDeps(fake));
  assert.deepEqual(fake.rejected, []);
  return snapshot;
}

async function results(answers: Record<string, Answer>): Promise<string[]> {
  const snapshot = await snapshotOf(answers);
  return evaluateDevice({ snapshot, lastSeen: snapshot.collectedAt }, NOW, {
    staleAfterSeconds: 86400,
    graceSeconds: {},
  }).map((o) => `${o.rule}${o.user === null ? '' : `(${o.user})`}: ${o.result}`);
}

test('Apple silicon Tahoe (real samples): not escrowed, itadmin without a token, the only holder a standard user, no key written for escrow, temp excluded', async () => {
  assert.deepEqual(await results(tahoeMac()), [
    'bootstrap-not-escrowed: fail',
    'bootstrap-unsupported: pass',
    'bootstrap-key-missing: not_applicable',
    'bootstrap-unusable: not_applicable',
    'user-without-securetoken(itadmin): fail',
    'user-without-securetoken(ernw): pass',
    'no-securetoken-holder: pass',
    'no-securetoken-admin: fail',
    'no-volume-owner: pass',
    'filevault-off: pass',
    'filevault-no-recovery-key: pass',
    'filevault-key-not-escrowable: fail',
    'filevault-key-record-on-disk: not_applicable',
    'mdm-not-enrolled: pass',
    'mdm-not-user-approved: pass',
    'stale: pass',
    'platform-sso-not-registered: not_applicable',
    'collection-incomplete: pass',
  ]);
});

test('Intel Catalina (real samples): server without Bootstrap Token support, volume owners not applicable', async () => {
  const mac = intelCatalinaMac();
  const r = await results(mac);
  assert.ok(r.includes('bootstrap-not-escrowed: not_applicable'), r.join('\n'));
  assert.ok(r.includes('bootstrap-unsupported: fail'));
  assert.ok(r.includes('bootstrap-key-missing: not_applicable'));
  assert.ok(r.includes('bootstrap-unusable: not_applicable'));
  assert.ok(r.includes('no-volume-owner: not_applicable'));
});

test('sysadminctl timed out for itadmin: itadmin unknown (not no), collection-incomplete names the probe', async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus itadmin'] = { outcome: TIMED_OUT };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(itadmin): unknown'), r.join('\n'));
  assert.ok(r.includes('user-without-securetoken(ernw): pass'));
  assert.ok(r.includes('no-securetoken-holder: pass'));
  assert.ok(r.includes('collection-incomplete: fail'));
});

test("sysadminctl timed out for ernw: the agent's crypto-user evidence (a value next to an error) is believed", async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus ernw'] = { outcome: TIMED_OUT };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(ernw): pass'), r.join('\n'));
  assert.ok(r.includes('collection-incomplete: pass'));
});

test('not enrolled (real sample): mdm-not-enrolled fails, the bootstrap and approval rules do not apply', async () => {
  const mac = tahoeMac();
  mac['/usr/bin/profiles status -type enrollment'] = {
    stdout: real('profiles_enrollment', 'not-enrolled-no-no-fleet-fixture.txt'),
  };
  const r = await results(mac);
  assert.ok(r.includes('mdm-not-enrolled: fail'), r.join('\n'));
  assert.ok(r.includes('mdm-not-user-approved: not_applicable'));
  for (const rule of [
    'bootstrap-not-escrowed',
    'bootstrap-unsupported',
    'bootstrap-key-missing',
    'bootstrap-unusable',
  ]) {
    assert.ok(r.includes(`${rule}: not_applicable`), rule);
  }
});

test('a real Objective-C warning on the stderr of every command: every rule answers as without it', async () => {
  const warning = real('stderr-noise', 'objc-class-implemented-in-both-wazuh-17237.txt');
  const noisy: Record<string, Answer> = tahoeMac();
  for (const answer of Object.values(noisy)) answer.stderr = `${answer.stderr ?? ''}${warning}`;
  const clean = await results(tahoeMac());
  const r = await results(noisy);
  assert.deepEqual(r, clean);
  assert.ok(r.includes('collection-incomplete: pass'));
  assert.ok(r.includes('user-without-securetoken(itadmin): fail'), 'the user list is complete');
  assert.ok(r.includes('no-volume-owner: pass'));
});

test('the new signals from the real agent: a nested admin holding the token, a key written for escrow, a deferral whose record is on disk, a user registered for Platform SSO without a token', async () => {
  const mac = tahoeMac();
  mac['/usr/bin/dsmemberutil checkmembership -U ernw -G admin'] = {
    stdout: real('dsmemberutil_admin', 'member-ad-user-nested-admin-homebrew-install-32-2016.txt'),
  };
  mac[lstatOf('/var/db/FileVaultPRK.dat')] = {
    stat: { kind: 'file', size: 1208, modifiedAt: '2026-02-20T09:14:03.000Z' },
  };
  mac['/usr/bin/fdesetup showdeferralinfo'] = {
    stdout: real('fdesetup_deferral', 'deferral-active-profile-catalina.txt'),
  };
  mac[lstatOf('/var/db/ConfigurationProfiles/fdesetup.plist')] = {
    stat: { kind: 'file', size: 412, modifiedAt: '2026-02-01T10:00:00.000Z' },
  };
  mac['/bin/launchctl asuser 501 /usr/bin/sudo -u ernw /usr/bin/app-sso platform -s'] = {
    stdout: real(
      'app_sso_platform',
      'device-and-user-registered-entra-secure-enclave-fleet-2025-06-REDACTED.txt',
    ),
  };
  const snapshot = await snapshotOf(mac);
  const outcomes = evaluateDevice({ snapshot, lastSeen: snapshot.collectedAt }, NOW, {
    staleAfterSeconds: 86400,
    graceSeconds: {},
  });
  const of = (rule: string, user: string | null = null) => {
    const o = outcomes.find((x) => x.rule === rule && x.user === user);
    assert.ok(o, `${rule} answered`);
    return `${o.result}: ${o.reason}`;
  };
  assert.equal(of('no-securetoken-admin'), 'pass: ernw is an administrator holding a SecureToken');
  assert.match(
    of('filevault-key-not-escrowable'),
    /^pass: a key for MDM escrow was written at 2026-02-20T09:14:03/,
  );
  assert.equal(
    of('filevault-key-record-on-disk'),
    'fail: the enablement record at /var/db/ConfigurationProfiles/fdesetup.plist holds the personal recovery key in clear',
  );
  assert.match(of('platform-sso-not-registered'), /^pass: the Mac and ernw are registered for Platform SSO/);
  assert.equal(of('filevault-off'), 'pass: FileVault is on');
});
