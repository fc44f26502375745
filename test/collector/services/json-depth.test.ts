// depthExceededAt: the nesting bound checked on the bytes before any parsing, against the depth of the
// parsed value (an obvious walk) on generated JSON texts with strings full of quotes, backslashes and
// brackets, and on the edge cases written out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { depthExceededAt } from '../../../collector/services/json-depth.ts';

/** The nesting depth of a parsed value: the top-level object or array is 1. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

test('depthExceededAt agrees with the depth of the parsed value on generated JSON (seeded)', () => {
  const tricky = fc.constantFrom('"', '\\', '[', ']', '{', '}', '\\"', '\\\\', '"]', 'é', '\u2028');
  const text = fc.string({ unit: fc.oneof(tricky, fc.string({ maxLength: 1 })), maxLength: 12 });
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(text, tie('node'), { maxKeys: 3 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 8 }), (v, max) => {
      const json = bytes(JSON.stringify(v));
      const deep = depthOf(v) > max;
      assert.equal(depthExceededAt(json, max) >= 0, deep, `${json.toString()} with max ${max}`);
    }),
    { seed: 20260302, numRuns: 3000 },
  );
});

test('depthExceededAt: the bound itself passes, one more level is refused at the byte that opens it', () => {
  const at64 = `${'['.repeat(64)}${']'.repeat(64)}`;
  assert.equal(depthExceededAt(bytes(at64), 64), -1);
  assert.equal(depthExceededAt(bytes(`{"a":${'['.repeat(64)}${']'.repeat(64)}}`), 64), 68);
  assert.equal(depthExceededAt(bytes('['.repeat(1_000_000)), 64), 64);
});

test('depthExceededAt: brackets in strings, escaped quotes and backslashes do not count; a broken text is left to the parser', () => {
  assert.equal(depthExceededAt(bytes('["[[[[", "{{{{"]'), 1), -1);
  assert.equal(depthExceededAt(bytes('["a\\"[[[[", 1]'), 1), -1, 'an escaped quote does not end the string');
  assert.equal(
    depthExceededAt(bytes('["a\\\\", [1]]'), 1),
    8,
    'an escaped backslash does, and the array after it counts',
  );
  assert.equal(depthExceededAt(bytes('["\\\\\\"[", [1]]'), 1), 10);
  assert.equal(depthExceededAt(bytes('["unterminated [[[['), 1), -1);
  assert.equal(depthExceededAt(bytes(''), 0), -1);
  assert.equal(depthExceededAt(bytes('1'), 0), -1);
  assert.equal(depthExceededAt(bytes('[]'), 0), 0);
});
