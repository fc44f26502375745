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
  diskutil_cryptousers: '/usr/sbin/diskutil apfs listcryptousers /',
  fdesetup_status: '/usr/bin/fdesetup status',
  fdesetup_list: '/usr/bin/fdesetup list',
  fdesetup_prk: '/usr/bin/fdesetup haspersonalrecoverykey',
  fdesetup_irk: '/usr/bin/fdesetup hasinstitutionalrecoverykey',
  profiles_bootstrap: '/usr/bin/profiles status -type bootstraptoken',
  profiles_enrollment: '/usr/bin/profiles status -type enrollment',
  console_user: '/usr/bin/stat -f %Su /dev/console',
  mdmclient: '/usr/libexec/mdmclient QueryDeviceInformation',
};

test('command table: exactly these invocations, absolute paths, a timeout each', () => {
  assert.deepEqual(Object.fromEntries(COMMAND_TABLE.map((p) => [p.id, commandLine(p)])), EXPECTED);
  for (const p of COMMAND_TABLE) {
    assert.ok(p.command.startsWith('/'), p.id);
    assert.ok(p.timeoutMs > 0 && p.timeoutMs <= 30_000, p.id);
  }
  assert.equal(PROBES.mdmclient.schedule, 'daily');
});

test('command table: requests for per-user probes substitute the name; matching finds the probe', () => {
  const req = requestFor(PROBES.dscl_user, 'alice');
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
