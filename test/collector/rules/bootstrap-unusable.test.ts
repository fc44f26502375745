import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapUnusable as rule } from '../../../collector/rules/bootstrap-unusable.ts';
import { outcomesOf } from './compliant-snapshot.ts';

test('pass: EACSPreflight = success', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'mdmclient says EACSPreflight = "success"']]);
});

test('fail: escrowed, EACSPreflight present and not success; the reason quotes it', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.bootstrapToken.eacsPreflight = 'authentication failed')),
    [['fail', null, 'the token is escrowed but mdmclient says EACSPreflight = "authentication failed"']],
  );
});

test('not_applicable: mdmclient does not report EACSPreflight on this Mac', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.eacsPreflight = null;
      s.notApplicable.push('bootstrapToken.eacsPreflight');
    }),
    [['not_applicable', null, 'mdmclient does not report EACSPreflight on this Mac']],
  );
});

test('not_applicable: not escrowed', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.escrowed = false;
      s.bootstrapToken.eacsPreflight = 'failed';
    }),
    [['not_applicable', null, 'the Bootstrap Token is not escrowed (see bootstrap-not-escrowed)']],
  );
});

test('unknown: mdmclient timed out', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.eacsPreflight = null;
      s.errors.push({ probe: 'mdmclient', kind: 'timeout', message: 'timed out after 25000 ms' });
    }),
    [
      [
        'unknown',
        null,
        'mdmclient\'s EACSPreflight is unknown (agent reported mdmclient: "timed out after 25000 ms")',
      ],
    ],
  );
});
