// The auth cache's age (authCacheSeconds): a device token revoked on the SQLite file by another process (as
// `tokenwatch devices revoke --db` does while the collector runs) keeps working on the collector that has it
// cached for that long at most, then is refused; a revocation through the collector itself is at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFor, startTestCollector } from '../../helpers/collector.ts';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';

test('a token revoked on the file by another process is refused once authCacheSeconds have passed', async () => {
  const c = await startTestCollector({ authCacheSeconds: '30' }, { jobs: false });
  try {
    const mac = await c.device();
    const upload = async () => (await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid))).status;
    assert.equal(await upload(), 200); // cached from here on
    const other = openSqliteStore(c.dbPath, { mustExist: true });
    try {
      const d = await other.devices.bySerial(mac.serial);
      await other.devices.revoke(d?.id as number, c.clock.now().getTime());
    } finally {
      await other.close();
    }
    // (The monotonic clock runs on with real time too: the margins leave a loaded machine seconds.)
    c.advanceMonotonic(20_000);
    assert.equal(await upload(), 200, 'still cached: trusted for authCacheSeconds');
    c.advanceMonotonic(11_000);
    assert.equal(await upload(), 401, 'past authCacheSeconds the database is asked again');
  } finally {
    await c.stop();
  }
});

test('authCacheSeconds 0: every request asks the database', async () => {
  const c = await startTestCollector({ authCacheSeconds: '0' }, { jobs: false });
  try {
    const mac = await c.device();
    assert.equal((await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid))).status, 200);
    const other = openSqliteStore(c.dbPath, { mustExist: true });
    try {
      const d = await other.devices.bySerial(mac.serial);
      await other.devices.revoke(d?.id as number, c.clock.now().getTime());
    } finally {
      await other.close();
    }
    assert.equal((await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid))).status, 401);
  } finally {
    await c.stop();
  }
});
