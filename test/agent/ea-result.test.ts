// Jamf extension attribute answers with hostile user names: one <result> element, one line, nothing a
// terminal, Jamf's inventory or its web page would act on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EAS, renderEa } from '../../agent/ea.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { compliantSnapshot, user } from '../collector/rules/compliant-snapshot.ts';
import { HOSTILE, assertNoUnsafe, hostile } from '../helpers/hostile-strings.ts';

function hostileSnapshot(text: string): Snapshot {
  const s = compliantSnapshot();
  s.users = [
    user(text, 'A', { secureToken: false, volumeOwner: true }),
    user(`${text}2`, 'B', { secureToken: null, volumeOwner: null }),
  ];
  s.errors = [{ probe: 'sysadminctl', kind: 'exit', user: text, message: text }];
  return s;
}

/** The text Jamf stores: between the first <result> and the first </result>. */
function stored(answer: string): string {
  const start = answer.indexOf('<result>');
  const end = answer.indexOf('</result>');
  assert.ok(start === 0 && end > start, answer.slice(0, 200));
  return answer.slice(start + '<result>'.length, end);
}

test('one <result> element per answer, for every EA and every hostile string', () => {
  for (const h of HOSTILE) {
    for (const ea of EAS) {
      const answer = renderEa(ea.value(hostileSnapshot(h.text)));
      assert.ok(answer.endsWith('</result>'), `${ea.name} ${h.id}`);
      assert.equal(answer.split('<result>').length, 2, `${ea.name} ${h.id}: one opening tag`);
      assert.equal(answer.split('</result>').length, 2, `${ea.name} ${h.id}: one closing tag`);
      assert.equal(stored(answer).length, answer.length - '<result></result>'.length);
      assertNoUnsafe(answer, `${ea.name} ${h.id}`, '');
    }
  }
});

test('a user name that closes the tag is stored as text, not as a second answer', () => {
  const s = hostileSnapshot(hostile('tag-close'));
  const ea = EAS.find((e) => e.name === 'users-without-securetoken');
  assert.ok(ea);
  assert.equal(
    stored(renderEa(ea.value(s))),
    'bob&lt;/result&gt;&lt;result&gt;None&lt;/result&gt;&amp;amp;&lt;!--; unknown: bob&lt;/result&gt;&lt;result&gt;None&lt;/result&gt;&amp;amp;&lt;!--2',
  );
});

test('controls in a user name are visible escapes; the answer is one line', () => {
  const s = hostileSnapshot(hostile('ansi-colour'));
  const ea = EAS.find((e) => e.name === 'securetoken-holders');
  assert.ok(ea);
  const answer = renderEa(ea.value(s));
  assert.equal(answer, '<result>Unknown (\\x1b[31;1mred\\x1b[0m2)</result>');
  assert.equal(renderEa(`a\nb\u0000c\u202e`), '<result>a\\x0ab\\x00c\\u202e</result>');
});

test('ordinary values are unchanged', () => {
  assert.equal(renderEa('Yes'), '<result>Yes</result>');
  assert.equal(renderEa('alice, bob; unknown: carol'), '<result>alice, bob; unknown: carol</result>');
  assert.equal(renderEa('2026-03-02 11:55:00'), '<result>2026-03-02 11:55:00</result>');
});
