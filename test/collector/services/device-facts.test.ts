// The report facts and the MDM update verdict: on snapshots the real agent builds from the real macOS
// samples (an Apple silicon Mac, an Intel one), and on the compliant snapshot changed one fact at a time,
// each failing condition named in the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../../agent/collect.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { evaluateDevice } from '../../../collector/rules/index.ts';
import { mdmUpdateVerdict, reportFacts } from '../../../collector/services/device-facts.ts';
import { collectDeps } from '../../helpers/collect-deps.ts';
import { appleSiliconMac, fakeRunner, intelCatalinaMac } from '../../helpers/apple-silicon-mac.ts';
import type { Answer } from '../../helpers/apple-silicon-mac.ts';
import { CONFIG, NOW, compliantSnapshot, fv, userNamed } from '../rules/compliant-snapshot.ts';

const outcomes = (s: Snapshot) => evaluateDevice({ snapshot: s, lastSeen: s.collectedAt }, NOW, CONFIG);
const facts = (s: Snapshot) => reportFacts(s, outcomes(s));
const verdict = (edit: (s: Snapshot) => void) => {
  const s = compliantSnapshot();
  edit(s);
  return mdmUpdateVerdict(s, outcomes(s));
};

async function agentSnapshot(answers: Record<string, Answer>): Promise<Snapshot> {
  const fake = fakeRunner(answers);
  const { snapshot } = await collect(collectDeps(fake));
  assert.deepEqual(fake.rejected, []);
  return snapshot;
}

test('Apple silicon Tahoe (real samples): not escrowed, so MDM cannot update it; itadmin holds no token', async () => {
  const f = facts(await agentSnapshot(appleSiliconMac()));
  assert.equal(f.bootstrapEscrowed, false);
  assert.equal(f.bootstrapUsable, false);
  assert.equal(f.fileVaultOn, true);
  assert.equal(f.mdmUpdate, 'no');
  assert.match(f.mdmUpdateReason ?? '', /not escrowed/i);
  assert.deepEqual(f.tokenlessUsers, ['itadmin']);
  assert.ok(f.tokenHolders?.includes('ernw'), String(f.tokenHolders));
});

test('Intel Catalina (real samples): the verdict does not apply; a server without support is not escrowed', async () => {
  const f = facts(await agentSnapshot(intelCatalinaMac()));
  assert.equal(f.mdmUpdate, 'not_applicable');
  assert.match(f.mdmUpdateReason ?? '', /Intel/);
  assert.equal(f.bootstrapEscrowed, false);
  assert.equal(f.bootstrapUsable, false);
});

test('the compliant Apple silicon Mac: escrowed, usable, FileVault on, MDM can update it', () => {
  assert.deepEqual(facts(compliantSnapshot()), {
    bootstrapEscrowed: true,
    bootstrapUsable: true,
    fileVaultOn: true,
    mdmUpdate: 'yes',
    mdmUpdateReason: null,
    tokenHolders: ['alice', 'bob'],
    tokenlessUsers: [],
  });
});

test('each condition of the update verdict, failing, says no and why; several are all named', () => {
  const cases: [string, (s: Snapshot) => void, RegExp][] = [
    [
      'no volume owner',
      (s) => {
        for (const u of s.users) u.volumeOwner = false;
        for (const c of s.cryptoUsers) c.volumeOwner = false;
      },
      /volume owner/,
    ],
    ['not escrowed', (s) => (s.bootstrapToken.escrowed = false), /not escrowed/i],
    ['not enrolled', (s) => (s.mdm.enrolled = false), /not enrolled/i],
    ['not user-approved', (s) => ((s.mdm.userApproved = false), (s.mdm.dep = false)), /approv/i],
    ['server without support', (s) => (s.bootstrapToken.supportedOnServer = false), /does not support/],
    ['preflight refuses', (s) => (s.bootstrapToken.eacsPreflight = 'failed'), /EACSPreflight = "failed"/],
    ['not allowed', (s) => (s.bootstrapToken.allowed = false), /BootstrapTokenAllowed = 0/],
    [
      'key missing from the volume',
      (s) => (s.cryptoUsers = s.cryptoUsers.filter((c) => c.kind !== 'mdm_bootstrap_token')),
      /External Key/,
    ],
  ];
  for (const [what, edit, why] of cases) {
    const v = verdict(edit);
    assert.equal(v.verdict, 'no', what);
    assert.match(v.reason ?? '', why, what);
  }
  const both = verdict((s) => {
    s.bootstrapToken.escrowed = false;
    s.mdm.userApproved = false;
    s.mdm.dep = false;
  });
  assert.match(both.reason ?? '', /not escrowed.*; .*approv|approv.*; .*not escrowed/is);
});

test('unknown is never yes: a required answer unknown leaves the verdict unknown; the preflight only where known', () => {
  const unknownEscrow = verdict((s) => (s.bootstrapToken.escrowed = null));
  assert.equal(unknownEscrow.verdict, 'unknown');
  assert.match(unknownEscrow.reason ?? '', /escrowed is unknown/);
  assert.equal(verdict((s) => (s.device.appleSilicon = null)).verdict, 'unknown');
  assert.equal(verdict((s) => ((s.mdm.userApproved = null), (s.mdm.dep = false))).verdict, 'unknown');
  // The preflight and the MDM options, where not reported or unknown, are no reason to doubt.
  assert.equal(verdict((s) => (s.bootstrapToken.eacsPreflight = null)).verdict, 'yes');
  assert.equal(verdict((s) => (s.bootstrapToken.allowed = null)).verdict, 'yes');
});

test('usable: escrowed and not refused; unknown when the Mac cannot tell; FileVault on only when on', () => {
  const usable = (edit: (s: Snapshot) => void) => {
    const s = compliantSnapshot();
    edit(s);
    return facts(s).bootstrapUsable;
  };
  assert.equal(
    usable((s) => (s.bootstrapToken.eacsPreflight = 'failed')),
    false,
  );
  assert.equal(
    usable((s) => (s.bootstrapToken.allowed = false)),
    false,
  );
  assert.equal(
    usable((s) => (s.bootstrapToken.eacsPreflight = null)),
    null,
    'preflight unknown',
  );
  assert.equal(
    usable((s) => {
      s.bootstrapToken.eacsPreflight = null;
      s.notApplicable.push('bootstrapToken.eacsPreflight');
    }),
    true,
    'no preflight on this macOS, and the MDM options allow the token',
  );
  assert.equal(
    usable((s) => (s.bootstrapToken.escrowed = null)),
    null,
  );
  for (const [state, on] of [
    ['on', true],
    ['off', false],
    ['encrypting', false],
    ['decrypting', false],
    ['unknown', null],
  ] as const) {
    const s = compliantSnapshot();
    s.fileVault.state = fv(state);
    assert.equal(facts(s).fileVaultOn, on, state);
  }
});

test('token holders and users without a token: enabled users only; an unknown token is neither', () => {
  const s = compliantSnapshot();
  userNamed(s, 'bob').secureToken = false;
  userNamed(s, 'alice').secureToken = null;
  s.users.push({ ...userNamed(s, 'bob'), name: 'gone', uid: 503, disabled: true });
  const f = facts(s);
  assert.deepEqual([f.tokenHolders, f.tokenlessUsers], [[], ['bob']]);
});
