// Units of work on PostgreSQL: each unit (withTransaction, and each store call outside one) is one
// SERIALIZABLE transaction on a pooled connection, so units running side by side, in this collector or in
// another one on the same database, behave as if they ran one after the other, as they do on SQLite's one
// writer. A unit that loses a serialization race or a deadlock is rolled back and run again from the start
// (its function is a function of what it reads through `tx`), a few times with a growing random pause,
// then answered with StoreBusyError. A unit that throws is undone; its transaction is still committed
// empty (rolled back to a savepoint taken at its start) so that what it read is known to be consistent
// before its error is believed, and a serialization failure there runs it again too.
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Repos } from '../types.ts';
import { StoreBusyError } from '../types.ts';
import { retryable, storeError } from './errors.ts';
import { sqlOn } from './sql.ts';
import type { Sql } from './sql.ts';

const MAX_ATTEMPTS = 12;

export interface UnitRunner {
  run<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** How many units ran again after a serialization failure or deadlock (for metrics and tests). */
  readonly retries: number;
}

export function unitRunner(
  pool: pg.Pool,
  repos: (sql: Sql) => Repos,
  ready: () => Promise<void>,
): UnitRunner {
  let retries = 0;
  const runner: UnitRunner = {
    get retries() {
      return retries;
    },
    async run<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      await ready();
      for (let attempt = 1; ; attempt++) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (e) {
          // No connection (refused, timed out, the database or role gone): nothing was done; 503 it is.
          const why = e instanceof Error ? e.message : String(e);
          throw new StoreBusyError(`the database is unreachable: ${why}`, { cause: e });
        }
        let broken: Error | undefined;
        try {
          await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE; SAVEPOINT unit');
          let value: T;
          try {
            value = await fn(repos(sqlOn(client)));
          } catch (e) {
            if (retryable(e)) throw e;
            // Undo the unit's writes, then commit: a serialization failure means it read an inconsistent state.
            await client.query('ROLLBACK TO SAVEPOINT unit; COMMIT');
            throw new UnitFailed(e);
          }
          const r = await client.query('COMMIT');
          // COMMIT of a transaction a failed statement aborted answers ROLLBACK (the unit swallowed the error).
          if (r.command === 'ROLLBACK')
            throw new Error('the unit of work was rolled back by a failed statement');
          return value;
        } catch (e) {
          if (e instanceof UnitFailed) throw storeError(e.cause);
          await client.query('ROLLBACK').catch((err: unknown) => {
            broken = err instanceof Error ? err : new Error(String(err));
          });
          if (retryable(e) && attempt < MAX_ATTEMPTS) {
            retries++;
            await sleep(Math.random() * Math.min(200, 2 ** attempt));
            continue;
          }
          const mapped = storeError(e);
          if (retryable(e) && !(mapped instanceof StoreBusyError))
            throw new StoreBusyError('the database is busy: units kept conflicting', { cause: e });
          throw mapped;
        } finally {
          client.release(broken);
        }
      }
    },
  };
  return runner;
}

/** The unit's own error, rethrown as it was once its transaction is closed. */
class UnitFailed extends Error {
  constructor(cause: unknown) {
    super('unit failed', { cause });
  }
}
