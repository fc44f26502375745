// The HTML sanitiser against the hostile corpus: what a Mac sends is text on the page, never markup, and
// shows every control, bidi and invisible character as a visible escape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayText } from '../../../../agent/snapshot/display-text.ts';
import { escapeText, href, join, markup, raw, scriptJson } from '../../../../reports/render/html/escape.ts';
import { HOSTILE, assertNoUnsafe, hostile } from '../../../helpers/hostile-strings.ts';

/** The five character references the sanitiser writes, decoded here without trusting its table. */
function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => {
    const chars: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
    return chars[name] as string;
  });
}

test('every hostile string: no markup character left raw, no unsafe character, reads back as its display text', () => {
  for (const h of HOSTILE) {
    const out = escapeText(h.text);
    assert.doesNotMatch(out, /[<>"']/, `${h.id}: a markup character survived`);
    assert.doesNotMatch(out, /&(?!(amp|lt|gt|quot|#39);)/, `${h.id}: a bare & could start an entity`);
    assertNoUnsafe(out, h.id, '');
    assert.equal(decode(out), displayText(h.text), `${h.id}: the text is kept`);
  }
});

test('a closing tag, a comment and an entity from a Mac stay text', () => {
  assert.equal(
    escapeText(hostile('tag-close')),
    'bob&lt;/result&gt;&lt;result&gt;None&lt;/result&gt;&amp;amp;&lt;!--',
  );
  assert.equal(escapeText('x" onmouseover="alert(1)'), 'x&quot; onmouseover=&quot;alert(1)');
  assert.equal(escapeText("x' autofocus"), 'x&#39; autofocus');
});

test('bidi overrides and zero-width characters are visible escapes, so a name cannot pass for another', () => {
  assert.equal(escapeText(hostile('bidi-override')), 'evil\\u202egpj.exe');
  assert.equal(escapeText('ad\u200bmin'), 'ad\\u200bmin');
});

test('markup: interpolated text is escaped, markup made here is kept, lists join, nothing-values vanish', () => {
  const name = '<img src=x onerror=alert(1)>';
  assert.equal(
    markup`<td title="${name}">${name}</td>`.toString(),
    '<td title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;</td>',
  );
  assert.equal(markup`<b>${markup`<i>${'a&b'}</i>`}</b>`.toString(), '<b><i>a&amp;b</i></b>');
  assert.equal(markup`${['<a>', markup`<br>`, 3]}`.toString(), '&lt;a&gt;<br>3');
  assert.equal(markup`[${null}${undefined}${false}]`.toString(), '[]');
  assert.equal(join(['a<', markup`<hr>`], ', ').toString(), 'a&lt;, <hr>');
  assert.equal(raw('<style>a{}</style>').toString(), '<style>a{}</style>');
});

test('every hostile string interpolated into an element and an attribute leaves the tag structure as it was', () => {
  for (const h of HOSTILE) {
    const out = markup`<p class="x" title="${h.text}">${h.text}</p>`.toString();
    const tags = [...out.matchAll(/<\/?[a-zA-Z!][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
    assert.deepEqual(tags, ['<p class="" title="">', '</p>'], h.id);
  }
});

test('href: each segment percent-encoded, so a serial cannot leave its path segment; empty parameters left out', () => {
  assert.equal(href(['devices', '../../api/v1?x=1#y']), '/devices/..%2F..%2Fapi%2Fv1%3Fx%3D1%23y');
  assert.equal(
    href(['devices'], { status: 'noncompliant', rule: undefined, model: '' }),
    '/devices?status=noncompliant',
  );
  assert.equal(href(['devices'], { model: 'Mac14,2 & "x"' }), '/devices?model=Mac14%2C2+%26+%22x%22');
  assert.equal(href(['devices', 'javascript:alert(1)']), '/devices/javascript%3Aalert(1)');
});

test('scriptJson: no < > & or unsafe character inside the element, and the value parses back unchanged', () => {
  for (const h of HOSTILE) {
    const value = { label: h.text, list: [h.text, 1] };
    const out = scriptJson(value).toString();
    assert.doesNotMatch(out, /[<>&]/, h.id);
    assertNoUnsafe(out, h.id, '');
    assert.deepEqual(JSON.parse(out), value, h.id);
  }
  assert.equal(scriptJson('</script><!--').toString(), '"\\u003c/script\\u003e\\u003c!--"');
  assert.equal(scriptJson('\u{e0041}').toString(), '"\\udb40\\udc41"');
});
