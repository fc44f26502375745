import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSwVers } from '../../../agent/probes/sw-vers.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const F = 'sw_vers';
const REAL = {
  'bigsur-11.2.3-single-tab.txt': {
    productName: 'macOS',
    productVersion: '11.2.3',
    productVersionExtra: null,
    buildVersion: '20D91',
  },
  'old-format-10.13-no-patch-tabs.txt': {
    productName: 'Mac OS X',
    productVersion: '10.13',
    productVersionExtra: null,
    buildVersion: '17A405',
  },
  'tahoe-26.4-double-tab.txt': {
    productName: 'macOS',
    productVersion: '26.4',
    productVersionExtra: null,
    buildVersion: '25E246',
  },
};

test('sw_vers: every real sample is tested', () => {
  assertCoversFolder(F, [...Object.keys(REAL), 'rsr-13.3.1a-grep-ProductVersion-PARTIAL.txt']);
});

for (const [file, expected] of Object.entries(REAL)) {
  test(`sw_vers: real ${file}`, () => {
    assert.deepEqual(parseSwVers(sample(F, file)), { value: expected, errors: [] });
  });
}

test('sw_vers: real rsr-13.3.1a PARTIAL (grep output): version and RSR letter, missing build is an error', () => {
  const r = parseSwVers(sample(F, 'rsr-13.3.1a-grep-ProductVersion-PARTIAL.txt'));
  assert.deepEqual(r.value, {
    productName: null,
    productVersion: '13.3.1',
    productVersionExtra: '(a)',
    buildVersion: null,
  });
  assert.deepEqual(r.errors, [E.missing('no BuildVersion line')]);
});

test('sw_vers: malformed: unknown key and a line without a colon are errors with line numbers', () => {
  const r = parseSwVers(
    out('ProductName:\tmacOS\nProductVersion:\t15.1\nBuildVersion:\t24B83\nSomethingNew:\tx\ngarbage here\n'),
  );
  assert.equal(r.value?.productVersion, '15.1');
  assert.deepEqual(r.errors, [
    E.unrecognised('stdout line 4 unrecognised: SomethingNew:\tx'),
    E.unrecognised('stdout line 5 unrecognised: garbage here'),
  ]);
});

test('sw_vers: non-zero exit and empty output', () => {
  const r = parseSwVers(out('', 'sw_vers: boom\n', 1));
  assert.equal(r.value, null);
  assert.deepEqual(r.errors, [
    E.unrecognised('stderr line 1 unrecognised: sw_vers: boom'),
    E.exit('exit code 1'),
    E.missing('no ProductVersion line'),
    E.missing('no BuildVersion line'),
  ]);
});
