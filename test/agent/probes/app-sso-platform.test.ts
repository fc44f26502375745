import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlatformSsoState } from '../../../agent/probes/app-sso-platform.ts';
import type { PlatformSsoState } from '../../../agent/probes/app-sso-platform.ts';
import type { ProbeError } from '../../../agent/probes/result.ts';
import { E, assertCoversFolder, out, sample, sampleText } from './samples.ts';

const F = 'app_sso_platform';
const ENTRA = 'com.microsoft.CompanyPortalMac.ssoextension';
const SEK = 'POLoginTypeUserSecureEnclaveKey (2)';
const BOTH = 'device-and-user-registered-entra-secure-enclave-fleet-2025-06-REDACTED.txt';
const USER_NULL = 'device-registered-user-null-entra-fleet-2025-06-REDACTED.txt';
const NOT_COMPLETED = 'device-configured-registration-not-completed-fleet-2026-03.txt';
const NOTHING = 'not-configured-all-null-fleet-2025-06.txt';

const REAL: Record<string, PlatformSsoState> = {
  [BOTH]: {
    deviceConfigured: true,
    deviceRegistered: true,
    extensionIdentifier: ENTRA,
    loginType: SEK,
    userRegistered: true,
    userState: 'POUserStateNormal (0)',
  },
  [USER_NULL]: {
    deviceConfigured: true,
    deviceRegistered: true,
    extensionIdentifier: ENTRA,
    loginType: SEK,
    userRegistered: false,
    userState: null,
  },
  [NOT_COMPLETED]: {
    deviceConfigured: true,
    deviceRegistered: false,
    extensionIdentifier: ENTRA,
    loginType: SEK,
    userRegistered: false,
    userState: null,
  },
  [NOTHING]: {
    deviceConfigured: false,
    deviceRegistered: null,
    extensionIdentifier: null,
    loginType: null,
    userRegistered: false,
    userState: null,
  },
};

test('app-sso platform -s: every sample is tested', () => assertCoversFolder(F, Object.keys(REAL)));

for (const [file, expected] of Object.entries(REAL)) {
  test(`app-sso platform -s: real ${file}`, () => {
    assert.deepEqual(parsePlatformSsoState(sample(F, file)), { value: expected, errors: [] });
  });
}

// Key material, tokens' metadata and identifiers in the samples: none may reach an error message.
const SECRETS = [
  'EOKfOXCpi9nQHsrm6EZtXXUiMJvabJeFmaiNoBHyuZE=',
  'wI3a/2hAEPpukuFsD/Vi29mtPiay3Qgr+dMVW2ejoA8=',
];
const CERT_START = 'MIIDNzCCAh-gAwIBAgIQcdJMRMM2o4xHxrDE4zP1tzANBgkq';

function assertNoSecret(errors: ProbeError[]): void {
  for (const s of [...SECRETS, CERT_START, 'foobar', 'contoso']) {
    assert.ok(!JSON.stringify(errors).includes(s), `an error quotes ${s}`);
  }
}

test('app-sso platform -s: a JSON object that does not parse is an error that quotes nothing of it', () => {
  const broken = sampleText(F, BOTH).replace('"_sepKeyData" : "EOKf', '"_sepKeyData" : EOKf');
  // V8 quotes the input around a JSON error: the parser must not pass that message on.
  assert.throws(() => JSON.parse('{"k" : EOKfOXCpi9nQHsrm6EZtXXUiMJvabJeFmaiNoBHyuZE=}'), /EOKf/);
  const r = parsePlatformSsoState(out(broken));
  assert.equal(r.value, null);
  assert.deepEqual(r.errors, [E.unrecognised('User Configuration (line 142): not a valid JSON object')]);
  assertNoSecret(r.errors);
});

test('app-sso platform -s: a section body that is neither (null) nor an object: its lines are errors, redacted', () => {
  const headless = sampleText(F, NOT_COMPLETED).replace(
    'Device Configuration:\n {\n',
    'Device Configuration:\n',
  );
  const r = parsePlatformSsoState(out(headless));
  assert.equal(r.value, null);
  assert.deepEqual(
    r.errors[0],
    E.unrecognised('Device Configuration (line 3): neither (null) nor a JSON object follows'),
  );
  assert.ok(
    r.errors.some(
      (e) => e.message === 'stdout line 6 unrecognised: "_deviceEncryptionKeyData" : "[redacted]",',
    ),
  );
  assertNoSecret(r.errors);
});

test('app-sso platform -s: the Time line changes at every run, the answer does not', () => {
  const a = parsePlatformSsoState(sample(F, USER_NULL));
  const b = parsePlatformSsoState(
    out(
      sampleText(F, USER_NULL).replace('Time: 2025-06-18 20:23:40 +0000', 'Time: 2026-01-02 03:04:05 +0100'),
    ),
  );
  assert.deepEqual(a, b);
});

test('app-sso platform -s: missing, doubled and unknown sections; an unclosed object', () => {
  const nothing = sampleText(F, NOTHING);
  assert.deepEqual(parsePlatformSsoState(out(nothing.replace('User Configuration:\n (null)\n', ''))), {
    value: null,
    errors: [E.missing('no User Configuration section')],
  });
  const doubled = `${nothing}Device Configuration:\n (null)\n`;
  assert.deepEqual(parsePlatformSsoState(out(doubled)), {
    value: null,
    errors: [E.conflict('line 12: Device Configuration printed twice')],
  });
  const extra = `${nothing}Shared Configuration:\n (null)\n`;
  assert.deepEqual(parsePlatformSsoState(out(extra)), {
    value: REAL[NOTHING] ?? null,
    errors: [
      E.unrecognised('stdout line 12 unrecognised: Shared Configuration:'),
      E.unrecognised('stdout line 13 unrecognised: (null)'),
    ],
  });
  const unclosed = sampleText(F, NOT_COMPLETED).replace(/\n\}\n/, '\n');
  const r = parsePlatformSsoState(out(unclosed));
  assert.equal(r.value, null);
  assert.deepEqual(r.errors, [
    E.unrecognised('Device Configuration (line 3): the JSON object has no closing } line'),
    E.missing('no Login Configuration section'),
    E.missing('no User Configuration section'),
  ]);
});

test('app-sso platform -s: registrationCompleted missing or not a boolean: device registration unknown, with an error', () => {
  const text = sampleText(F, NOT_COMPLETED);
  const missing = parsePlatformSsoState(out(text.replace('  "registrationCompleted" : false,\n', '')));
  assert.equal(missing.value?.deviceRegistered, null);
  assert.equal(missing.value?.deviceConfigured, true);
  assert.deepEqual(missing.errors, [E.missing('Device Configuration: registrationCompleted is missing')]);
  const odd = parsePlatformSsoState(
    out(text.replace('"registrationCompleted" : false', '"registrationCompleted" : 0')),
  );
  assert.equal(odd.value?.deviceRegistered, null);
  assert.deepEqual(odd.errors, [
    E.unrecognised('Device Configuration: registrationCompleted is not true or false'),
  ]);
  const wrongType = parsePlatformSsoState(
    out(text.replace(`"extensionIdentifier" : "${ENTRA}"`, '"extensionIdentifier" : 1')),
  );
  assert.equal(wrongType.value?.extensionIdentifier, null);
  assert.deepEqual(wrongType.errors, [
    E.unrecognised('Device Configuration: extensionIdentifier is not a string'),
  ]);
});

test('app-sso platform -s: only the seen token lines are known; SYNTHETIC "(Expired)" is an unrecognised line', () => {
  const expired = sampleText(F, BOTH).replace('(Not Expired)', '(Expired)');
  const r = parsePlatformSsoState(out(expired));
  assert.deepEqual(r.value, REAL[BOTH]);
  assert.deepEqual(r.errors, [
    E.unrecognised('stdout line 174 unrecognised: 2025-07-02T20:22:54Z (Expired)'),
  ]);
  // Token lines outside the SSO Tokens section are not known either.
  assert.deepEqual(parsePlatformSsoState(out(`Received:\n${sampleText(F, NOTHING)}`)).errors, [
    E.unrecognised('stdout line 1 unrecognised: Received:'),
  ]);
});

test('app-sso platform -s: a non-zero exit, stderr, no output (SYNTHETIC failures, no real capture)', () => {
  assert.deepEqual(parsePlatformSsoState(sample(F, NOTHING, { exitCode: 1 })), {
    value: null,
    errors: [E.exit('exit code 1: Time: 2025-06-18 20:42:20 +0000')],
  });
  assert.deepEqual(parsePlatformSsoState(out('', 'app-sso: unknown option\n', 64)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: app-sso: unknown option'),
      E.exit('exit code 64'),
      E.missing('no Device Configuration section'),
      E.missing('no Login Configuration section'),
      E.missing('no User Configuration section'),
    ],
  });
  assert.deepEqual(parsePlatformSsoState(out('')).errors, [
    E.missing('no Device Configuration section'),
    E.missing('no Login Configuration section'),
    E.missing('no User Configuration section'),
  ]);
});
