import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayText, visibleEscape } from '../../../agent/snapshot/display-text.ts';
import { HOSTILE, assertNoUnsafe, hostile, unsafeCharacters } from '../../helpers/hostile-strings.ts';

test('the hostile corpus is hostile: every check below has something to catch', () => {
  const caught = HOSTILE.filter((h) => unsafeCharacters(h.text).length > 0).map((h) => h.id);
  for (const id of ['ansi-colour', 'osc8-hyperlink', 'osc52-clipboard', 'nul', 'del', 'c1-csi']) {
    assert.ok(caught.includes(id), id);
  }
  for (const id of ['bidi-override', 'zero-width', 'lone-high-surrogate', 'lone-low-surrogate']) {
    assert.ok(caught.includes(id), id);
  }
  assert.ok(HOSTILE.some((h) => h.text.length >= 100_000));
});

test('no raw control, bidi, invisible character or lone surrogate survives, for every corpus string', () => {
  for (const h of HOSTILE) assertNoUnsafe(displayText(h.text), h.id, '');
});

test('what was there is shown as an escape an admin can read', () => {
  assert.equal(displayText(hostile('ansi-colour')), '\\x1b[31;1mred\\x1b[0m');
  assert.equal(displayText(hostile('nul')), 'ali\\x00ce');
  assert.equal(displayText(hostile('del')), 'bob\\x7f\\x7f\\x7fmallory');
  assert.equal(displayText(hostile('c1-csi')), '\\x9b31mred\\x9b0m');
  assert.equal(displayText(hostile('bidi-override')), 'evil\\u202egpj.exe');
  assert.equal(displayText(hostile('zero-width')), 'ad\\u200bmin\\u200c\\u200d\\u2060\\ufeff');
  assert.equal(displayText(hostile('lone-high-surrogate')), 'x\\ud800y');
  assert.equal(displayText(hostile('lone-low-surrogate')), 'x\\udfffy');
  assert.equal(displayText(hostile('crlf-injection')), 'host\\x0d\\x0aFORGED,row,=1+1\\x0d\\x0a');
  assert.equal(displayText('a\u{e0041}b'), 'a\\u{e0041}b');
  assert.equal(visibleEscape('\u0007'), '\\x07');
});

test('ordinary text is kept as it is: accents, CJK, emoji, spaces, a backslash', () => {
  for (const text of [
    'alice',
    'José Núñez',
    '山田太郎',
    'Zoë’s MacBook Pro',
    'a b',
    'CORP\\jdoe',
    '🍎 mac',
  ]) {
    assert.equal(displayText(text), text);
  }
});

test('applying it twice changes nothing more (renderers may pass a value and then its line)', () => {
  for (const h of HOSTILE) {
    const once = displayText(h.text);
    assert.equal(displayText(once), once, h.id);
  }
});
