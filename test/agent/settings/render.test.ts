// `tokenwatch-agent config`: the text and JSON forms, sources, overrides, problems, and secrets never shown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIG_KEYS } from '../../../agent/settings/declaration.ts';
import { renderConfig } from '../../../agent/settings/render.ts';
import type { ConfigReport } from '../../../agent/settings/render.ts';
import { PIN_A, PIN_B, fixture, load, plist, str } from './load-input.ts';

describe('renderConfig', () => {
  const SECRET = 'S3cr3t-Enroll-Value-0123456789abcdef';

  test('one line per key, in table order, with value and source; MANAGED in capitals', () => {
    const config = load({
      managed: plist({ ServerURL: str('https://m.example') }),
      env: { TOKENWATCH_LOG_LEVEL: 'warn' },
    });
    const lines = renderConfig(config).split('\n');
    assert.deepEqual(
      lines.slice(0, CONFIG_KEYS.length).map((l) => l.split(/ {2,}/)[0]),
      CONFIG_KEYS,
    );
    assert.match(lines[0] ?? '', /^ServerURL +https:\/\/m\.example +MANAGED$/);
    assert.match(lines[1] ?? '', /^EnrollSecret +\(not set\) +default$/);
    assert.match(renderConfig(config), /^LogLevel +warn +environment$/m);
    assert.match(renderConfig(config), /^ExcludeUsers +\(none\) +default$/m);
    assert.match(
      renderConfig(config),
      /^MANAGED file: \/Library\/Managed Preferences\/com\.tokenwatch\.agent\.plist \(read\)$/m,
    );
    assert.match(
      renderConfig(config),
      /^preferences file: \/Library\/Preferences\/com\.tokenwatch\.agent\.plist \(absent\)$/m,
    );
    assert.doesNotMatch(renderConfig(config), /problem/);
  });

  test('problems are listed after the settings', () => {
    const text = renderConfig(load({ env: { TOKENWATCH_SPLAY_SECONDS: 'x' } }));
    assert.match(
      text,
      /\n1 configuration problem\(s\):\n {2}- SplaySeconds from TOKENWATCH_SPLAY_SECONDS \(environment\): "x" is not a whole number; using the default value 0\n$/,
    );
  });

  test('a secret is shown as "(set, N chars)" and never appears, in any layer, text or JSON', () => {
    const config = load({
      preferences: plist({ EnrollSecret: str(`${SECRET}-prefs`) }),
      env: { TOKENWATCH_ENROLL_SECRET: `${SECRET}-env` },
      flags: { 'enroll-secret': `${SECRET}-flag` },
      managed: plist({ EnrollSecret: str(SECRET) }),
    });
    assert.equal(config.values.EnrollSecret, SECRET);
    const text = renderConfig(config);
    const json = renderConfig(config, { json: true });
    for (const out of [text, json]) {
      assert.ok(!out.includes('S3cr3t'), out);
    }
    assert.match(
      text,
      new RegExp(
        `^EnrollSecret +\\(set, ${SECRET.length} chars\\) +MANAGED  \\(overrides preferences: \\(set, ${SECRET.length + 6} chars\\); environment: \\(set, ${SECRET.length + 4} chars\\); flag: \\(set, ${SECRET.length + 5} chars\\)\\)$`,
        'm',
      ),
    );
    const report = JSON.parse(json) as ConfigReport;
    const row = report.settings.find((s) => s.key === 'EnrollSecret');
    assert.deepEqual(row, {
      key: 'EnrollSecret',
      value: `(set, ${SECRET.length} chars)`,
      source: 'managed',
      overridden: [
        { source: 'preferences', display: `(set, ${SECRET.length + 6} chars)` },
        { source: 'environment', display: `(set, ${SECRET.length + 4} chars)` },
        { source: 'flag', display: `(set, ${SECRET.length + 5} chars)` },
      ],
    });
  });

  test('a secret that falls back after a bad managed value is still not shown', () => {
    const config = load({
      env: { TOKENWATCH_ENROLL_SECRET: SECRET },
      managed: plist({ EnrollSecret: '<array/>' }),
    });
    assert.equal(config.values.EnrollSecret, SECRET);
    const out = renderConfig(config) + renderConfig(config, { json: true });
    assert.ok(!out.includes('S3cr3t'));
    assert.match(
      config.problems[0]?.message ?? '',
      /expected a string, got a plist array; using the environment value \(set, 36 chars\)$/,
    );
  });

  test('--json: every key with its typed value and source, the files and the problems', () => {
    const config = load({
      sysroot: '/sim',
      managed: fixture('managed-mdm.bin.plist'),
      env: { TOKENWATCH_SPLAY_SECONDS: 'x' },
    });
    const report = JSON.parse(renderConfig(config, { json: true })) as ConfigReport;
    assert.deepEqual(
      report.settings.map((s) => s.key),
      CONFIG_KEYS,
    );
    const byKey = Object.fromEntries(report.settings.map((s) => [s.key, s]));
    assert.deepEqual(byKey.ExcludeUsers, {
      key: 'ExcludeUsers',
      value: ['_jamfadmin', 'itsupport'],
      source: 'managed',
      overridden: [],
    });
    assert.deepEqual(byKey.SplaySeconds?.value, 600);
    assert.deepEqual(byKey.StateDir?.value, '/sim/Library/Application Support/tokenwatch');
    assert.deepEqual(byKey.PinSHA256?.value, [PIN_A, PIN_B]);
    assert.equal(report.sysroot, '/sim');
    assert.equal(report.files.managed.state, 'read');
    assert.deepEqual(
      report.problems.map((p) => [p.key, p.source]),
      [['SplaySeconds', 'environment']],
    );
    assert.ok(!JSON.stringify(report).includes('tw-enroll-'));
  });
});
