// collect() against an in-test runner that CHECKS every request against the command table (an unknown
// command line or timeout fails the test) and answers from the real samples in test/fixtures/macos/
// (test/helpers/apple-silicon-mac.ts).
// Where a state has no real sample the answer is written inline in the documented form and the test
// name says SYNTHETIC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../agent/collect.ts';
import type { BootstrapCheck } from '../../agent/collect.ts';
import { probeForRequest } from '../../agent/probes/index.ts';
import { checkSnapshot } from '../../agent/snapshot/compile.ts';
import { COLLECTED_AT as NOW, collectDeps } from '../helpers/collect-deps.ts';
import {
  OWNER_GUID,
  appleSiliconMac,
  fakeRunner,
  intelCatalinaMac,
  lstatOf,
  real,
} from '../helpers/apple-silicon-mac.ts';
import { macFileStat } from '../helpers/sysroot.ts';
import type { MacFile } from '../helpers/sysroot.ts';
import { PRK_ESCROW_FILE } from '../../agent/probes/prk-escrow-file.ts';
import type { Answer } from '../helpers/apple-silicon-mac.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

test('collect: Apple silicon Mac from real samples: every fact, contract-valid, no errors', async () => {
  const fake = fakeRunner(appleSiliconMac());
  const { snapshot, bootstrapCheck } = await collect(collectDeps(fake));
  assert.deepEqual(fake.rejected, []);
  assert.deepEqual(checkSnapshot(snapshot), []);
  assert.deepEqual(snapshot.errors, []);
  assert.deepEqual(snapshot.device, {
    serial: 'D5XQV1FMFJ',
    hardwareUuid: 'D26E7BC6-425E-51C2-87C5-0B902782B60D',
    model: 'Mac14,7',
    appleSilicon: true,
    osVersion: '26.4',
    osBuild: '25E246',
    hostname: 'Z44QF45X37',
  });
  assert.deepEqual(snapshot.mdm, {
    enrolled: true,
    userApproved: true,
    dep: true,
    server: 'https://MDMSERVER:8443/mdm/ServerURL',
  });
  assert.deepEqual(snapshot.bootstrapToken, {
    supportedOnServer: true,
    escrowed: false,
    allowed: true,
    eacsPreflight: 'success',
    checkedAt: NOW.toISOString(),
  });
  assert.deepEqual(snapshot.fileVault, {
    state: 'on',
    personalRecoveryKey: true,
    institutionalRecoveryKey: false,
    // lstat: no key was written for MDM escrow.
    prkEscrowFile: { present: false, size: null, modifiedAt: null },
    // "Not found." (SYNTHETIC, exit 20): no deferral, so no record to look at (notApplicable).
    deferral: { deferred: false, fromProfile: false, users: null, outputPath: null, recordPresent: null },
  });
  // Fleet's real capture of a Mac without Platform SSO, run as the console user ernw (uid 501).
  assert.deepEqual(snapshot.platformSso, {
    deviceConfigured: false,
    deviceRegistered: null,
    extensionIdentifier: null,
    loginType: null,
    user: { name: 'ernw', registered: false, state: null },
  });
  assert.ok(
    fake.asked.includes('/bin/launchctl asuser 501 /usr/bin/sudo -u ernw /usr/bin/app-sso platform -s'),
  );
  // The only file looked at is the escrow file (no deferral OutputPath).
  assert.deepEqual(
    fake.asked.filter((a) => a.startsWith('lstat ')),
    ['lstat /var/db/FileVaultPRK.dat'],
  );
  assert.deepEqual(
    snapshot.cryptoUsers.map((c) => [c.kind, c.volumeOwner]),
    [
      ['local_user', true],
      ['mdm_bootstrap_token', true],
      ['personal_recovery_user', true],
    ],
  );
  assert.equal(snapshot.consoleUser, 'ernw');
  assert.deepEqual(snapshot.notApplicable, ['fileVault.deferral.recordPresent']);
  // root, daemon, nobody, Guest, _mbsetupuser do not count; itadmin (uid 499) does. Admin: what
  // dsmemberutil answers (itadmin: the real "is a member"), adminDirect: the group's own list.
  assert.deepEqual(snapshot.users, [
    {
      name: 'itadmin',
      uid: 499,
      guid: '11111111-2222-3333-4444-555555555555',
      admin: true,
      adminDirect: true,
      mobile: false,
      disabled: false,
      secureToken: false,
      fileVault: false,
      volumeOwner: false,
      excluded: false,
    },
    // GUID matched case-insensitively (dscl printed it in lower case here).
    {
      name: 'ernw',
      uid: 501,
      guid: OWNER_GUID.toLowerCase(),
      admin: false,
      adminDirect: false,
      mobile: false,
      disabled: false,
      secureToken: true,
      fileVault: true,
      volumeOwner: true,
      excluded: false,
    },
    {
      name: 'temp',
      uid: 502,
      guid: '99999999-2222-3333-4444-555555555555',
      admin: false,
      adminDirect: false,
      mobile: false,
      disabled: true,
      secureToken: false,
      fileVault: false,
      volumeOwner: false,
      excluded: true,
    },
  ]);
  assert.deepEqual(bootstrapCheck, {
    allowed: true,
    eacsPreflight: 'success',
    checkedAt: NOW.toISOString(),
    notApplicable: [],
  });
  assert.ok(fake.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
  assert.ok(
    !fake.asked.some((a) => a.includes('/Users/root') || a.includes('_mbsetupuser') || a.endsWith(' Guest')),
  );
});

test('collect: a real Objective-C runtime warning on the stderr of every command changes no value', async () => {
  const warning = real('stderr-noise', 'objc-class-implemented-in-both-wazuh-17237.txt');
  const clean = await collect(collectDeps(fakeRunner(appleSiliconMac())));
  const mac = appleSiliconMac();
  for (const answer of Object.values(mac)) answer.stderr = `${answer.stderr ?? ''}${warning}`;
  const fake = fakeRunner(mac);
  const noisy = await collect(collectDeps(fake));
  assert.deepEqual(checkSnapshot(noisy.snapshot), []);
  assert.deepEqual({ ...noisy.snapshot, errors: [] }, clean.snapshot);
  assert.deepEqual(noisy.bootstrapCheck, clean.bootstrapCheck);
  // One error per command run (not per file looked at), each unrelated; per-user ones name their user.
  assert.equal(noisy.snapshot.errors.length, fake.asked.filter((a) => !a.startsWith('lstat ')).length);
  for (const e of noisy.snapshot.errors) {
    assert.equal(e.kind, 'unrecognised_output');
    assert.equal(e.unrelated, true);
    assert.match(e.message, /^stderr line \d+ unrecognised: objc\[18088\]: Class SSRequest /);
  }
  assert.deepEqual(
    noisy.snapshot.errors.filter((e) => e.probe === 'sysadminctl').map((e) => e.user),
    ['ernw', 'itadmin', 'temp'],
  );
});

test('collect: Intel Catalina (real samples): volume owners and escrow not applicable, mdmclient keys absent', async () => {
  const mac = intelCatalinaMac();
  const fake = fakeRunner(mac);
  const { snapshot, bootstrapCheck } = await collect(collectDeps(fake));
  assert.deepEqual(checkSnapshot(snapshot), []);
  assert.deepEqual(snapshot.errors, []);
  assert.equal(snapshot.device.appleSilicon, false);
  assert.deepEqual(snapshot.notApplicable, [
    'bootstrapToken.allowed',
    'bootstrapToken.eacsPreflight',
    'bootstrapToken.escrowed',
    'cryptoUsers.volumeOwner',
    'fileVault.deferral.recordPresent',
    // macOS 10.13: no Platform SSO, app-sso not run.
    'platformSso',
    'users.volumeOwner',
  ]);
  assert.equal(snapshot.platformSso, null);
  assert.ok(!fake.asked.some((a) => a.startsWith('/bin/launchctl')));
  assert.deepEqual(snapshot.bootstrapToken, {
    supportedOnServer: false,
    escrowed: null,
    allowed: null,
    eacsPreflight: null,
    checkedAt: NOW.toISOString(),
  });
  assert.ok(snapshot.cryptoUsers.every((c) => c.volumeOwner === null));
  assert.ok(snapshot.users.every((u) => u.volumeOwner === null));
  assert.deepEqual(bootstrapCheck?.notApplicable, ['bootstrapToken.allowed', 'bootstrapToken.eacsPreflight']);
});

test('collect: a failing command, garbage output, a hang past the budget: errors, nulls, never "no"', async () => {
  const mac = appleSiliconMac();
  mac['/usr/bin/fdesetup list'] = { stderr: 'Error: This command requires root access.\n', exit: 1 };
  mac['/usr/sbin/diskutil apfs listcryptousers /'] = { stdout: '\u0000\u0013garbage %%%\n', exit: 0 };
  mac['/usr/libexec/mdmclient QueryDeviceInformation'] = { hangMs: 60_000 };
  mac['/usr/sbin/sysadminctl -secureTokenStatus itadmin'] = { startError: 'EACCES: permission denied' };
  const fake = fakeRunner(mac);
  const started = performance.now();
  const { snapshot, bootstrapCheck } = await collect(collectDeps(fake, { budgetMs: 400 }));
  assert.ok(performance.now() - started < 5_000, 'the budget ends the collection');
  assert.deepEqual(fake.rejected, []);
  assert.deepEqual(checkSnapshot(snapshot), []);
  assert.deepEqual(snapshot.errors, [
    {
      probe: 'sysadminctl',
      kind: 'not_started',
      user: 'itadmin',
      message: 'could not start /usr/sbin/sysadminctl: EACCES: permission denied',
    },
    {
      probe: 'diskutil_cryptousers',
      kind: 'unrecognised_output',
      message: 'no "Cryptographic users" header: stdout line 1 unrecognised: ??garbage %%%',
    },
    { probe: 'fdesetup_list', kind: 'exit', message: 'exit code 1' },
    {
      probe: 'fdesetup_list',
      kind: 'unrecognised_output',
      message: 'stderr line 1 unrecognised: Error: This command requires root access.',
    },
    { probe: 'mdmclient', kind: 'timeout', message: 'timed out: the collection budget of 400 ms ran out' },
  ]);
  const itadmin = snapshot.users.find((u) => u.name === 'itadmin');
  // sysadminctl failed and itadmin is not a crypto user we could read: unknown, not false.
  assert.equal(itadmin?.secureToken, null);
  assert.ok(snapshot.users.every((u) => u.fileVault === null && u.volumeOwner === null));
  assert.deepEqual(snapshot.cryptoUsers, []);
  assert.equal(snapshot.bootstrapToken.allowed, null);
  assert.equal(snapshot.bootstrapToken.checkedAt, null);
  assert.equal(bootstrapCheck, null);
  assert.deepEqual(snapshot.notApplicable, ['fileVault.deferral.recordPresent']);
});

test('collect: each way a run ends without an exit code is recorded as its own kind, never as a parse', async () => {
  const mac = appleSiliconMac();
  const ran = { stdout: 'x'.repeat(64), stderr: '', durationMs: 5 };
  mac['/usr/bin/fdesetup status'] = { outcome: { ...ran, kind: 'output-too-large', limit: 4194304 } };
  mac['/usr/bin/fdesetup list'] = {
    outcome: { ...ran, kind: 'timed-out', by: 'timeout', exitedFirst: 0 },
  };
  mac['/usr/bin/fdesetup haspersonalrecoverykey'] = {
    outcome: { ...ran, kind: 'signalled', signal: 'SIGSEGV' },
  };
  mac['/usr/bin/fdesetup hasinstitutionalrecoverykey'] = {
    outcome: { kind: 'not-started', reason: 'ENOENT: no such file', budgetSpent: false, durationMs: 1 },
  };
  mac['/usr/bin/stat -f %Su /dev/console'] = {
    outcome: { ...ran, kind: 'timed-out', by: 'budget', exitedFirst: null },
  };
  mac['/usr/bin/sw_vers'] = {
    outcome: { kind: 'not-started', reason: 'budget', budgetSpent: true, durationMs: 0 },
  };
  mac['/usr/bin/profiles status -type bootstraptoken'] = { throws: 'the runner broke' };
  const fake = fakeRunner(mac);
  const { snapshot } = await collect(collectDeps(fake));
  assert.deepEqual(fake.rejected, []);
  const probes = ['sw_vers', 'fdesetup_status', 'fdesetup_list', 'fdesetup_prk', 'fdesetup_irk'];
  assert.deepEqual(
    snapshot.errors.filter((e) => [...probes, 'profiles_bootstrap', 'console_user'].includes(e.probe)),
    [
      {
        probe: 'sw_vers',
        kind: 'not_started',
        message: 'not run: the collection budget of 30000 ms ran out',
      },
      {
        probe: 'fdesetup_status',
        kind: 'output_too_large',
        message: 'printed more than 4194304 characters: stopped, and its output was not read',
      },
      {
        probe: 'fdesetup_list',
        kind: 'timeout',
        message: 'timed out after 10000 ms: it exited (code 0) but a process it started kept its output open',
      },
      { probe: 'fdesetup_prk', kind: 'signal', message: 'killed by signal SIGSEGV' },
      {
        probe: 'fdesetup_irk',
        kind: 'not_started',
        message: 'could not start /usr/bin/fdesetup: ENOENT: no such file',
      },
      { probe: 'profiles_bootstrap', kind: 'not_started', message: 'runner failed: the runner broke' },
      {
        probe: 'console_user',
        kind: 'timeout',
        message: 'timed out: the collection budget of 30000 ms ran out',
      },
    ],
  );
  assert.equal(snapshot.fileVault.state, 'unknown');
  assert.equal(snapshot.fileVault.personalRecoveryKey, null);
  assert.equal(snapshot.fileVault.institutionalRecoveryKey, null);
  assert.equal(snapshot.consoleUser, null);
  assert.deepEqual(checkSnapshot(snapshot), []);
});

test('collect: sysadminctl failed but the user is a Local Open Directory crypto user: token inferred true', async () => {
  const mac = appleSiliconMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus ernw'] = { stderr: '', exit: 1 };
  const { snapshot } = await collect(collectDeps(fakeRunner(mac)));
  assert.equal(snapshot.users.find((u) => u.name === 'ernw')?.secureToken, true);
  assert.deepEqual(snapshot.errors, [
    { probe: 'sysadminctl', kind: 'exit', user: 'ernw', message: 'exit code 1: (no output)' },
  ]);
});

test('collect: the daily mdmclient check is reused when younger than 24 h, refreshed when older', async () => {
  const previous: BootstrapCheck = {
    allowed: false,
    eacsPreflight: 'unknown failure',
    checkedAt: '2026-05-10T01:00:00.000Z',
    notApplicable: [],
  };
  const fresh = fakeRunner(appleSiliconMac());
  const reused = await collect(collectDeps(fresh, { previousBootstrapCheck: previous }));
  assert.ok(!fresh.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
  assert.deepEqual(reused.bootstrapCheck, previous);
  assert.deepEqual(reused.snapshot.bootstrapToken, {
    supportedOnServer: true,
    escrowed: false,
    allowed: false,
    eacsPreflight: 'unknown failure',
    checkedAt: '2026-05-10T01:00:00.000Z',
  });

  const old = { ...previous, checkedAt: '2026-05-09T11:59:59.000Z' };
  const stale = fakeRunner(appleSiliconMac());
  const refreshed = await collect(collectDeps(stale, { previousBootstrapCheck: old }));
  assert.ok(stale.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
  assert.equal(refreshed.bootstrapCheck?.checkedAt, NOW.toISOString());
  assert.equal(refreshed.snapshot.bootstrapToken.allowed, true);

  // Refresh fails: the older answer is still reported with its own checkedAt, plus the error.
  const failing = appleSiliconMac();
  failing['/usr/libexec/mdmclient QueryDeviceInformation'] = { stderr: 'mdmclient: error\n', exit: 1 };
  const kept = await collect(collectDeps(fakeRunner(failing), { previousBootstrapCheck: old }));
  assert.equal(kept.snapshot.bootstrapToken.checkedAt, old.checkedAt);
  assert.deepEqual(kept.bootstrapCheck, old);
  assert.ok(kept.snapshot.errors.some((e) => e.probe === 'mdmclient'));

  // A malformed cache entry is ignored (mdmclient runs).
  const junk = fakeRunner(appleSiliconMac());
  await collect(collectDeps(junk, { previousBootstrapCheck: { allowed: 'yes', checkedAt: 'never' } }));
  assert.ok(junk.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
});

test('collect: not enrolled (real sample): mdmclient not run, its values and the MDM server not applicable', async () => {
  const mac = appleSiliconMac();
  mac['/usr/bin/profiles status -type enrollment'] = {
    stdout: real('profiles_enrollment', '10.13.4-not-enrolled-no-no-two-line-vagrant.txt'),
  };
  mac['/usr/bin/profiles status -type bootstraptoken'] = {
    stdout: real('profiles_bootstrap', 'supported-no-single-line-catalina.txt'),
  };
  const fake = fakeRunner(mac);
  const { snapshot, bootstrapCheck } = await collect(collectDeps(fake));
  assert.ok(!fake.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
  assert.deepEqual(snapshot.errors, []);
  assert.deepEqual(snapshot.mdm, { enrolled: false, userApproved: null, dep: false, server: null });
  assert.deepEqual(snapshot.notApplicable, [
    'bootstrapToken.allowed',
    'bootstrapToken.eacsPreflight',
    'bootstrapToken.escrowed',
    'fileVault.deferral.recordPresent',
    'mdm.server',
    'mdm.userApproved',
  ]);
  assert.equal(bootstrapCheck, null);
});

test('collect: a probe whose turn comes after the budget ran out is not started, and says so', async () => {
  const mac = appleSiliconMac();
  // mdmclient runs after profiles enrollment answers; that answer comes only when the budget is gone.
  mac['/usr/bin/profiles status -type enrollment'] = { hangMs: 60_000 };
  const fake = fakeRunner(mac);
  const { snapshot } = await collect(collectDeps(fake, { budgetMs: 200 }));
  assert.ok(!fake.asked.includes('/usr/libexec/mdmclient QueryDeviceInformation'));
  assert.deepEqual(
    snapshot.errors.filter((e) => e.probe === 'profiles_enrollment' || e.probe === 'mdmclient'),
    [
      {
        probe: 'profiles_enrollment',
        kind: 'timeout',
        message: 'timed out: the collection budget of 200 ms ran out',
      },
      {
        probe: 'mdmclient',
        kind: 'not_started',
        message: 'not run: the collection budget of 200 ms ran out',
      },
    ],
  );
});

test('collect: a runner that ignores the abort is abandoned after a grace period and recorded as timed out', async () => {
  const mac = appleSiliconMac();
  mac['/usr/bin/fdesetup status'] = { hangMs: 30_000, ignoreAbort: true };
  const started = performance.now();
  const { snapshot } = await collect(collectDeps(fakeRunner(mac), { budgetMs: 200 }));
  assert.ok(performance.now() - started < 5_000);
  assert.equal(snapshot.fileVault.state, 'unknown');
  assert.deepEqual(
    snapshot.errors.filter((e) => e.probe === 'fdesetup_status'),
    [
      {
        probe: 'fdesetup_status',
        kind: 'timeout',
        message: 'timed out: the collection budget of 200 ms ran out',
      },
    ],
  );
});

test('collect: an unknown user list failure leaves users empty with an error; commands never run twice', async () => {
  const mac = appleSiliconMac();
  mac['/usr/bin/dscl . -list /Users UniqueID'] = {
    stderr: '<dscl_cmd> DS Error: -14090 (eDSAuthFailed)\n',
    exit: 1,
  };
  const fake = fakeRunner(mac);
  const { snapshot } = await collect(collectDeps(fake));
  assert.deepEqual(snapshot.users, []);
  assert.deepEqual(
    snapshot.errors.filter((e) => e.probe === 'dscl_users').map((e) => e.kind),
    ['exit', 'unrecognised_output'],
  );
  assert.equal(new Set(fake.asked).size, fake.asked.length);
  assert.ok(!fake.asked.some((a) => a.startsWith('/usr/sbin/sysadminctl')));
});

// ---- The simulated Macs (test/fixtures/macs/*/manifest.json), answered in-process: each Mac's commands
// must agree with each other (GUIDs, users) and give the facts its manifest promises. The process tests
// (test/agent/process.test.ts) run the real agent against the same Macs through a fake system root.

interface ManifestCommand {
  argv: string[];
  stdout?: string | null;
  stderr?: string | null;
  exit?: number;
  hangSeconds?: number;
}
interface Manifest {
  description: string;
  synthetic?: string[];
  expect?: { facts?: Record<string, unknown>; errorProbes?: string[]; notApplicable?: string[] };
  commands: ManifestCommand[];
  files?: Record<string, MacFile>;
}

/** The files a simulated Mac may be asked about: its own, and the two the agent looks for (else missing). */
const LOOKED_FOR = [PRK_ESCROW_FILE, '/var/db/ConfigurationProfiles/fdesetup.plist'];

const MACS = fileURLToPath(new URL('../fixtures/macs/', import.meta.url));

function manifestAnswers(dir: string, m: Manifest): Record<string, Answer> {
  const read = (f: string | null | undefined) => (f ? readFileSync(path.resolve(dir, f), 'utf8') : '');
  const answers: Record<string, Answer> = {};
  for (const c of m.commands) {
    answers[c.argv.join(' ')] = c.hangSeconds
      ? { hangMs: c.hangSeconds * 1000 }
      : { stdout: read(c.stdout), stderr: read(c.stderr), exit: c.exit ?? 0 };
  }
  for (const path of LOOKED_FOR) answers[lstatOf(path)] = { stat: { kind: 'missing' } };
  for (const [path, file] of Object.entries(m.files ?? {}))
    answers[lstatOf(path)] = { stat: macFileStat(dir, file) };
  return answers;
}

/** users.NAME.field picks a user by name; other segments are object keys. */
function factAt(snapshot: unknown, dotted: string): unknown {
  const parts = dotted.split('.');
  let v: unknown = snapshot;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i] ?? '';
    if (Array.isArray(v)) v = v.find((u: { name?: string }) => u.name === key);
    else v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

const globMatch = (pattern: string, name: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);

for (const name of readdirSync(MACS)
  .filter((n) => existsSync(path.join(MACS, n, 'manifest.json')))
  .sort()) {
  test(`simulated Mac ${name}: commands agree, facts as the manifest says`, async () => {
    const dir = path.join(MACS, name);
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    assert.ok(existsSync(path.join(dir, 'README.md')), 'each Mac has a README');
    // Every argv is a command of the table; every SYNTHETIC file is declared as such.
    for (const c of m.commands) {
      assert.ok(
        probeForRequest(c.argv[0] ?? '', c.argv.slice(1)),
        `not in the command table: ${c.argv.join(' ')}`,
      );
      for (const f of [c.stdout, c.stderr]) {
        if (!f) continue;
        assert.ok(existsSync(path.resolve(dir, f)), `missing ${f}`);
        const base = path.basename(f);
        if (base.includes('SYNTHETIC')) {
          assert.ok(
            (m.synthetic ?? []).some(
              (s) =>
                globMatch(s.split(':')[0] ?? '', f) ||
                globMatch(s.split(':')[0] ?? '', base) ||
                s.includes(base),
            ),
            `${f} not listed in synthetic`,
          );
        }
      }
    }
    for (const file of Object.values(m.files ?? {})) {
      assert.ok(existsSync(path.resolve(dir, file.source)), `missing ${file.source}`);
      assert.ok(
        (m.synthetic ?? []).some((s) => s.startsWith(`${file.source}:`)),
        `${file.source} not listed in synthetic`,
      );
    }
    const hangs = m.commands.some((c) => c.hangSeconds);
    const fake = fakeRunner(manifestAnswers(dir, m));
    const { snapshot } = await collect(
      collectDeps(fake, { excludeUsers: [], budgetMs: hangs ? 500 : 10_000 }),
    );
    assert.deepEqual(fake.rejected, [], 'the agent asked for a command the Mac does not have');
    assert.deepEqual(checkSnapshot(snapshot), []);
    const expect = m.expect ?? {};
    for (const [fact, value] of Object.entries(expect.facts ?? {}))
      assert.deepEqual(factAt(snapshot, fact), value, fact);
    if (expect.errorProbes)
      assert.deepEqual(
        [...new Set(snapshot.errors.map((e) => e.probe))].sort(),
        [...expect.errorProbes].sort(),
        JSON.stringify(snapshot.errors),
      );
    if (expect.notApplicable) assert.deepEqual(snapshot.notApplicable, expect.notApplicable);
    // Every user's GUID is known, and on a Mac without failures every token holder is a crypto user.
    for (const u of snapshot.users) assert.notEqual(u.guid, null, `${u.name} has no GUID`);
    if (snapshot.errors.length === 0) {
      for (const u of snapshot.users.filter((x) => x.secureToken)) {
        assert.ok(
          snapshot.cryptoUsers.some((c) => c.uuid.toLowerCase() === u.guid?.toLowerCase()),
          `${u.name} holds a token but is no crypto user`,
        );
      }
    }
  });
}
