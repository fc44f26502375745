import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHardware } from '../../../agent/probes/hardware.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const F = 'system_profiler';

test('system_profiler: every real sample is tested', () => {
  assertCoversFolder(F, [
    'json-applesilicon-m2-mac14,7-real-no-trailing-newline.json',
    'text-applesilicon-m1pro-full.txt',
    'text-applesilicon-m2max-redacted-PARTIAL.txt',
    'text-intel-t2-macbookpro15,1-catalina-full.txt',
    'text-m1-air-column-aligned-as-published-PARTIAL.txt',
  ]);
});

test('system_profiler: real -json Apple M2 (no trailing newline)', () => {
  assert.deepEqual(parseHardware(sample(F, 'json-applesilicon-m2-mac14,7-real-no-trailing-newline.json')), {
    value: {
      serial: 'D5XQV1FMFJ',
      hardwareUuid: 'D26E7BC6-425E-51C2-87C5-0B902782B60D',
      model: 'Mac14,7',
      appleSilicon: true,
    },
    errors: [],
  });
});

test('system_profiler: real text M1 Pro (headers, blank lines)', () => {
  assert.deepEqual(parseHardware(sample(F, 'text-applesilicon-m1pro-full.txt')), {
    value: {
      serial: 'GGJXG26P75',
      hardwareUuid: '30BD6509-4710-567C-826E-3AF2D66DBF35',
      model: 'MacBookPro18,3',
      appleSilicon: true,
    },
    errors: [],
  });
});

test('system_profiler: real text M2 Max PARTIAL, redacted serial/UUID kept as printed', () => {
  assert.deepEqual(parseHardware(sample(F, 'text-applesilicon-m2max-redacted-PARTIAL.txt')), {
    value: { serial: '----------', hardwareUuid: '----------', model: 'Mac14,6', appleSilicon: true },
    errors: [],
  });
});

test('system_profiler: real text Intel T2 (Processor Name, no Chip line)', () => {
  assert.deepEqual(parseHardware(sample(F, 'text-intel-t2-macbookpro15,1-catalina-full.txt')), {
    value: {
      serial: 'C02XFGWEJG5H',
      hardwareUuid: '4EA008BF-9B36-5F1D-9151-AD4F64808AAB',
      model: 'MacBookPro15,1',
      appleSilicon: false,
    },
    errors: [],
  });
});

test('system_profiler: real text M1 Air PARTIAL, column-aligned', () => {
  assert.deepEqual(parseHardware(sample(F, 'text-m1-air-column-aligned-as-published-PARTIAL.txt')), {
    value: {
      serial: 'FVFF91M9Q6L8',
      hardwareUuid: 'AF9C6236-E2E7-5B73-A553-619C3411576C',
      model: 'MacBookAir10,1',
      appleSilicon: true,
    },
    errors: [],
  });
});

const json = (item: Record<string, unknown>) => JSON.stringify({ SPHardwareDataType: [item] });

test('system_profiler: -json Intel via cpu_type', () => {
  const r = parseHardware(
    out(
      json({
        serial_number: 'S',
        platform_UUID: 'U',
        machine_model: 'MacBookPro15,1',
        cpu_type: '6-Core Intel Core i7',
      }),
    ),
  );
  assert.deepEqual(r, {
    value: { serial: 'S', hardwareUuid: 'U', model: 'MacBookPro15,1', appleSilicon: false },
    errors: [],
  });
});

test('system_profiler: chip_type Unknown (VM) -> appleSilicon null with an error', () => {
  const r = parseHardware(
    out(
      json({
        serial_number: 'S',
        platform_UUID: 'U',
        machine_model: 'VirtualMac2,1',
        chip_type: 'Unknown',
        number_processors: 4,
      }),
    ),
  );
  assert.equal(r.value?.appleSilicon, null);
  assert.deepEqual(r.errors, [
    E.unrecognised('cannot tell Apple silicon from Intel (chip_type "Unknown", cpu_type absent)'),
  ]);
});

test('system_profiler: malformed JSON, wrong shape, garbage text, failure', () => {
  assert.equal(parseHardware(out('{"SPHardwareDataType": [')).value, null);
  const broken = parseHardware(out('{"SPHardwareDataType": [')).errors[0];
  assert.equal(broken?.kind, 'unrecognised_output');
  assert.match(broken?.message ?? '', /^stdout is not valid JSON/);
  assert.deepEqual(parseHardware(out('{"SPHardwareDataType": {}}')), {
    value: null,
    errors: [E.unrecognised('JSON has no SPHardwareDataType[0] object')],
  });
  assert.deepEqual(parseHardware(out('%%% garbage\n')), {
    value: null,
    errors: [E.unrecognised('stdout line 1 unrecognised: %%% garbage')],
  });
  assert.deepEqual(parseHardware(out('', 'system_profiler: error\n', 1)), {
    value: null,
    errors: [E.unrecognised('stderr line 1 unrecognised: system_profiler: error'), E.exit('exit code 1')],
  });
});
