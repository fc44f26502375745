// The collector's scheduled report: on its cron schedule (node-cron, here every second) the collector
// writes the fleet's report into reportDir, named by its time, whole (the JSON report's declared shape);
// settings that cannot work stop the start with one line saying which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { FleetReport } from '../../reports/report-schema.ts';
import { scheduledReportName } from '../../reports/scheduled.ts';
import { startTestCollector, snapshotFor } from '../helpers/collector.ts';
import { ConfigError } from '../../collector/config.ts';
import { fv } from './rules/compliant-snapshot.ts';

/** Resolves with the directory's report files once `test` holds, or fails after `ms`. */
async function waitFor(dir: string, ms: number, ok: (files: string[]) => boolean): Promise<string[]> {
  const until = performance.now() + ms;
  for (;;) {
    const files = readdirSync(dir).filter((f) => f.startsWith('tokenwatch-report-'));
    if (ok(files)) return files;
    if (performance.now() > until) assert.fail(`no report in ${dir} after ${ms} ms: ${files.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('on its schedule the collector writes the whole fleet report into reportDir, named by its time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-reports-'));
  const c = await startTestCollector({ reportSchedule: '* * * * * *', reportDir: dir, reportFormat: 'json' });
  try {
    const m = await c.device();
    await c.upload(
      m.token,
      snapshotFor(m.serial, m.hardwareUuid, (s) => (s.fileVault.state = fv('off'))),
    );
    // A scheduled job runs once a minute of the collector's clock (jobs/runner.ts), and a run of this minute
    // may have started before the upload: the next minute's run is after it.
    c.clock.advance(60_000);
    const name = scheduledReportName(c.clock.now(), 'json');
    assert.equal(name, 'tokenwatch-report-2026-03-02T120100Z.json');
    const files = await waitFor(dir, 5000, (f) => f.includes(name));
    assert.ok(
      files.every((f) => !f.endsWith('.tmp')),
      `no temporary file left: ${files.join(', ')}`,
    );
    // Wait for the run of that minute to have written the file (renamed into place whole).
    let report: FleetReport | null = null;
    const until = performance.now() + 5000;
    while (performance.now() < until) {
      const value: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      const shape = Compile(FleetReport);
      assert.ok(shape.Check(value), JSON.stringify([...shape.Errors(value)][0]));
      report = value as FleetReport;
      if (report.devices.length === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(report?.source, c.config.db);
    assert.deepEqual(
      report?.devices.map((d) => [d.serial, d.status, d.findings.map((f) => f.rule)]),
      [[m.serial, 'noncompliant', ['filevault-off']]],
    );
    assert.ok(c.logs.some((l) => l['msg'] === 'job scheduled-report ran' && l['file'] === join(dir, name)));
  } finally {
    await c.stop();
  }
});

test('a schedule that is no cron expression, or no writable reportDir, stops the start with one line', async () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'tokenwatch-reports-')), 'no-such-dir');
  const cases: [Record<string, string>, RegExp][] = [
    [
      { reportSchedule: 'every monday', reportDir: '/tmp' },
      /^reportSchedule "every monday" is not a cron expression/,
    ],
    [{ reportSchedule: '0 6 * * 1' }, /^reportSchedule is set but reportDir is not/],
    [
      { reportSchedule: '0 6 * * 1', reportDir: missing },
      /^reportDir .*no-such-dir cannot be written to \(ENOENT\)$/,
    ],
  ];
  for (const [settings, why] of cases)
    await assert.rejects(
      () => startTestCollector(settings),
      (e: Error) => e instanceof ConfigError && why.test(e.message),
      JSON.stringify(settings),
    );
});
