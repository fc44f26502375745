// The rules on snapshots the REAL agent builds (agent/collect.ts) from the real macOS samples, so that the
// rules and the agent agree on what fields, notApplicable paths and errors[].source mean. The runner
// answers only the agent's own command table; the sample files are the ones the agent's tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../../agent/collect.ts';
import { probeForRequest } from '../../../agent/probes/index.ts';
import type { RunOutcome, RunRequest, Runner } from '../../../agent/exec/types.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { evaluateDevice } from '../../../collector/rules/index.ts';
import { sampleText as real } from '../../agent/probes/samples.ts';
import { COLLECTED_AT as NOW, collectDeps } from '../../helpers/collect-deps.ts';

const OWNER_GUID = 'DA145BD0-81C7-41AA-9676-794E0A14B63D';

interface Answer {
  stdout?: string;
  stderr?: string;
  exit?: number;
  timedOut?: boolean;
}

function runner(answers: Record<string, Answer>): Runner {
  return async (req: RunRequest): Promise<RunOutcome> => {
    const line = [req.command, ...req.args].join(' ');
    const answer = answers[line];
    if (!probeForRequest(req.command, req.args) || !answer) throw new Error(`unexpected request ${line}`);
    const ran = { stdout: answer.stdout ?? '', stderr: answer.stderr ?? '', durationMs: 1 };
    return answer.timedOut
      ? { ...ran, kind: 'timed-out', by: 'timeout', exitedFirst: null }
      : { ...ran, kind: 'exited', exitCode: answer.exit ?? 0 };
  };
}

/** An Apple silicon Tahoe Mac from real samples (names and GUIDs edited to agree): escrow says NO. */
function tahoeMac(): Record<string, Answer> {
  return {
    '/usr/bin/sw_vers': { stdout: real('sw_vers', 'tahoe-26.4-double-tab.txt') },
    '/usr/sbin/system_profiler SPHardwareDataType -json': {
      stdout: real(
        'system_profiler-SPHardwareDataType',
        'json-applesilicon-m2-mac14,7-real-no-trailing-newline.json',
      ),
    },
    // SYNTHETIC user list in the real padded layout.
    '/usr/bin/dscl . -list /Users UniqueID': {
      stdout: [
        '_mbsetupuser            248',
        'itadmin                 499',
        'ernw                    501',
        'root                    0',
        'temp                    502',
        '',
      ].join('\n'),
    },
    '/usr/bin/dscl . -read /Groups/admin GroupMembership': { stdout: 'GroupMembership: root itadmin\n' },
    '/usr/bin/dscl . -read /Users/ernw GeneratedUID AuthenticationAuthority': {
      stdout: `AuthenticationAuthority: ;ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2> ;SecureToken;\nGeneratedUID: ${OWNER_GUID.toLowerCase()}\n`,
    },
    '/usr/bin/dscl . -read /Users/itadmin GeneratedUID AuthenticationAuthority': {
      stdout:
        'AuthenticationAuthority: ;ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2>\nGeneratedUID: 11111111-2222-3333-4444-555555555555\n',
    },
    '/usr/bin/dscl . -read /Users/temp GeneratedUID AuthenticationAuthority': {
      stdout:
        real('dscl-read-authenticationauthority', 'securetoken-disableduser-disa-stig-example.txt') +
        'GeneratedUID: 99999999-2222-3333-4444-555555555555\n',
    },
    '/usr/sbin/sysadminctl -secureTokenStatus ernw': {
      stderr: real('sysadminctl-securetokenstatus', 'enabled-ernw-tahoe-26.txt'),
    },
    '/usr/sbin/sysadminctl -secureTokenStatus itadmin': {
      stderr: real('sysadminctl-securetokenstatus', 'disabled-realname-with-spaces-tahoe-26.6.txt'),
    },
    '/usr/sbin/sysadminctl -secureTokenStatus temp': {
      stderr: real('sysadminctl-securetokenstatus', 'disabled-ec2-user-2021-bigsur.txt'),
    },
    '/usr/sbin/diskutil apfs listcryptousers /': {
      stdout: real(
        'diskutil-apfs-listcryptousers',
        'listcryptousers-tahoe-applesilicon-3users-bootstrap-owner-yes.txt',
      ),
    },
    '/usr/bin/fdesetup status': { stdout: real('fdesetup-status', 'on-plain-tahoe.txt') },
    '/usr/bin/fdesetup list': { stdout: `ernw,${OWNER_GUID}\n` },
    '/usr/bin/fdesetup haspersonalrecoverykey': { stdout: 'true\n' },
    '/usr/bin/fdesetup hasinstitutionalrecoverykey': { stdout: 'false\n' },
    '/usr/bin/profiles status -type bootstraptoken': {
      stdout: real('profiles-status-bootstraptoken', 'supported-yes-escrowed-no-catalina-beta.txt'),
    },
    '/usr/bin/profiles status -type enrollment': {
      stdout: real('profiles-status-enrollment', 'dep-yes-uamdm-yes-server-line-bigsur.txt'),
    },
    '/usr/bin/stat -f %Su /dev/console': { stdout: 'ernw\n' },
    '/usr/libexec/mdmclient QueryDeviceInformation': {
      stdout: real('mdmclient', 'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt'),
    },
  };
}

async function snapshotOf(answers: Record<string, Answer>): Promise<Snapshot> {
  const { snapshot } = await collect(collectDeps(runner(answers)));
  return snapshot;
}

async function results(answers: Record<string, Answer>): Promise<string[]> {
  const snapshot = await snapshotOf(answers);
  return evaluateDevice({ snapshot, lastSeen: snapshot.collectedAt }, NOW, {
    staleAfterSeconds: 86400,
    graceSeconds: {},
  }).map((o) => `${o.rule}${o.user === null ? '' : `(${o.user})`}: ${o.result}`);
}

test('Apple silicon Tahoe (real samples): not escrowed, itadmin without a token, temp excluded', async () => {
  assert.deepEqual(await results(tahoeMac()), [
    'bootstrap-not-escrowed: fail',
    'bootstrap-unsupported: pass',
    'bootstrap-key-missing: not_applicable',
    'bootstrap-unusable: not_applicable',
    'user-without-securetoken(itadmin): fail',
    'user-without-securetoken(ernw): pass',
    'no-securetoken-holder: pass',
    'no-volume-owner: pass',
    'filevault-off: pass',
    'filevault-no-recovery-key: pass',
    'mdm-not-enrolled: pass',
    'mdm-not-user-approved: pass',
    'stale: pass',
    'collection-incomplete: pass',
  ]);
});

test('Intel Catalina (real samples): server without Bootstrap Token support, volume owners not applicable', async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/system_profiler SPHardwareDataType -json'] = {
    stdout: JSON.stringify({
      SPHardwareDataType: [
        {
          serial_number: 'C02XFGWEJG5H',
          platform_UUID: '4EA008BF-9B36-5F1D-9151-AD4F64808AAB',
          machine_model: 'MacBookPro15,1',
          cpu_type: '6-Core Intel Core i7',
        },
      ],
    }),
  };
  mac['/usr/sbin/diskutil apfs listcryptousers /'] = {
    stdout: real(
      'diskutil-apfs-listcryptousers',
      'listusers-catalina-intel-4users-bootstrap-external-key-trailing-space-line.txt',
    ),
  };
  mac['/usr/bin/profiles status -type bootstraptoken'] = {
    stdout: real('profiles-status-bootstraptoken', 'supported-no-single-line-catalina.txt'),
  };
  mac['/usr/libexec/mdmclient QueryDeviceInformation'] = {
    stdout: real('mdmclient', 'QueryDeviceInformation-10.14.6-intel-MacBookPro14,3.txt'),
  };
  const r = await results(mac);
  assert.ok(r.includes('bootstrap-not-escrowed: not_applicable'), r.join('\n'));
  assert.ok(r.includes('bootstrap-unsupported: fail'));
  assert.ok(r.includes('bootstrap-key-missing: not_applicable'));
  assert.ok(r.includes('bootstrap-unusable: not_applicable'));
  assert.ok(r.includes('no-volume-owner: not_applicable'));
});

test('sysadminctl timed out for itadmin: itadmin unknown (not no), collection-incomplete names the probe', async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus itadmin'] = { timedOut: true };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(itadmin): unknown'), r.join('\n'));
  assert.ok(r.includes('user-without-securetoken(ernw): pass'));
  assert.ok(r.includes('no-securetoken-holder: pass'));
  assert.ok(r.includes('collection-incomplete: fail'));
});

test("sysadminctl timed out for ernw: the agent's crypto-user evidence (a value next to an error) is believed", async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus ernw'] = { timedOut: true };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(ernw): pass'), r.join('\n'));
  assert.ok(r.includes('collection-incomplete: pass'));
});

test('not enrolled (real sample): mdm-not-enrolled fails, the bootstrap and approval rules do not apply', async () => {
  const mac = tahoeMac();
  mac['/usr/bin/profiles status -type enrollment'] = {
    stdout: real('profiles-status-enrollment', 'not-enrolled-no-no-fleet-fixture.txt'),
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
