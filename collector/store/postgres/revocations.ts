// Revocations across collectors: every store method that makes a device token stop working (revoke,
// issueToken at re-enrollment or rotation, retire, replace at an identity resolution) also notifies the
// `tokenwatch_auth` channel in its own unit of work, with the device ids as the payload. PostgreSQL delivers
// a notification when, and only when, its transaction commits, to every connection listening then. Each
// collector listens on a connection of its own (not the pool's) and forgets those devices' cached tokens;
// when that connection is lost, notifications may have been missed: the listener is told (forget every
// cached token) and the connection is made again, with a growing pause, until the store closes.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeviceStore, RevocationFeed, RevocationListener } from '../types.ts';
import type { Sql } from './sql.ts';

export const REVOCATION_CHANNEL = 'tokenwatch_auth';
/** The listening connection's application_name (what pg_stat_activity shows). */
export const LISTENER_NAME = 'tokenwatch-listen';

/** How often the listening connection is checked (a connection gone silently answers no notification). */
const CHECK_MS = 10_000;
const MAX_PAUSE_MS = 5_000;

/** `devices` whose token-changing methods also notify the channel, in the same unit. */
export function notifyingRevocations(devices: DeviceStore, sql: Sql): DeviceStore {
  const notify = async (ids: readonly number[]) => {
    if (ids.length > 0) await sql.rows(`SELECT pg_notify($1, $2)`, [REVOCATION_CHANNEL, ids.join(',')]);
  };
  return {
    ...devices,
    async issueToken(id, t) {
      await devices.issueToken(id, t);
      await notify([id]);
    },
    async revoke(id, at) {
      await devices.revoke(id, at);
      await notify([id]);
    },
    async retire(id, r) {
      await devices.retire(id, r);
      await notify([id]);
    },
    async replace(ids, d) {
      const made = await devices.replace(ids, d);
      await notify(ids);
      return made;
    },
  };
}

/** The device ids of a notification's payload ("12,40"); none when it is not one of ours. */
export function revokedIds(payload: string | undefined): number[] {
  if (payload === undefined || !/^\d+(,\d+)*$/.test(payload)) return [];
  return payload.split(',').map(Number);
}

export function revocationFeed(connection: pg.ClientConfig): RevocationFeed & { stopAll(): Promise<void> } {
  const stops = new Set<() => Promise<void>>();
  return {
    listen(listener: RevocationListener) {
      const stop = listen(connection, listener);
      const once = async () => {
        stops.delete(once);
        await stop();
      };
      stops.add(once);
      return once;
    },
    async stopAll() {
      await Promise.all([...stops].map((s) => s()));
    },
  };
}

function listen(connection: pg.ClientConfig, listener: RevocationListener): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | null = null;
  const abort = new AbortController();
  const loop = (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      const c = new pg.Client({
        ...connection,
        application_name: LISTENER_NAME,
        keepAlive: true,
        query_timeout: CHECK_MS / 2,
      });
      client = c;
      const gone = new Promise<string>((resolve) => {
        c.on('error', (e) => resolve(e.message));
        c.on('end', () => resolve('the connection ended'));
      });
      let why: string;
      try {
        await c.connect();
        c.on('notification', (n) => {
          if (n.channel !== REVOCATION_CHANNEL) return;
          const ids = revokedIds(n.payload);
          if (ids.length > 0) listener.revoked(ids);
        });
        await c.query(`LISTEN ${REVOCATION_CHANNEL}`);
        attempt = 0;
        listener.listening();
        why = await Promise.race([gone, watch(c, abort.signal)]);
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
      client = null;
      await c.end().catch(() => undefined);
      if (stopped) return;
      listener.lost(why);
      await sleep(Math.min(MAX_PAUSE_MS, 250 * 2 ** attempt), undefined, { signal: abort.signal }).catch(
        () => undefined,
      );
    }
  })();
  return async () => {
    stopped = true;
    abort.abort();
    await (client as pg.Client | null)?.end().catch(() => undefined);
    await loop;
  };
}

/** Resolves with why, once the connection stops answering a check (or never, once the store stops). */
async function watch(c: pg.Client, signal: AbortSignal): Promise<string> {
  for (;;) {
    try {
      await sleep(CHECK_MS, undefined, { signal });
    } catch {
      return new Promise<string>(() => undefined);
    }
    try {
      await c.query('SELECT 1');
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}
