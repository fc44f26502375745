// collect() and the four signals added to the Tahoe Mac of test/helpers/apple-silicon-mac.ts (real
// samples; the states no capture shows are SYNTHETIC and the test names say so): the escrow file and
// the deferral's record looked at with lstat, admin membership as opendirectoryd resolves it, and
// Platform SSO read as the console user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../agent/collect.ts';
import { checkSnapshot } from '../../agent/snapshot/compile.ts';
import type { PlatformSso, Snapshot } from '../../agent/snapshot/index.ts';
import { collectDeps } from '../helpers/collect-deps.ts';
import { appleSiliconMac, fakeRunner, lstatOf, real } from '../helpers/apple-silicon-mac.ts';
import type { Answer } from '../helpers/apple-silicon-mac.ts';

const DEFERRAL = '/usr/bin/fdesetup showdeferralinfo';
const RECORD = '/var/db/ConfigurationProfiles/fdesetup.plist';
const PRK = '/var/db/FileVaultPRK.dat';
const APP_SSO = '/bin/launchctl asuser 501 /usr/bin/sudo -u ernw /usr/bin/app-sso platform -s';
const CONSOLE = '/usr/bin/stat -f %Su /dev/console';
const member = (u: string) => `/usr/bin/dsmemberutil checkmembership -U ${u} -G admin`;
const WRITTEN = '2026-04-20T09:30:00.000Z';

async function collected(mac: Record<string, Answer>, previousPlatformSso?: unknown) {
  const fake = fakeRunner(mac);
  const result = await collect(collectDeps(fake, { previousPlatformSso }));
  assert.deepEqual(fake.rejected, [], 'only commands and files the Mac has');
  assert.deepEqual(checkSnapshot(result.snapshot), []);
  return { ...result, asked: fake.asked };
}

const errorsOf = (s: Snapshot, probe: string) =>
  s.errors.filter((e) => e.probe === probe).map((e) => ({ kind: e.kind, user: e.user, message: e.message }));

test('the real 10.15.6 deferral: from a profile, any user; its record on disk is looked at, not opened', async () => {
  const mac = appleSiliconMac();
  mac[DEFERRAL] = { stdout: real('fdesetup_deferral', 'deferral-active-profile-catalina.txt') };
  mac[lstatOf(RECORD)] = { stat: { kind: 'file', size: 1024, modifiedAt: WRITTEN } };
  const { snapshot, asked } = await collected(mac);
  assert.deepEqual(snapshot.fileVault.deferral, {
    deferred: true,
    fromProfile: true,
    users: [],
    outputPath: RECORD,
    recordPresent: true,
  });
  assert.ok(asked.includes(lstatOf(RECORD)));
  assert.ok(!snapshot.notApplicable.includes('fileVault.deferral.recordPresent'));
  assert.deepEqual(snapshot.errors, []);

  mac[lstatOf(RECORD)] = { stat: { kind: 'missing' } };
  assert.equal((await collected(mac)).snapshot.fileVault.deferral?.recordPresent, false);
  mac[lstatOf(RECORD)] = { stat: { kind: 'error', code: 'EACCES' } };
  const refused = (await collected(mac)).snapshot;
  assert.equal(refused.fileVault.deferral?.recordPresent, null);
  assert.deepEqual(errorsOf(refused, 'deferral_record'), [
    {
      kind: 'tool_error',
      user: undefined,
      message: `${RECORD}: EACCES (permission denied: is the agent running as root?)`,
    },
  ]);
});

test('a deferral whose OutputPath is not a plain absolute path (SYNTHETIC edit): not looked at, unknown', async () => {
  const mac = appleSiliconMac();
  mac[DEFERRAL] = {
    stdout: real('fdesetup_deferral', 'deferral-active-profile-catalina.txt').replace(
      `"${RECORD}"`,
      '"/var/db/../../etc/master.passwd"',
    ),
  };
  const { snapshot, asked } = await collected(mac);
  assert.equal(snapshot.fileVault.deferral?.recordPresent, null);
  assert.ok(!asked.some((a) => a.includes('master.passwd')), 'no lstat of it');
  assert.deepEqual(
    errorsOf(snapshot, 'deferral_record').map((e) => e.kind),
    ['unrecognised_output'],
  );
});

test('deferral: a failing showdeferralinfo (exit 1) is unknown, not "not deferred"', async () => {
  const mac = appleSiliconMac();
  mac[DEFERRAL] = { stderr: 'Error: This command requires root access.\n', exit: 1 };
  const { snapshot } = await collected(mac);
  assert.equal(snapshot.fileVault.deferral, null);
  assert.ok(errorsOf(snapshot, 'fdesetup_deferral').some((e) => e.kind === 'exit'));
});

test('the escrow file: present with its size and time; a link or a refusal is unknown with an error', async () => {
  const mac = appleSiliconMac();
  mac[lstatOf(PRK)] = { stat: { kind: 'file', size: 460, modifiedAt: WRITTEN } };
  assert.deepEqual((await collected(mac)).snapshot.fileVault.prkEscrowFile, {
    present: true,
    size: 460,
    modifiedAt: WRITTEN,
  });
  mac[lstatOf(PRK)] = { stat: { kind: 'symlink', size: 12, modifiedAt: WRITTEN } };
  const linked = (await collected(mac)).snapshot;
  assert.equal(linked.fileVault.prkEscrowFile, null);
  assert.deepEqual(errorsOf(linked, 'prk_escrow_file'), [
    {
      kind: 'unrecognised_output',
      user: undefined,
      message: `${PRK} is a symlink, not a file: not looked into`,
    },
  ]);
});

test('the escrow file: a look that throws (a broken edge) is recorded, the collection goes on', async () => {
  const fake = fakeRunner(appleSiliconMac());
  const { snapshot } = await collect(
    collectDeps({
      run: fake.run,
      stat: async () => {
        throw new Error('lstat exploded');
      },
    }),
  );
  assert.equal(snapshot.fileVault.prkEscrowFile, null);
  assert.deepEqual(errorsOf(snapshot, 'prk_escrow_file'), [
    { kind: 'not_started', user: undefined, message: 'lstat failed: lstat exploded' },
  ]);
  assert.equal(snapshot.fileVault.state, 'on');
});

test('admin: a member only through a group (the real AD answer) is an admin, not a direct one', async () => {
  const mac = appleSiliconMac();
  // ernw is not in GroupMembership (root itadmin); opendirectoryd resolves it through a directory group.
  mac[member('ernw')] = {
    stdout: real('dsmemberutil_admin', 'member-ad-user-nested-admin-homebrew-install-32-2016.txt'),
  };
  const { snapshot } = await collected(mac);
  const ernw = snapshot.users.find((u) => u.name === 'ernw');
  assert.deepEqual([ernw?.admin, ernw?.adminDirect], [true, false]);
  assert.deepEqual(snapshot.errors, []);
});

test('admin: listed in GroupMembership but not a member for opendirectoryd (SYNTHETIC): a conflict, dsmemberutil kept', async () => {
  const mac = appleSiliconMac();
  mac[member('itadmin')] = { stdout: real('dsmemberutil_admin', 'not-member-SYNTHETIC.txt') };
  const { snapshot } = await collected(mac);
  const itadmin = snapshot.users.find((u) => u.name === 'itadmin');
  assert.deepEqual([itadmin?.admin, itadmin?.adminDirect], [false, true]);
  assert.deepEqual(
    errorsOf(snapshot, 'dsmemberutil_admin').map((e) => [e.kind, e.user]),
    [['conflict', 'itadmin']],
  );
});

test('admin: dsmemberutil failing: a listed user is an admin (the list proves it), an unlisted one unknown', async () => {
  const mac = appleSiliconMac();
  for (const u of ['itadmin', 'ernw']) mac[member(u)] = { stderr: 'dsmemberutil: error\n', exit: 1 };
  const { snapshot } = await collected(mac);
  const admin = (n: string) => snapshot.users.find((u) => u.name === n)?.admin;
  assert.equal(admin('itadmin'), true);
  assert.equal(admin('ernw'), null, 'not listed is no "no": a group may make it an admin');
  assert.equal(admin('temp'), false, 'dsmemberutil answered for temp');
  assert.deepEqual(
    [...new Set(errorsOf(snapshot, 'dsmemberutil_admin').map((e) => e.user))],
    ['ernw', 'itadmin'],
  );
});

const REGISTERED: PlatformSso = {
  deviceConfigured: true,
  deviceRegistered: true,
  extensionIdentifier: 'com.microsoft.CompanyPortalMac.ssoextension',
  loginType: 'POLoginTypeUserSecureEnclaveKey (2)',
  user: { name: 'ernw', registered: true, state: 'POUserStateNormal (0)' },
};

test("Platform SSO: the real registered capture, run as the console user, is the user's registration; it is cached", async () => {
  const mac = appleSiliconMac();
  mac[APP_SSO] = {
    stdout: real(
      'app_sso_platform',
      'device-and-user-registered-entra-secure-enclave-fleet-2025-06-REDACTED.txt',
    ),
  };
  const { snapshot, platformSso } = await collected(mac);
  assert.deepEqual(snapshot.platformSso, REGISTERED);
  assert.deepEqual(platformSso, REGISTERED, 'the reading to repeat while nobody is logged in');
});

test('Platform SSO: nobody at the console repeats the last reading; with none, not applicable; app-sso not run', async () => {
  const mac = appleSiliconMac();
  mac[CONSOLE] = { stdout: 'root\n' };
  const repeated = await collected(mac, REGISTERED);
  assert.deepEqual(repeated.snapshot.platformSso, REGISTERED);
  assert.deepEqual(repeated.platformSso, REGISTERED);
  assert.ok(!repeated.asked.some((a) => a.startsWith('/bin/launchctl')));
  for (const previous of [undefined, { deviceConfigured: 'yes' }]) {
    const none = await collected(mac, previous);
    assert.equal(none.snapshot.platformSso, null);
    assert.ok(none.snapshot.notApplicable.includes('platformSso.user'));
    assert.equal(none.platformSso, null, 'a cached value of the wrong shape is not repeated');
  }
});

test('Platform SSO: a console user with no local uid, or a name sudo must not get (SYNTHETIC): not run, said', async () => {
  const mac = appleSiliconMac();
  mac[CONSOLE] = { stdout: 'netuser\n' };
  const network = await collected(mac);
  assert.equal(network.snapshot.platformSso, null);
  assert.ok(!network.asked.some((a) => a.startsWith('/bin/launchctl')));
  assert.deepEqual(errorsOf(network.snapshot, 'app_sso_platform'), [
    {
      kind: 'not_started',
      user: 'netuser',
      message:
        "not run: the console user is not a local account in dscl's user list (a network account?): no uid for launchctl asuser",
    },
  ]);
  mac[CONSOLE] = { stdout: '#0\n' };
  const hostile = await collected(mac);
  assert.ok(!hostile.asked.some((a) => a.startsWith('/bin/launchctl')));
  assert.match(
    errorsOf(hostile.snapshot, 'app_sso_platform')[0]?.message ?? '',
    /not a short name the agent passes to sudo \(#0\)/,
  );
});

test('Platform SSO: macOS 12 or earlier is not applicable and app-sso is not run; a failure keeps the last reading cached', async () => {
  const mac = appleSiliconMac();
  mac['/usr/bin/sw_vers'] = { stdout: real('sw_vers', 'bigsur-11.2.3-single-tab.txt') };
  const old = await collected(mac, REGISTERED);
  assert.equal(old.snapshot.platformSso, null);
  assert.ok(old.snapshot.notApplicable.includes('platformSso'));
  assert.ok(!old.asked.some((a) => a.startsWith('/bin/launchctl')));
  const tahoe = appleSiliconMac();
  tahoe[APP_SSO] = { stderr: 'app-sso: error\n', exit: 1 };
  const failed = await collected(tahoe, REGISTERED);
  assert.equal(failed.snapshot.platformSso, null, 'unknown now');
  assert.ok(errorsOf(failed.snapshot, 'app_sso_platform').length > 0);
  assert.equal(errorsOf(failed.snapshot, 'app_sso_platform')[0]?.user, 'ernw');
  assert.deepEqual(failed.platformSso, REGISTERED, 'the last good reading stays cached');
});
