// The rules on snapshots the REAL agent builds (agent/collect.ts) from the real macOS samples, so that the
// rules and the agent agree on what fields, notApplicable paths and errors[].probe/kind/user mean. The runner
// answers only the agent's own command table; the sample files are the ones the agent's tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from '../../../agent/collect.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { evaluateDevice } from '../../../collector/rules/index.ts';
import { COLLECTED_AT as NOW, collectDeps } from '../../helpers/collect-deps.ts';
import {
  appleSiliconMac as tahoeMac,
  fakeRunner,
  intelCatalinaMac,
  real,
} from '../../helpers/apple-silicon-mac.ts';
import type { Answer } from '../../helpers/apple-silicon-mac.ts';

const TIMED_OUT = {
  kind: 'timed-out',
  by: 'timeout',
  exitedFirst: null,
  stdout: '',
  stderr: '',
  durationMs: 1,
} as const;

async function snapshotOf(answers: Record<string, Answer>): Promise<Snapshot> {
  const fake = fakeRunner(answers);
  const { snapshot } = await collect(collectDeps(fake));
  assert.deepEqual(fake.rejected, []);
  return snapshot;
}

async function results(answers: Record<string, Answer>): Promise<string[]> {
  const snapshot = await snapshotOf(answers);
  return evaluateDevice({ snapshot, lastSeen: snapshot.collectedAt }, NOW, {
    staleAfterSeconds: 86400,
    graceSeconds: {},
  }).map((o) => `${o.rule}${o.user === null ? '' : `(${o.user})`}: ${o.result}`);
}

test('Apple silicon Tahoe (real samples): not escrowed, itadmin without a token, temp excluded', async () => {
  assert.deepEqual(await results(tahoeMac()), [
    'bootstrap-not-escrowed: fail',
    'bootstrap-unsupported: pass',
    'bootstrap-key-missing: not_applicable',
    'bootstrap-unusable: not_applicable',
    'user-without-securetoken(itadmin): fail',
    'user-without-securetoken(ernw): pass',
    'no-securetoken-holder: pass',
    'no-volume-owner: pass',
    'filevault-off: pass',
    'filevault-no-recovery-key: pass',
    'mdm-not-enrolled: pass',
    'mdm-not-user-approved: pass',
    'stale: pass',
    'collection-incomplete: pass',
  ]);
});

test('Intel Catalina (real samples): server without Bootstrap Token support, volume owners not applicable', async () => {
  const mac = intelCatalinaMac();
  const r = await results(mac);
  assert.ok(r.includes('bootstrap-not-escrowed: not_applicable'), r.join('\n'));
  assert.ok(r.includes('bootstrap-unsupported: fail'));
  assert.ok(r.includes('bootstrap-key-missing: not_applicable'));
  assert.ok(r.includes('bootstrap-unusable: not_applicable'));
  assert.ok(r.includes('no-volume-owner: not_applicable'));
});

test('sysadminctl timed out for itadmin: itadmin unknown (not no), collection-incomplete names the probe', async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus itadmin'] = { outcome: TIMED_OUT };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(itadmin): unknown'), r.join('\n'));
  assert.ok(r.includes('user-without-securetoken(ernw): pass'));
  assert.ok(r.includes('no-securetoken-holder: pass'));
  assert.ok(r.includes('collection-incomplete: fail'));
});

test("sysadminctl timed out for ernw: the agent's crypto-user evidence (a value next to an error) is believed", async () => {
  const mac = tahoeMac();
  mac['/usr/sbin/sysadminctl -secureTokenStatus ernw'] = { outcome: TIMED_OUT };
  const r = await results(mac);
  assert.ok(r.includes('user-without-securetoken(ernw): pass'), r.join('\n'));
  assert.ok(r.includes('collection-incomplete: pass'));
});

test('not enrolled (real sample): mdm-not-enrolled fails, the bootstrap and approval rules do not apply', async () => {
  const mac = tahoeMac();
  mac['/usr/bin/profiles status -type enrollment'] = {
    stdout: real('profiles_enrollment', 'not-enrolled-no-no-fleet-fixture.txt'),
  };
  const r = await results(mac);
  assert.ok(r.includes('mdm-not-enrolled: fail'), r.join('\n'));
  assert.ok(r.includes('mdm-not-user-approved: not_applicable'));
  for (const rule of [
    'bootstrap-not-escrowed',
    'bootstrap-unsupported',
    'bootstrap-key-missing',
    'bootstrap-unusable',
  ]) {
    assert.ok(r.includes(`${rule}: not_applicable`), rule);
  }
});

test('a real Objective-C warning on the stderr of every command: every rule answers as without it', async () => {
  const warning = real('stderr-noise', 'objc-class-implemented-in-both-wazuh-17237.txt');
  const noisy: Record<string, Answer> = tahoeMac();
  for (const answer of Object.values(noisy)) answer.stderr = `${answer.stderr ?? ''}${warning}`;
  const clean = await results(tahoeMac());
  const r = await results(noisy);
  assert.deepEqual(r, clean);
  assert.ok(r.includes('collection-incomplete: pass'));
  assert.ok(r.includes('user-without-securetoken(itadmin): fail'), 'the user list is complete');
  assert.ok(r.includes('no-volume-owner: pass'));
});
