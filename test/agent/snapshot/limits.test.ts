// The contract's limits are read from the schema (agent/snapshot/limits.ts), and collect() applies exactly
// those: a value at the limit is reported, one character more is left out with an over_limit error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, maxItems, maxLength } from '../../../agent/snapshot/limits.ts';
import { CollectionError, Device, Snapshot, checkSnapshot } from '../../../agent/snapshot/index.ts';
import { collect } from '../../../agent/collect.ts';
import { appleSiliconMac, fakeRunner } from '../../helpers/apple-silicon-mac.ts';
import { collectDeps } from '../../helpers/collect-deps.ts';

test('limits are the JSON Schema bounds (nullable strings included)', () => {
  const json = JSON.parse(JSON.stringify(Snapshot)) as {
    properties: { errors: { maxItems: number; items: { properties: { message: { maxLength: number } } } } };
  };
  assert.equal(LIMITS['errors.message'], json.properties.errors.items.properties.message.maxLength);
  assert.equal(LIMITS.errors, json.properties.errors.maxItems);
  assert.equal(maxLength(Device.properties.serial), 64);
  assert.equal(maxLength(CollectionError.properties.message), 2048);
  assert.throws(() => maxItems(Device.properties.serial), /declares no maxItems/);
});

function macWithSerial(serial: string) {
  const mac = appleSiliconMac();
  mac['/usr/sbin/system_profiler SPHardwareDataType -json'] = {
    stdout: JSON.stringify({
      SPHardwareDataType: [
        {
          serial_number: serial,
          platform_UUID: 'D26E7BC6-425E-51C2-87C5-0B902782B60D',
          machine_model: 'Mac14,7',
          chip_type: 'Apple M2',
        },
      ],
    }),
  };
  return mac;
}

test('collect: a serial at the contract limit is reported; one character more is left out, with an error', async () => {
  const max = LIMITS['device.serial'];
  const at = await collect(collectDeps(fakeRunner(macWithSerial('S'.repeat(max)))));
  assert.equal(at.snapshot.device.serial, 'S'.repeat(max));
  assert.deepEqual(at.snapshot.errors, []);
  const over = await collect(collectDeps(fakeRunner(macWithSerial('S'.repeat(max + 1)))));
  assert.equal(over.snapshot.device.serial, null);
  assert.deepEqual(over.snapshot.errors, [
    {
      probe: 'system_profiler',
      kind: 'over_limit',
      message: `serial number is longer than ${max} characters: not reported`,
    },
  ]);
  assert.deepEqual(checkSnapshot(over.snapshot), []);
});
