import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBootstrapTokenStatus } from '../../../agent/probes/profiles-bootstrap.ts';
import { parseEnrollment } from '../../../agent/probes/profiles-enrollment.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const BT = 'profiles_bootstrap';

test('profiles bootstraptoken: every real sample is tested', () => {
  assertCoversFolder(BT, [
    'supported-no-single-line-bigsur-11.2.3-applesilicon-micromdm.txt',
    'supported-no-single-line-catalina.txt',
    'supported-yes-escrowed-no-catalina-beta.txt',
  ]);
});

for (const file of [
  'supported-no-single-line-bigsur-11.2.3-applesilicon-micromdm.txt',
  'supported-no-single-line-catalina.txt',
]) {
  test(`profiles bootstraptoken: real ${file}: one line NO -> escrowed not applicable, no error`, () => {
    assert.deepEqual(parseBootstrapTokenStatus(sample(BT, file)), {
      value: { supportedOnServer: false, escrowed: null, escrowedNotApplicable: true },
      errors: [],
    });
  });
}

test('profiles bootstraptoken: real supported YES, escrowed NO', () => {
  assert.deepEqual(parseBootstrapTokenStatus(sample(BT, 'supported-yes-escrowed-no-catalina-beta.txt')), {
    value: { supportedOnServer: true, escrowed: false, escrowedNotApplicable: false },
    errors: [],
  });
});

test('profiles bootstraptoken: SYNTHETIC YES/YES, and the "escrowed on server" / "is supported" phrasings', () => {
  const yes =
    'profiles: Bootstrap Token supported on server: YES\nprofiles: Bootstrap Token escrowed to server: YES\n';
  assert.deepEqual(parseBootstrapTokenStatus(out(yes)).value, {
    supportedOnServer: true,
    escrowed: true,
    escrowedNotApplicable: false,
  });
  const alt = 'Bootstrap Token is supported on server: YES\nBootstrap Token escrowed on server: YES\n';
  assert.deepEqual(parseBootstrapTokenStatus(out(alt)), {
    value: { supportedOnServer: true, escrowed: true, escrowedNotApplicable: false },
    errors: [],
  });
});

test('profiles bootstraptoken: supported YES without an escrow line is unknown, not NO; root error; garbage', () => {
  assert.deepEqual(parseBootstrapTokenStatus(out('profiles: Bootstrap Token supported on server: YES\n')), {
    value: { supportedOnServer: true, escrowed: null, escrowedNotApplicable: false },
    errors: [E.missing('no "escrowed to server" line')],
  });
  assert.deepEqual(
    parseBootstrapTokenStatus(out('', 'profiles: this command requires root privileges\n', 1)),
    {
      value: null,
      errors: [
        E.unrecognised('stderr line 1 unrecognised: profiles: this command requires root privileges'),
        E.exit('exit code 1'),
        E.missing('no "supported on server" line'),
      ],
    },
  );
});

const EN = 'profiles_enrollment';

test('profiles enrollment: every real sample is tested', () => {
  assertCoversFolder(EN, [
    '10.13.4-dep-yes-uamdm-yes-two-line-vagrant.txt',
    '10.13.4-manual-install-then-user-approved-vagrant.txt',
    '10.13.4-not-enrolled-no-no-two-line-vagrant.txt',
    'dep-yes-uamdm-yes-server-line-bigsur.txt',
    'not-enrolled-no-no-fleet-fixture.txt',
    'old-10.13.2-dep-enrollment-profile-installed.txt',
    'old-10.13.2-no-enrollment-profile.txt',
  ]);
});

test('profiles enrollment: real Big Sur three lines, server split on the first ": "', () => {
  assert.deepEqual(parseEnrollment(sample(EN, 'dep-yes-uamdm-yes-server-line-bigsur.txt')), {
    value: { enrolled: true, userApproved: true, dep: true, server: 'https://MDMSERVER:8443/mdm/ServerURL' },
    errors: [],
  });
});

const NO_SERVER = E.missing(
  'enrolled, but no "MDM server:" line (not printed before macOS 11): server unknown',
);

test('profiles enrollment: real 10.13.4 DEP + user approved, no server line (server unknown)', () => {
  assert.deepEqual(parseEnrollment(sample(EN, '10.13.4-dep-yes-uamdm-yes-two-line-vagrant.txt')), {
    value: { enrolled: true, userApproved: true, dep: true, server: null },
    errors: [NO_SERVER],
  });
});

test('profiles enrollment: real 10.13.4 manual install, user approved', () => {
  assert.deepEqual(parseEnrollment(sample(EN, '10.13.4-manual-install-then-user-approved-vagrant.txt')), {
    value: { enrolled: true, userApproved: true, dep: false, server: null },
    errors: [NO_SERVER],
  });
});

for (const file of [
  '10.13.4-not-enrolled-no-no-two-line-vagrant.txt',
  'not-enrolled-no-no-fleet-fixture.txt',
]) {
  test(`profiles enrollment: real ${file}: not enrolled, no error`, () => {
    assert.deepEqual(parseEnrollment(sample(EN, file)), {
      value: { enrolled: false, userApproved: null, dep: false, server: null },
      errors: [],
    });
  });
}

test('profiles enrollment: real 10.13.2 one sentence (installed): enrolled, DEP and approval unknown with an error', () => {
  assert.deepEqual(parseEnrollment(sample(EN, 'old-10.13.2-dep-enrollment-profile-installed.txt')), {
    value: { enrolled: true, userApproved: null, dep: null, server: null },
    errors: [E.missing('this macOS prints the one-sentence form: DEP and user approval not reported')],
  });
});

test('profiles enrollment: real 10.13.2 one sentence (none): not enrolled, DEP unknown', () => {
  assert.deepEqual(parseEnrollment(sample(EN, 'old-10.13.2-no-enrollment-profile.txt')), {
    value: { enrolled: false, userApproved: null, dep: null, server: null },
    errors: [E.missing('this macOS prints the one-sentence form: DEP not reported')],
  });
});

test('profiles enrollment: "MDM enrollment: Yes" without approval, garbage, failure', () => {
  assert.deepEqual(
    parseEnrollment(out('Enrolled via DEP: No\nMDM enrollment: Yes\nMDM server: https://x.example/mdm\n')),
    {
      value: { enrolled: true, userApproved: false, dep: false, server: 'https://x.example/mdm' },
      errors: [],
    },
  );
  assert.deepEqual(parseEnrollment(out('Enrolled via DEP: Maybe\n')).errors, [
    E.unrecognised('stdout line 1 unrecognised: Enrolled via DEP: Maybe'),
    E.missing('no "MDM enrollment" line: enrollment unknown'),
  ]);
  assert.deepEqual(parseEnrollment(out('', '', null)), {
    value: null,
    errors: [
      E.exit('exit code none: (no output)'),
      E.missing('no "MDM enrollment" line: enrollment unknown'),
    ],
  });
});
