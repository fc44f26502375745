// The extension attributes' values (ea-result.test.ts checks how they are wrapped for Jamf).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eaByName } from '../../agent/ea.ts';
import { compliantSnapshot } from '../collector/rules/compliant-snapshot.ts';

test('collection-errors: the probes that failed, each once; unrelated lines are no failure', () => {
  const ea = eaByName('collection-errors');
  assert.ok(ea);
  const s = compliantSnapshot();
  assert.equal(ea.value(s), 'None');
  s.errors.push({
    probe: 'fdesetup_prk',
    kind: 'unrecognised_output',
    unrelated: true,
    message: 'stderr line 1 unrecognised: objc[18088]: Class SSRequest is implemented in both ...',
  });
  assert.equal(ea.value(s), 'None');
  s.errors.push(
    { probe: 'sysadminctl', kind: 'timeout', user: 'alice', message: 'timed out after 10000 ms' },
    { probe: 'sysadminctl', kind: 'timeout', user: 'bob', message: 'timed out after 10000 ms' },
    { probe: 'mdmclient', kind: 'exit', message: 'exit code 1' },
  );
  assert.equal(ea.value(s), '2: sysadminctl, mdmclient');
});
