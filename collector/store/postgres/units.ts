// Units of work on PostgreSQL: each unit (withTransaction, and each store call outside one) is one
// SERIALIZABLE transaction on a pooled connection, so units running side by side, in this collector or in
// another one on the same database, behave as if they ran one after the other, as they do on SQLite's one
// writer. A unit that loses a serialization race or a deadlock is rolled back and run again from the start
// (its function is a function of what it reads through `tx`), a few times with a growing random pause,
// then answered with StoreBusyError. A unit that throws is undone; its transaction is still committed
// empty (rolled back to a savepoint taken at its start) so that what it read is known to be consistent
// before its error is believed, and a serialization failure there runs it again too. Work a unit leaves
// for after its commit (AfterCommit: the enrollment audit's cap) runs then, before the caller is answered.
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Repos } from '../types.ts';
import { StoreBusyError } from '../types.ts';
import { retryable, storeError } from './errors.ts';
import { sqlOn } from './sql.ts';
import type { AfterCommit, Sql } from './sql.ts';

/**
 * Attempts before StoreBusyError, and the cap of the random pause between them (ms): a burst of units on
 * the same few index pages (enrollments into a small table) takes turns rather than failing.
 */
const MAX_ATTEMPTS = 30;
const MAX_PAUSE_MS = 250;

export interface UnitRunner {
  /** `readOnly`: the unit only reads (PostgreSQL then keeps fewer predicate locks for it). */
  run<T>(fn: (tx: Repos) => Promise<T>, readOnly?: boolean): Promise<T>;
  /** How many units ran again after a serialization failure or deadlock (for metrics and tests). */
  readonly retries: number;
}

export function unitRunner(
  pool: pg.Pool,
  repos: (sql: Sql, after: AfterCommit) => Repos,
  ready: () => Promise<void>,
): UnitRunner {
  let retries = 0;
  const runner: UnitRunner = {
    get retries() {
      return retries;
    },
    async run<T>(fn: (tx: Repos) => Promise<T>, readOnly = false): Promise<T> {
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
        const tasks = new Map<string, (sql: Sql) => Promise<void>>();
        const after: AfterCommit = (key, task) => void tasks.set(key, task);
        try {
          await client.query(
            readOnly
              ? 'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY; SAVEPOINT unit'
              : 'BEGIN ISOLATION LEVEL SERIALIZABLE; SAVEPOINT unit',
          );
          let value: T;
          try {
            value = await fn(repos(sqlOn(client), after));
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
          for (const task of tasks.values()) {
            try {
              await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
              await task(sqlOn(client));
              await client.query('COMMIT');
            } catch {
              // The unit is committed and stays so; the next unit's task does the same work.
              await client.query('ROLLBACK').catch((err: unknown) => {
                broken = err instanceof Error ? err : new Error(String(err));
              });
            }
          }
          return value;
        } catch (e) {
          if (e instanceof UnitFailed) throw storeError(e.cause);
          await client.query('ROLLBACK').catch((err: unknown) => {
            broken = err instanceof Error ? err : new Error(String(err));
          });
          if (retryable(e) && attempt < MAX_ATTEMPTS) {
            retries++;
            await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
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
