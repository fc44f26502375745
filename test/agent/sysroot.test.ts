import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUnderSysroot } from '../../agent/sysroot.ts';

test('sysroot resolution keeps Mac paths inside the root', () => {
  assert.equal(resolveUnderSysroot('/tmp/mac', '/usr/sbin/diskutil'), '/tmp/mac/usr/sbin/diskutil');
  assert.equal(resolveUnderSysroot(null, '/usr/sbin/diskutil'), '/usr/sbin/diskutil');
  assert.throws(() => resolveUnderSysroot('/tmp/mac', 'usr/sbin/diskutil'), /absolute/);
});
