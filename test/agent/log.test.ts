// The agent's log lines: JSON with an ISO 8601 time from the agent's clock and the level's name, secrets
// redacted by key at any depth the agent logs, and the Mac's text in messages and fields with no raw
// control, bidi or invisible character (pino writes DEL, C1 and bidi raw, like JSON.stringify), parsing
// back the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../agent/log.ts';
import { HOSTILE, assertNoUnsafe } from '../helpers/hostile-strings.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

test('each line carries an ISO 8601 time from the clock it is given and the level by name', () => {
  const { lines, stream } = capture();
  const log = createLogger({
    level: 'debug',
    file: null,
    stream,
    clock: () => new Date('2026-03-02T12:00:00.000Z'),
  });
  log.info({ snapshot: 'abc' }, 'collected');
  log.warn('upload stopped');
  log.debug('splay');
  assert.deepEqual(
    lines.map((l) => [l['time'], l['level'], l['msg']]),
    [
      ['2026-03-02T12:00:00.000Z', 'info', 'collected'],
      ['2026-03-02T12:00:00.000Z', 'warn', 'upload stopped'],
      ['2026-03-02T12:00:00.000Z', 'debug', 'splay'],
    ],
  );
  assert.equal(lines[0]?.['name'], 'tokenwatch-agent');
});

test('secrets are redacted wherever they are logged', () => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'info', file: null, stream });
  log.info(
    {
      deviceToken: 'twd_secret',
      nested: { enrollSecret: 'enroll-secret' },
      headers: { authorization: 'Bearer x' },
    },
    'request',
  );
  const text = JSON.stringify(lines);
  for (const secret of ['twd_secret', 'enroll-secret', 'Bearer x']) assert.ok(!text.includes(secret), secret);
  assert.match(String(lines[0]?.['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

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
