import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROBES } from '../../../agent/probes/index.ts';
import { AGENT_PROBES, errorNamesUser, probeOf } from '../../../collector/rules/probes.ts';

test("every probe id of the agent's command table is mapped, and nothing else", () => {
  assert.deepEqual(Object.keys(AGENT_PROBES).sort(), Object.keys(PROBES).sort());
  for (const p of Object.values(PROBES)) assert.notEqual(probeOf(p.id), 'other', p.id);
});

test('ids with a qualifier, and sources named by their command', () => {
  assert.equal(probeOf('sysadminctl:alice'), 'securetoken');
  assert.equal(probeOf('dscl_user bob'), 'user-record');
  assert.equal(probeOf('/usr/bin/fdesetup haspersonalrecoverykey'), 'filevault-personal-key');
  assert.equal(probeOf('/usr/bin/fdesetup status'), 'filevault-status');
  assert.equal(probeOf('/usr/bin/profiles status -type bootstraptoken'), 'bootstrap-token');
  assert.equal(probeOf('profiles-status-enrollment'), 'enrollment');
  assert.equal(probeOf('/usr/libexec/mdmclient QueryDeviceInformation'), 'mdm-device-information');
  assert.equal(probeOf('/usr/sbin/diskutil apfs listcryptousers /'), 'crypto-users');
  assert.equal(probeOf('/usr/sbin/sysadminctl -secureTokenStatus alice'), 'securetoken');
  assert.equal(probeOf('collect'), 'other');
});

test('a per-user error names its user by a whole word of its source or message', () => {
  assert.ok(errorNamesUser({ source: 'sysadminctl', message: 'Unknown user bob' }, 'bob'));
  assert.ok(errorNamesUser({ source: 'sysadminctl:ec2-user', message: 'exit 1' }, 'ec2-user'));
  assert.ok(!errorNamesUser({ source: 'sysadminctl', message: 'Unknown user bobby' }, 'bob'));
});
