// Byte comparison that reports where two large buffers first differ, instead of dumping them.
import assert from 'node:assert/strict';

export function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  assert.fail(
    `${what}: ${actual.length} bytes vs ${expected.length} expected; first difference at offset 0x${at.toString(16)}`,
  );
}
