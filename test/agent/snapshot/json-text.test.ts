import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonText } from '../../../agent/snapshot/json-text.ts';
import { HOSTILE, assertNoUnsafe, unsafeCharacters } from '../../helpers/hostile-strings.ts';

test('JSON.stringify alone escapes C0 controls and lone surrogates, but not DEL, C1, bidi or zero width', () => {
  assert.deepEqual(unsafeCharacters(JSON.stringify('\u001b\u0000\ud800\r\n')), []);
  for (const raw of ['\u007f', '\u009b', '\u202e', '\u200b', '\ufeff', '\u2028']) {
    assert.equal(unsafeCharacters(JSON.stringify(raw)).length, 1, `U+${raw.charCodeAt(0).toString(16)}`);
  }
});

test('jsonText: no raw unsafe character for any corpus string, and the same value when parsed', () => {
  for (const h of HOSTILE) {
    const value = { [h.text]: [h.text, { nested: h.text }], plain: 1 };
    for (const space of [undefined, 2]) {
      const text = jsonText(value, space);
      assertNoUnsafe(text, h.id);
      assert.deepEqual(JSON.parse(text), value, h.id);
    }
  }
});

test('jsonText is JSON.stringify for ordinary values, byte for byte', () => {
  const value = { a: 'José 山田 🍎', b: [1, null, true], c: 'say "hi"\n\\' };
  assert.equal(jsonText(value, 2), JSON.stringify(value, null, 2));
  assert.equal(jsonText(value), JSON.stringify(value));
});

test('escapes are \\uXXXX units, also above the BMP (a tag character is a surrogate pair)', () => {
  assert.equal(jsonText('\u009b\u202e\u{e0041}'), '"\\u009b\\u202e\\udb40\\udc41"');
  assert.throws(() => jsonText(undefined), TypeError);
});
