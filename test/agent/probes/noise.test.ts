// The noise policy (agent/probes/result.ts), probe by probe, for EVERY probe of the command table: a real
// Objective-C runtime warning (test/fixtures/macos/stderr-noise/, published from a real Mac) printed
// beside a clean answer changes nothing but adds one error, unrecognised_output marked unrelated. Without
// an answer beside it, the same line is no answer and is not marked unrelated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TABLE, PROBES } from '../../../agent/probes/index.ts';
import type { CommandProbeId } from '../../../agent/snapshot/errors.ts';
import type { CommandOutput } from '../../../agent/probes/result.ts';
import { E, assertCoversFolder, out, sample, sampleText } from './samples.ts';

const NOISE_FILE = 'objc-class-implemented-in-both-wazuh-17237.txt';
const WARNING = sampleText('stderr-noise', NOISE_FILE);
/** How the parsers quote it: the first 120 characters, then "...". */
const QUOTED = `${WARNING.trim().slice(0, 120)}...`;

test('noise: the warning sample is tested', () => assertCoversFolder('stderr-noise', [NOISE_FILE]));

test('noise: the warning is the real line (an excerpt of it is what the errors quote)', () => {
  assert.match(
    WARNING,
    /^objc\[\d+\]: Class SSRequest is implemented in both \/System\/Library\/PrivateFrameworks\//,
  );
  assert.match(WARNING, /One of the two will be used\. Which one is undefined\.\n$/);
  assert.equal(QUOTED.length, 123);
});

/** A clean answer of each probe: real samples where one exists (the names say where not). */
const CLEAN: Record<CommandProbeId, { answer: CommandOutput; note?: string }> = {
  sw_vers: { answer: sample('sw_vers', 'tahoe-26.4-double-tab.txt') },
  system_profiler: {
    answer: sample('system_profiler', 'json-applesilicon-m2-mac14,7-real-no-trailing-newline.json'),
  },
  dscl_users: {
    // The real sample is an excerpt ending in the author's "..." (an error of its own).
    note: 'SYNTHETIC list in the real padded layout',
    answer: out('_mbsetupuser            248\nernw                    501\nroot                    0\n'),
  },
  dscl_admins: { answer: sample('dscl_admins', 'sequoia-15.6.1-root-plus-one-admin.txt') },
  dscl_user: {
    note: 'two real single-attribute samples printed together, as the two-attribute read prints them',
    answer: out(
      sampleText('dscl_user', 'single-line-local-user-wincent-wiki.txt') +
        sampleText('dscl_user', 'securetoken-disableduser-disa-stig-example.txt'),
    ),
  },
  sysadminctl: {
    answer: sample('sysadminctl', 'enabled-ernw-tahoe-26.txt', { stream: 'stderr' }),
  },
  dsmemberutil_admin: {
    answer: sample('dsmemberutil_admin', 'member-ad-user-nested-admin-homebrew-install-32-2016.txt'),
  },
  diskutil_cryptousers: {
    answer: sample(
      'diskutil_cryptousers',
      'listcryptousers-tahoe-applesilicon-3users-bootstrap-owner-yes.txt',
    ),
  },
  fdesetup_status: { answer: sample('fdesetup_status', 'on-plain-tahoe.txt') },
  fdesetup_list: { answer: sample('fdesetup_list', 'single-user-disa-stig-example.txt') },
  fdesetup_prk: {
    note: "real 'false' of usingrecoverykey, the same boolean style",
    answer: sample('fdesetup-misc', 'usingrecoverykey-false-corestorage-10.11.6.txt'),
  },
  fdesetup_irk: {
    note: "real 'false' of usingrecoverykey, the same boolean style",
    answer: sample('fdesetup-misc', 'usingrecoverykey-false-corestorage-10.11.6.txt'),
  },
  fdesetup_deferral: { answer: sample('fdesetup_deferral', 'deferral-active-profile-catalina.txt') },
  profiles_bootstrap: {
    answer: sample('profiles_bootstrap', 'supported-yes-escrowed-no-catalina-beta.txt'),
  },
  profiles_enrollment: {
    answer: sample('profiles_enrollment', 'dep-yes-uamdm-yes-server-line-bigsur.txt'),
  },
  console_user: { note: 'SYNTHETIC user name (no published capture)', answer: out('ernw\n') },
  app_sso_platform: {
    answer: sample(
      'app_sso_platform',
      'device-and-user-registered-entra-secure-enclave-fleet-2025-06-REDACTED.txt',
    ),
  },
  mdmclient: { answer: sample('mdmclient', 'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt') },
};

test('noise: every probe of the command table has a case', () => {
  assert.deepEqual(
    Object.keys(CLEAN),
    COMMAND_TABLE.map((p) => p.id),
  );
});

/** The answer with the warning added on stderr (for sysadminctl, the carrier, after the status line). */
function noisy(answer: CommandOutput): { output: CommandOutput; line: number } {
  const stderr = answer.stderr === '' || answer.stderr.endsWith('\n') ? answer.stderr : `${answer.stderr}\n`;
  return { output: { ...answer, stderr: stderr + WARNING }, line: stderr.split('\n').length };
}

for (const probe of COMMAND_TABLE) {
  const { answer, note } = CLEAN[probe.id];
  const what = note ? ` (${note})` : '';

  test(`noise: ${probe.id}${what}: a warning on stderr beside a clean answer changes nothing`, () => {
    const clean = probe.parse(answer);
    assert.notEqual(clean.value, null, 'the clean answer is an answer');
    assert.deepEqual(clean.errors, [], 'the clean answer has no error');
    const { output, line } = noisy(answer);
    assert.deepEqual(probe.parse(output), {
      value: clean.value,
      errors: [E.unrelated(`stderr line ${line} unrecognised: ${QUOTED}`)],
    });
  });

  test(`noise: ${probe.id}: the warning alone is no answer, and not unrelated`, () => {
    const alone = probe.parse(out('', WARNING));
    if (probe.id === 'fdesetup_status') {
      // fdesetup status always gives a value; its state says whether there was an answer.
      assert.equal((alone.value as { state: string } | null)?.state, 'unknown');
    } else {
      assert.equal(alone.value, null);
    }
    assert.ok(alone.errors.length > 0);
    assert.ok(
      alone.errors.every((e) => e.unrelated !== true),
      JSON.stringify(alone.errors),
    );
  });
}

test('noise: an empty fdesetup list beside a warning is not "nobody is enabled"', () => {
  const r = PROBES.fdesetup_list.parse(out('', WARNING));
  assert.equal(r.value, null);
  assert.deepEqual(r.errors, [E.unrecognised(`stderr line 1 unrecognised: ${QUOTED}`)]);
  assert.deepEqual(PROBES.fdesetup_list.parse(out('')), { value: [], errors: [] });
});

test('noise: a list line the parser cannot read is never unrelated (the list may be incomplete)', () => {
  const r = PROBES.dscl_users.parse(out('ernw                    501\n%%% what is this\n', WARNING));
  assert.deepEqual(r.value, [{ name: 'ernw', uid: 501 }]);
  assert.ok(
    r.errors.every((e) => e.unrelated !== true),
    JSON.stringify(r.errors),
  );
});
