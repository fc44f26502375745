// When the agent counts as not running: the default interval is the LaunchDaemon's, and `status` says so
// with what to check (the EA summary's Stale is ea-summary.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'plist';
import { SETTINGS } from '../../agent/settings/declaration.ts';
import { renderNotRun } from '../../agent/status-notes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test("StartIntervalSeconds' default is the StartInterval of the LaunchDaemon as it installs", () => {
  const daemon = parse(
    fs.readFileSync(path.join(ROOT, 'launchd/com.tokenwatch.agent.plist'), 'utf8'),
  ) as Record<string, unknown>;
  assert.equal(daemon['StartInterval'], SETTINGS.StartIntervalSeconds.default);
});

test('status: nothing while the last collection is within two intervals', () => {
  const at = '2026-03-02T10:00:00.000Z';
  assert.equal(
    renderNotRun({ lastCollectedAt: at, now: new Date('2026-03-02T12:00:00.000Z'), intervalSeconds: 3600 }),
    '',
  );
});

test('status: after two intervals it says the agent has not been running and names launchctl print and sfltool dumpbtm', () => {
  const text = renderNotRun({
    lastCollectedAt: '2026-03-02T06:30:00.000Z',
    now: new Date('2026-03-02T12:00:00.000Z'),
    intervalSeconds: 3600,
  });
  assert.match(
    text,
    /^Not running {6}the last collection was 5\.5 h ago, more than 2 x StartIntervalSeconds \(3600 s\)/,
  );
  assert.match(text, /sudo launchctl print system\/com\.tokenwatch\.agent/);
  assert.match(text, /sudo sfltool dumpbtm \| grep -B 4 -A 10 com\.tokenwatch\.agent/);
  assert.match(text, /Login Items/);
  assert.match(
    renderNotRun({
      lastCollectedAt: '2026-02-20T12:00:00.000Z',
      now: new Date('2026-03-02T12:00:00.000Z'),
      intervalSeconds: 3600,
    }),
    /was 10 days ago/,
  );
});
