// Admin-supplied durations in the settings are bounded (an instant computed from one must stay one RFC 3339
// can write: a typo of a few digits otherwise reached the reads as an "Invalid time value").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, MAX_DURATION_SECONDS } from '../../collector/config.ts';

test('durations are at most 3650 days and retention at most 36500 days, each refused naming its setting and source', () => {
  const refused: [Record<string, string>, RegExp][] = [
    [
      { staleAfterSeconds: '999999999999' },
      /^invalid setting \/staleAfterSeconds \(from flag:--stale-after-seconds\): must be <= 315360000$/,
    ],
    [
      { reenrollAfterSeconds: String(MAX_DURATION_SECONDS + 1) },
      /\/reenrollAfterSeconds .* must be <= 315360000/,
    ],
    [{ graceSeconds: 'stale=315360001' }, /\/graceSeconds\/stale .* must be <= 315360000/],
    [{ historyRetentionDays: '99999999' }, /\/historyRetentionDays .* must be <= 36500/],
  ];
  for (const [flags, message] of refused)
    assert.throws(() => loadConfig({ env: {}, flags }), { name: 'ConfigError', message });
  const { config } = loadConfig({
    env: {},
    flags: { staleAfterSeconds: String(MAX_DURATION_SECONDS), graceSeconds: `stale=${MAX_DURATION_SECONDS}` },
  });
  assert.equal(config.staleAfterSeconds, 3650 * 86400);
});
