// PostgreSQL's errors, read by their SQLSTATE codes. A unit of work that lost a serialization race or a
// deadlock is run again (units.ts); what says the database cannot take work now (a statement or lock
// timeout, too many connections, a server shutting down or unreachable) leaves this folder as the store's
// own StoreBusyError; any other error leaves as it is.
import { StoreBusyError } from '../types.ts';

const code = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

/**
 * serialization_failure, deadlock_detected: the unit may simply run again. So may a history row routed to
 * the default partition while another connection attached its month's partition (history-partitions.ts):
 * the unit saw the partitions as they were when it began, and the default partition's constraint, already
 * the new one, refuses the row (check_violation on snapshot_history_default); run again, it goes to the month.
 */
export const retryable = (e: unknown): boolean =>
  code(e) === '40001' ||
  code(e) === '40P01' ||
  (code(e) === '23514' && (e as { table?: unknown }).table === 'snapshot_history_default');

const BUSY: Record<string, string> = {
  '40001': 'a serialization conflict persisted',
  '40P01': 'a deadlock persisted',
  '57014': 'a statement ran past the statement timeout',
  '55P03': 'a lock was not available',
  '53300': 'the server has too many connections',
  '57P01': 'the server is shutting down',
  '57P02': 'the server is shutting down',
  '57P03': 'the server is starting up',
  '08000': 'the connection failed',
  '08003': 'the connection is gone',
  '08006': 'the connection failed',
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the server is unreachable',
  ENOTFOUND: 'the server name does not resolve',
  EPIPE: 'the connection is gone',
};

const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function storeError(e: unknown): unknown {
  if (e instanceof StoreBusyError) return e;
  const c = code(e);
  const why =
    c !== undefined
      ? BUSY[c]
      : e instanceof Error && CONNECTION_LOST.test(e.message)
        ? 'the connection is gone'
        : undefined;
  if (why === undefined) return e;
  return new StoreBusyError(`the database is busy: ${why} (${e instanceof Error ? e.message : String(e)})`, {
    cause: e,
  });
}
