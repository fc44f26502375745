import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformSsoNotRegistered as rule } from '../../../collector/rules/platform-sso-not-registered.ts';
import { outcomesOf } from './compliant-snapshot.ts';
import { withPlatformSso, withSignals } from './new-signals.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';

const EXT = 'com.microsoft.CompanyPortalMac.ssoextension';

function sso(s: Snapshot) {
  if (!s.platformSso) throw new Error('no platformSso');
  return s.platformSso;
}

test('pass: the Mac and the console user are registered', () => {
  assert.deepEqual(outcomesOf(rule, withPlatformSso), [
    ['pass', null, `the Mac and alice are registered for Platform SSO with ${EXT}`],
  ]);
});

test('fail: the Mac is not registered; the console user is not registered', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withPlatformSso(s);
      sso(s).deviceRegistered = false;
    }),
    [['fail', null, `the Mac is not registered for Platform SSO with ${EXT}`]],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withPlatformSso(s);
      sso(s).user = { name: 'alice', registered: false, state: null };
    }),
    [['fail', null, `alice has not registered for Platform SSO with ${EXT}`]],
  );
});

test('not applicable: not configured, macOS 12 or earlier, nobody at the console yet, an older agent', () => {
  const results = [
    outcomesOf(rule, withSignals),
    outcomesOf(rule, (s) => {
      withSignals(s);
      s.platformSso = null;
      s.notApplicable.push('platformSso');
    }),
    outcomesOf(rule, (s) => {
      withSignals(s);
      s.platformSso = null;
      s.notApplicable.push('platformSso.user');
    }),
    outcomesOf(rule),
  ];
  assert.deepEqual(
    results.map((r) => r[0]?.[0]),
    ['not_applicable', 'not_applicable', 'not_applicable', 'not_applicable'],
  );
  assert.match(results[0]?.[0]?.[2] ?? '', /not configured/);
  assert.match(results[1]?.[0]?.[2] ?? '', /macOS 13/);
  assert.match(results[2]?.[0]?.[2] ?? '', /nobody/);
  assert.match(results[3]?.[0]?.[2] ?? '', /upgrade the agent/);
});

test('unknown, quoting the app_sso_platform error: app-sso gave no answer', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    s.platformSso = null;
    s.errors.push({ probe: 'app_sso_platform', kind: 'timeout', user: 'alice', message: 'timed out' });
  });
  assert.equal(rows[0]?.[0], 'unknown');
  assert.match(rows[0]?.[2] ?? '', /app_sso_platform \(user alice\): "timed out"/);
  assert.equal(rule.informational, true);
});
