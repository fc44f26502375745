// The enablement record at the deferral's OutputPath is looked at with lstat, never read: the input is
// what lstat established (SYNTHETIC by nature; the path is the real one of the 10.15.6 capture).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferralRecordPath, interpretDeferralRecord } from '../../../agent/probes/deferral-record.ts';
import { parseDeferralInfo } from '../../../agent/probes/fdesetup-deferral.ts';
import { E, sample } from './samples.ts';

const RECORD = '/var/db/ConfigurationProfiles/fdesetup.plist';

test('deferral record: the OutputPath of the real capture is the path looked at', () => {
  const info = parseDeferralInfo(sample('fdesetup_deferral', 'deferral-active-profile-catalina.txt'));
  assert.equal(info.value?.outputPath, RECORD);
  assert.deepEqual(deferralRecordPath(RECORD), { path: RECORD });
});

test('deferral record: only an absolute path in plain form is looked at', () => {
  for (const bad of [
    'fdesetup.plist',
    '/var/db/../../etc/master.passwd',
    '/var/db/./fdesetup.plist',
    '/var//db/fdesetup.plist',
    '/var/db/',
    '',
  ]) {
    const r = deferralRecordPath(bad);
    assert.ok('error' in r, bad);
    assert.equal(r.error.kind, 'unrecognised_output');
    assert.match(r.error.message, /not an absolute path in plain form: not looked at/);
  }
});

test('deferral record: a file is present (whatever it holds), missing is absent, anything else unknown', () => {
  const at = '2019-10-28T15:02:11.000Z';
  assert.deepEqual(interpretDeferralRecord(RECORD, { kind: 'file', size: 512, modifiedAt: at }), {
    value: true,
    errors: [],
  });
  assert.deepEqual(interpretDeferralRecord(RECORD, { kind: 'missing' }), { value: false, errors: [] });
  assert.deepEqual(interpretDeferralRecord(RECORD, { kind: 'symlink', size: 9, modifiedAt: at }), {
    value: null,
    errors: [E.unrecognised(`${RECORD} is a symlink, not a file: not looked into`)],
  });
  assert.deepEqual(interpretDeferralRecord(RECORD, { kind: 'error', code: 'EACCES' }), {
    value: null,
    errors: [E.tool(`${RECORD}: EACCES (permission denied: is the agent running as root?)`)],
  });
});
