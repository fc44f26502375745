// The fleet reader's thread over a real collector database: it answers what the read model answers in
// process (the summary, the trend), sees writes committed after it started, and close stops it (a read
// asked after close is refused; one asked before is answered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetReaderThread } from '../../collector/fleet-reader.ts';
import { createReadModel } from '../../collector/services/read-model.ts';
import { ruleConfig } from '../../collector/services/evaluation.ts';
import { startTestCollector, snapshotFor } from '../helpers/collector.ts';

test('the thread answers the summary and trend the read model answers in process, as the database is at each read; close stops it', async () => {
  const c = await startTestCollector({ dashboard: 'false' });
  const rules = ruleConfig(c.config);
  const reader = fleetReaderThread(c.dbPath, rules);
  try {
    const ok = await c.device();
    await c.upload(ok.token, snapshotFor(ok.serial, ok.hardwareUuid));
    const inProcess = createReadModel(c.store, rules);
    const now = c.clock.now();
    assert.deepEqual(await reader.summary(now), await inProcess.summary(now));
    const range = { from: new Date(now.getTime() - 3 * 86_400_000), to: now };
    assert.deepEqual(await reader.trend(range, now), await inProcess.trend(range, now));

    const bad = await c.device();
    await c.upload(
      bad.token,
      snapshotFor(bad.serial, bad.hardwareUuid, (s) => {
        s.bootstrapToken.escrowed = false;
      }),
    );
    const after = await reader.summary(now);
    assert.deepEqual(after.byStatus, { compliant: 1, noncompliant: 1, unknown: 0 }, 'a later write is seen');
    assert.deepEqual(after, await inProcess.summary(now));

    const last = reader.summary(now);
    await reader.close();
    assert.equal((await last).devices, 2, 'a read asked before close is answered');
    await assert.rejects(reader.summary(now), /the fleet reader is closed/);
  } finally {
    await reader.close();
    await c.stop();
  }
});
