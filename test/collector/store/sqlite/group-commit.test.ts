// The SQLite store's units of work: concurrent units commit together, a failing unit rolls back alone,
// and nothing is acknowledged before its batch commits. Against a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';

test('a failing unit rolls back alone; the others in its batch commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-store-'));
  const store = openSqliteStore(join(dir, 's.db'));
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.withTransaction(async (tx) => {
          await tx.devices.create({
            serial: `S${i}`,
            hardwareUuid: `HW${i}`,
            tokenHash: `${i}`.padStart(64, '0'),
            at: 1000,
          });
          if (i % 5 === 0) throw new Error(`unit ${i} fails after writing`);
          return i;
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'rejected').length, 4);
    for (let i = 0; i < 20; i++) {
      const d = await store.devices.bySerial(`S${i}`);
      assert.equal(d === null, i % 5 === 0, `S${i}`);
    }
    // A unique-constraint failure is one unit's failure too.
    await assert.rejects(
      store.devices.create({ serial: 'S1', hardwareUuid: 'HWX', tokenHash: 'f'.repeat(64), at: 1 }),
    );
    assert.equal(await store.fleet.deviceCount(), 16);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrations are numbered and applied once; reopening keeps the data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-store-'));
  try {
    const path = join(dir, 's.db');
    let store = openSqliteStore(path);
    await store.devices.create({ serial: 'A1', hardwareUuid: 'H1', tokenHash: 'a'.repeat(64), at: 5 });
    await store.close();
    store = openSqliteStore(path);
    assert.equal((await store.devices.bySerial('A1'))?.hardwareUuid, 'H1');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a unit alone in its batch (no savepoint) that throws after writing leaves nothing; the next one commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-store-'));
  const store = openSqliteStore(join(dir, 's.db'));
  try {
    await assert.rejects(
      store.withTransaction(async (tx) => {
        await tx.devices.create({ serial: 'L1', hardwareUuid: 'HL1', tokenHash: '1'.repeat(64), at: 1 });
        throw new Error('fails after writing');
      }),
      /fails after writing/,
    );
    assert.equal(await store.devices.bySerial('L1'), null);
    const id = await store.withTransaction(
      async (tx) =>
        (await tx.devices.create({ serial: 'L2', hardwareUuid: 'HL2', tokenHash: '2'.repeat(64), at: 1 })).id,
    );
    assert.equal((await store.devices.bySerial('L2'))?.id, id);
    assert.equal(await store.fleet.deviceCount(), 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
