import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMAND_TABLE,
  PROBES,
  commandLine,
  probeForRequest,
  renderCommandTable,
  requestFor,
} from '../../../agent/probes/index.ts';

// The invocations the command table fixes (fixtures, docs and checks depend on them), by probe id.
const EXPECTED: Record<string, string> = {
  sw_vers: '/usr/bin/sw_vers',
  system_profiler: '/usr/sbin/system_profiler SPHardwareDataType -json',
  dscl_users: '/usr/bin/dscl . -list /Users UniqueID',
  dscl_admins: '/usr/bin/dscl . -read /Groups/admin GroupMembership',
  dscl_user: '/usr/bin/dscl . -read /Users/NAME GeneratedUID AuthenticationAuthority',
  sysadminctl: '/usr/sbin/sysadminctl -secureTokenStatus NAME',
  dsmemberutil_admin: '/usr/bin/dsmemberutil checkmembership -U NAME -G admin',
  diskutil_cryptousers: '/usr/sbin/diskutil apfs listcryptousers /',
  fdesetup_status: '/usr/bin/fdesetup status',
  fdesetup_list: '/usr/bin/fdesetup list',
  fdesetup_prk: '/usr/bin/fdesetup haspersonalrecoverykey',
  fdesetup_irk: '/usr/bin/fdesetup hasinstitutionalrecoverykey',
  fdesetup_deferral: '/usr/bin/fdesetup showdeferralinfo',
  profiles_bootstrap: '/usr/bin/profiles status -type bootstraptoken',
  profiles_enrollment: '/usr/bin/profiles status -type enrollment',
  console_user: '/usr/bin/stat -f %Su /dev/console',
  app_sso_platform: '/bin/launchctl asuser UID /usr/bin/sudo -u NAME /usr/bin/app-sso platform -s',
  mdmclient: '/usr/libexec/mdmclient QueryDeviceInformation',
};

test('command table: exactly these invocations, absolute paths, a timeout each', () => {
  assert.deepEqual(Object.fromEntries(COMMAND_TABLE.map((p) => [p.id, commandLine(p)])), EXPECTED);
  for (const p of COMMAND_TABLE) {
    assert.ok(p.command.startsWith('/'), p.id);
    assert.ok(p.timeoutMs > 0 && p.timeoutMs <= 30_000, p.id);
  }
  assert.equal(PROBES.mdmclient.schedule, 'daily');
  assert.equal(PROBES.app_sso_platform.schedule, 'console-user');
  assert.deepEqual(
    COMMAND_TABLE.filter((p) => p.schedule === 'per-user').map((p) => p.id),
    ['dscl_user', 'sysadminctl', 'dsmemberutil_admin'],
  );
});

test('command table: requests for per-user probes substitute the name; matching finds the probe', () => {
  const req = requestFor(PROBES.dscl_user, { name: 'alice' });
  assert.deepEqual(req.args, ['.', '-read', '/Users/alice', 'GeneratedUID', 'AuthenticationAuthority']);
  assert.equal(probeForRequest(req.command, req.args)?.id, 'dscl_user');
  assert.equal(probeForRequest('/usr/sbin/sysadminctl', ['-secureTokenStatus', 'bob'])?.id, 'sysadminctl');
  assert.equal(probeForRequest('/usr/bin/fdesetup', ['status'])?.id, 'fdesetup_status');
  assert.equal(probeForRequest('/usr/bin/fdesetup', ['status', '-extended']), null);
  assert.equal(probeForRequest('/bin/sh', ['-c', 'id']), null);
  assert.equal(
    probeForRequest('/usr/bin/dscl', ['.', '-read', '/Users/a/b', 'GeneratedUID', 'AuthenticationAuthority']),
    null,
  );
  assert.throws(() => requestFor(PROBES.sysadminctl));
  const member = requestFor(PROBES.dsmemberutil_admin, { name: 'bob' });
  assert.deepEqual(member.args, ['checkmembership', '-U', 'bob', '-G', 'admin']);
  assert.equal(probeForRequest(member.command, member.args)?.id, 'dsmemberutil_admin');
});

test('command table: the console-user probe takes a numeric uid and a short name, nothing else', () => {
  const req = requestFor(PROBES.app_sso_platform, { name: 'ernw', uid: 501 });
  assert.deepEqual(
    [req.command, ...req.args],
    ['/bin/launchctl', 'asuser', '501', '/usr/bin/sudo', '-u', 'ernw', '/usr/bin/app-sso', 'platform', '-s'],
  );
  assert.equal(probeForRequest(req.command, req.args)?.id, 'app_sso_platform');
  assert.equal(req.timeoutMs, 15_000);
  // sudo reads #N as a user id, a leading - as an option; asuser takes digits only.
  for (const name of ['#0', '-s', '.hidden', 'a b', 'a/b', 'root\u001b[31m', '', 'DOMAIN\\alice']) {
    assert.throws(() => requestFor(PROBES.app_sso_platform, { name, uid: 501 }), name);
    const args = ['asuser', '501', '/usr/bin/sudo', '-u', name, '/usr/bin/app-sso', 'platform', '-s'];
    assert.equal(probeForRequest('/bin/launchctl', args), null, name);
  }
  for (const uid of [-2, 1.5, Number.NaN]) {
    assert.throws(() => requestFor(PROBES.app_sso_platform, { name: 'ernw', uid }), String(uid));
  }
  assert.throws(() => requestFor(PROBES.app_sso_platform, { name: 'ernw' }), 'a uid is needed');
  for (const uid of ['-2', '5O1', '', '0x1f5', '+501']) {
    const args = ['asuser', uid, '/usr/bin/sudo', '-u', 'ernw', '/usr/bin/app-sso', 'platform', '-s'];
    assert.equal(probeForRequest('/bin/launchctl', args), null, uid);
  }
  // The short name is the whole argument: no placeholder text survives, no other launchctl use matches.
  assert.equal(probeForRequest('/bin/launchctl', ['print', 'system/com.tokenwatch.agent']), null);
  assert.equal(
    probeForRequest('/bin/launchctl', [
      'asuser',
      '501',
      '/bin/sh',
      '-u',
      'ernw',
      '/usr/bin/app-sso',
      'platform',
      '-s',
    ]),
    null,
  );
});

test('command table: markdown rendering has one row per probe with its command', () => {
  const md = renderCommandTable().split('\n');
  assert.equal(md.length, COMMAND_TABLE.length + 2);
  assert.equal(md[0], '| probe | reads | command | timeout | runs |');
  assert.ok(
    md.includes(
      '| `diskutil_cryptousers` | crypto users of the boot volume, their kinds and volume owners | `/usr/sbin/diskutil apfs listcryptousers /` | 15 s | once |',
    ),
  );
});
