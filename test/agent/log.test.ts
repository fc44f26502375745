// The agent's JSON log lines: the Mac's text in messages and fields keeps no raw control, bidi or
// invisible character (pino writes DEL, C1 and bidi raw, like JSON.stringify), and parses back the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../agent/log.ts';
import { HOSTILE, assertNoUnsafe } from '../helpers/hostile-strings.ts';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

test('hostile text in a message and a field: escaped in the line, the same values when parsed', () => {
  for (const h of HOSTILE) {
    const out = sink();
    const log = createLogger({ level: 'info', file: null, stream: out.stream });
    log.warn({ source: h.text, nested: { user: h.text } }, h.text);
    const text = out.text();
    assertNoUnsafe(text, h.id);
    assert.equal(text.split('\n').length, 2, `${h.id}: one line`);
    const line = JSON.parse(text) as { msg: string; source: string; nested: { user: string } };
    assert.equal(line.msg, h.text, h.id);
    assert.equal(line.source, h.text, h.id);
    assert.equal(line.nested.user, h.text, h.id);
  }
});

test('secrets are still redacted by key', () => {
  const out = sink();
  createLogger({ level: 'info', file: null, stream: out.stream }).info(
    { deviceToken: 'tok-123', headers: { authorization: 'Bearer x' } },
    'sent',
  );
  assert.doesNotMatch(out.text(), /tok-123|Bearer x/);
});
