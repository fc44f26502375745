import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOT_FOUND_EXIT_CODE, parseDeferralInfo } from '../../../agent/probes/fdesetup-deferral.ts';
import { E, assertCoversFolder, out, sample, sampleText } from './samples.ts';

const F = 'fdesetup_deferral';
const REAL = 'deferral-active-profile-catalina.txt';
const NOT_FOUND = 'not-found-SYNTHETIC.txt';

test('fdesetup showdeferralinfo: every sample is tested', () => assertCoversFolder(F, [REAL, NOT_FOUND]));

test('fdesetup showdeferralinfo: real 10.15.6 deferral from a profile (old-style dict, empty Usernames list)', () => {
  assert.deepEqual(parseDeferralInfo(sample(F, REAL)), {
    value: {
      deferred: true,
      fromProfile: true,
      outputPath: '/var/db/ConfigurationProfiles/fdesetup.plist',
      users: [],
    },
    errors: [],
  });
});

test('fdesetup showdeferralinfo: SYNTHETIC "Not found." (documented by scripts) with exit 20 or 0: not deferred', () => {
  const notDeferred = { deferred: false, fromProfile: false, outputPath: null, users: null };
  assert.equal(NOT_FOUND_EXIT_CODE, 20);
  assert.deepEqual(parseDeferralInfo(sample(F, NOT_FOUND, { exitCode: 20 })), {
    value: notDeferred,
    errors: [],
  });
  assert.deepEqual(parseDeferralInfo(sample(F, NOT_FOUND, { exitCode: 0 })), {
    value: notDeferred,
    errors: [],
  });
});

test('fdesetup showdeferralinfo: "Not found." with another exit code, or a second line, is an error, never "not deferred"', () => {
  assert.deepEqual(parseDeferralInfo(sample(F, NOT_FOUND, { exitCode: 1 })), {
    value: null,
    errors: [E.exit('exit code 1: Not found.')],
  });
  assert.deepEqual(parseDeferralInfo(out('Not found.\nsomething else\n', '', 20)), {
    value: null,
    errors: [E.unrecognised('stdout line 2 unrecognised: something else')],
  });
});

test('fdesetup showdeferralinfo: exit 20 with the settings dictionary is an error (20 only goes with "Not found.")', () => {
  const r = parseDeferralInfo(sample(F, REAL, { exitCode: 20 }));
  assert.equal(r.value, null);
  assert.deepEqual(r.errors, [E.exit('exit code 20: {')]);
});

test('fdesetup showdeferralinfo: SYNTHETIC edits of the real dictionary: Defer = 0, a named user, no ProfileUUID', () => {
  const real = sampleText(F, REAL);
  assert.deepEqual(parseDeferralInfo(out(real.replace('Defer = 1;', 'Defer = 0;'))).value, {
    deferred: false,
    fromProfile: true,
    outputPath: '/var/db/ConfigurationProfiles/fdesetup.plist',
    users: [],
  });
  const named = real
    .replace(/ {4}ProfileUUID = .*\n/, '')
    .replace('Usernames =     (\n    );', 'Usernames =     (\n        alice\n    );');
  assert.deepEqual(parseDeferralInfo(out(named)), {
    value: {
      deferred: true,
      fromProfile: false,
      outputPath: '/var/db/ConfigurationProfiles/fdesetup.plist',
      users: ['alice'],
    },
    errors: [],
  });
});

test('fdesetup showdeferralinfo: a dictionary without Defer, or with an odd Defer or Usernames, is an error', () => {
  const real = sampleText(F, REAL);
  assert.deepEqual(parseDeferralInfo(out(real.replace('    Defer = 1;\n', ''))), {
    value: null,
    errors: [E.missing('no Defer key in the deferral settings')],
  });
  assert.deepEqual(parseDeferralInfo(out(real.replace('Defer = 1;', 'Defer = YES;'))), {
    value: null,
    errors: [E.unrecognised('Defer is neither 0 nor 1')],
  });
  assert.deepEqual(parseDeferralInfo(out(real.replace('Usernames =     (\n    );', 'Usernames = alice;'))), {
    value: null,
    errors: [E.unrecognised('Usernames is not a list of names')],
  });
});

test('fdesetup showdeferralinfo: a broken dictionary, text after it, no output, an error on stderr', () => {
  const real = sampleText(F, REAL);
  assert.deepEqual(parseDeferralInfo(out(real.replace('ShowRecoveryKey = 1;', 'ShowRecoveryKey = 1'))), {
    value: null,
    errors: [
      E.unrecognised(
        "deferral settings: line 6: expected ';' after the value of ShowRecoveryKey, found a word",
      ),
    ],
  });
  assert.deepEqual(parseDeferralInfo(out(`${real}Not found.\n`)), {
    value: null,
    errors: [E.unrecognised('line 9: unexpected text after the deferral settings')],
  });
  assert.deepEqual(parseDeferralInfo(out('')), {
    value: null,
    errors: [E.missing('no output: neither deferral settings nor "Not found."')],
  });
  assert.deepEqual(parseDeferralInfo(out('', 'Error: This command requires root access.\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: Error: This command requires root access.'),
      E.exit('exit code 1'),
      E.missing('no output: neither deferral settings nor "Not found."'),
    ],
  });
  assert.deepEqual(parseDeferralInfo(out('Deferred enablement is on\n')), {
    value: null,
    errors: [E.unrecognised('stdout line 1 unrecognised: Deferred enablement is on')],
  });
});
