// A write and its answer as ONE unit of work: the answer is built and serialised with the route's response
// schema inside the unit that writes, so an answer that cannot be written rolls the write back. A 5xx never
// follows a committed write, and a committed write is always answered.
import type { FastifyReply } from 'fastify';
import type { Repos, Store } from '../store/types.ts';

/** Run `unit` in one unit of work and return its answer as the JSON text to send with `status`. */
export async function answerInUnit(
  store: Store,
  reply: FastifyReply,
  status: number,
  unit: (tx: Repos) => Promise<unknown>,
): Promise<string> {
  reply.code(status);
  const text = await store.withTransaction(async (tx) => reply.serialize(await unit(tx)) as string);
  reply.type('application/json; charset=utf-8');
  return text;
}
