// answerInUnit: the write and its answer are one unit of work. An answer the route's response schema cannot
// write makes the request fail AND rolls the write back (the old order, commit then serialise, answered 500
// with the row committed); a good answer is sent as serialised inside the unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';
import { answerInUnit } from '../../../collector/http/answer.ts';

test('an answer that cannot be serialised rolls its write back; a good one is committed and sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-answer-'));
  const store = openSqliteStore(join(dir, 'a.db'));
  const app = Fastify();
  app.post<{ Body: { at: string } }>(
    '/audit',
    {
      schema: {
        response: {
          201: {
            type: 'object',
            properties: { at: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] } },
          },
        },
      },
    },
    async (req, reply) =>
      answerInUnit(store, reply, 201, async (tx) => {
        await tx.enrollments.record({
          at: 1,
          serial: 'S1',
          hardwareUuid: null,
          outcome: 'revoked',
          remoteAddress: null,
          detail: req.body.at,
        });
        return { at: req.body.at };
      }),
  );
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const post = (at: string) =>
      fetch(`${url}/audit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ at }),
      });
    const rows = async () => (await store.enrollments.list({ limit: 10 })).length;
    const ok = await post('2026-03-02T12:00:00.000Z');
    assert.equal(ok.status, 201);
    assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await ok.json(), { at: '2026-03-02T12:00:00.000Z' });
    assert.equal(await rows(), 1);
    const bad = await post('+010000-01-01T00:00:00.000Z');
    assert.equal(bad.status, 500);
    assert.equal(await rows(), 1, 'the write of a failed answer is rolled back');
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
