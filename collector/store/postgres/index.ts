// The PostgreSQL store: a connection pool; every unit of work (withTransaction, and each call outside one)
// is a SERIALIZABLE transaction run again on a serialization failure (units.ts), so several collectors can
// share the database. Migrations run at open under an advisory lock (migrate.ts) while the store says it
// is migrating; units wait for them. Nothing PostgreSQL-specific leaves this folder.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkSchema, migrate, SchemaMismatchError, SchemaTooNewError } from './migrate.ts';
import { postgresDevices } from './devices.ts';
import { postgresSnapshots } from './snapshots.ts';
import { postgresFindings } from './findings.ts';
import { postgresExemptions } from './exemptions.ts';
import { postgresEnrollments } from './enrollments.ts';
import { postgresIdentityConflicts } from './identity-conflicts.ts';
import { postgresFleet } from './fleet.ts';
import { postgresFleetAt } from './fleet-at.ts';
import { postgresIncidents } from './incidents.ts';
import { postgresAlertEvents, postgresDeliveries } from './alert-events.ts';
import { postgresAlertChannels } from './alert-channels.ts';
import { postgresJobs } from './jobs.ts';
import { HistoryPartitions } from './history-partitions.ts';
import { storeError } from './errors.ts';
import { TYPES } from './sql.ts';
import type { AfterCommit, Sql } from './sql.ts';
import { unitRunner } from './units.ts';
import { notifyingRevocations, revocationFeed } from './revocations.ts';
import type { PruneCutoffs, Repos, Store, StoreHealth, StoreOptions } from '../types.ts';
import { StoreBusyError } from '../types.ts';

export interface PostgresOptions extends StoreOptions {
  /** Connections at most in this collector's pool. */
  poolSize?: number;
  /** A statement running longer is cancelled (the unit fails with StoreBusyError). */
  statementTimeoutMs?: number;
  /**
   * Only read (tokenwatch report): every session is read-only (default_transaction_read_only, so nothing run
   * on it can write), no migration runs, the schema must be exactly this version's (checkSchema), and the
   * database is tried once: `migrated` rejects with the reason instead of waiting for it to answer.
   */
  readOnly?: boolean;
}

const CONNECT_TIMEOUT_MS = 5_000;

/** The store methods that only read (outside a unit they run in a READ ONLY transaction). */
const READERS = new Set([
  'devices.byId',
  'devices.bySerial',
  'devices.byHardwareUuid',
  'devices.byTokenHash',
  'devices.idsWithOpenFindings',
  'devices.facts',
  'devices.lastContactBetween',
  'snapshots.receipt',
  'snapshots.history',
  'snapshots.currentBody',
  'findings.open',
  'findings.openFor',
  'findings.recentlyResolved',
  'findings.graceEndedBetween',
  'findings.openAt',
  'exemptions.get',
  'exemptions.list',
  'exemptions.applicable',
  'enrollments.list',
  'identityConflicts.standing',
  'identityConflicts.get',
  'identityConflicts.list',
  'identityConflicts.countOpen',
  'incidents.forSerial',
  'incidents.get',
  'incidents.list',
  'incidents.countUnresolved',
  'incidents.dueReminders',
  'alertEvents.get',
  'alertEvents.unrouted',
  'alertEvents.list',
  'deliveries.get',
  'deliveries.list',
  'deliveries.attempts',
  'deliveries.stats',
  'alertChannels.list',
  'alertChannels.get',
  'alertChannels.marker',
  'jobs.get',
  'jobs.list',
]);

export { redactedUrl } from './url.ts';

export interface PostgresStore extends Store {
  /** Resolves once the schema is migrated (rejects if it cannot be: a schema newer than this collector). */
  readonly migrated: Promise<void>;
  /** Units run again after a serialization failure or deadlock since open. */
  readonly retries: number;
  /** Wait for partitions being made (tests). */
  partitionsSettled(): Promise<void>;
}

export function openPostgresStore(url: string, options: PostgresOptions = {}): PostgresStore {
  const statementTimeout = options.statementTimeoutMs ?? 10_000;
  const silenceOverMs = options.silenceOverMs;
  if (silenceOverMs !== undefined && (!Number.isSafeInteger(silenceOverMs) || silenceOverMs < 0))
    throw new RangeError(`silenceOverMs ${silenceOverMs} is no duration`);
  const readOnly = options.readOnly === true;
  const sessionSettings = [
    // The silences' trigger (migration 007) records a silence past this collector's stale age.
    ...(silenceOverMs !== undefined ? [`-c tokenwatch.silence_over_ms=${silenceOverMs}`] : []),
    ...(readOnly ? ['-c default_transaction_read_only=on'] : []),
  ];
  const pool = new pg.Pool({
    ...(sessionSettings.length > 0 ? { options: sessionSettings.join(' ') } : {}),
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: statementTimeout,
    idle_in_transaction_session_timeout: Math.max(60_000, statementTimeout * 2),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tokenwatch',
    types: TYPES,
  });
  let lastError: string | null = null;
  // An idle connection the server closed: the pool drops it; the next unit opens another.
  pool.on('error', (e) => {
    lastError = e.message;
  });
  // A checked-out connection the server closes between two statements (a restart, a failover, an admin's
  // pg_terminate_backend) emits its error on the client, which the pool listens to only while it is idle:
  // without this the error is uncaught and ends the process. The unit holding it fails its next statement
  // (503) and the pool drops it.
  pool.on('connect', (client) =>
    client.on('error', (e) => {
      lastError = e.message;
    }),
  );
  const partitions = new HistoryPartitions(pool);
  const revocations = revocationFeed({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  const repos = (sql: Sql, after: AfterCommit): Repos => ({
    devices: notifyingRevocations(postgresDevices(sql), sql),
    snapshots: postgresSnapshots(sql, (at) => partitions.written(at)),
    findings: postgresFindings(sql),
    exemptions: postgresExemptions(sql),
    enrollments: postgresEnrollments(sql, after, options.auditMaxRows),
    identityConflicts: postgresIdentityConflicts(sql),
    incidents: postgresIncidents(sql),
    alertEvents: postgresAlertEvents(sql),
    deliveries: postgresDeliveries(sql),
    alertChannels: postgresAlertChannels(sql),
    jobs: postgresJobs(sql),
    fleet: { ...postgresFleet(sql), ...postgresFleetAt(sql) },
  });

  let closing = false;
  let closed: Promise<void> | undefined;
  let state: 'migrating' | 'ready' | 'failed' = 'migrating';
  let migrationProblem: string | null = null;
  const migrated = (async () => {
    // Until the database answers: a collector may start before its database does.
    for (let attempt = 1; ; attempt++) {
      if (closing) throw new StoreBusyError('the store was closed before it was migrated');
      try {
        const client = await pool.connect();
        try {
          await (readOnly ? checkSchema(client) : migrate(client));
        } finally {
          client.release();
        }
        state = 'ready';
        migrationProblem = null;
        return;
      } catch (e) {
        migrationProblem = e instanceof Error ? e.message : String(e);
        if (
          readOnly ||
          e instanceof SchemaTooNewError ||
          e instanceof SchemaMismatchError ||
          !(storeError(e) instanceof StoreBusyError)
        ) {
          state = 'failed';
          throw e;
        }
        await sleep(Math.min(5_000, 100 * 2 ** attempt), undefined, { ref: false });
      }
    }
  })();
  migrated.catch(() => undefined);

  const ready = async (): Promise<void> => {
    if (state === 'ready') return;
    if (state === 'failed') throw new Error(`the database cannot be used: ${migrationProblem}`);
    const timeout = sleep(statementTimeout, undefined, { ref: false }).then(() => {
      throw new StoreBusyError(`the database is not ready: migrating (${migrationProblem ?? 'in progress'})`);
    });
    await Promise.race([migrated, timeout]);
  };
  const units = unitRunner(pool, repos, ready);

  /**
   * Each method, outside a unit, runs as a unit of its own: a read-only one for the methods that only read
   * (named here; any other method, a new one included, runs read-write).
   */
  function alone<K extends keyof Repos>(key: K): Repos[K] {
    const shape = repos({ rows: async () => [], count: async () => 0 }, () => undefined)[key] as object;
    const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const name of Object.keys(shape))
      out[name] = (...args: unknown[]) =>
        units.run(
          async (tx) => {
            const method = (tx[key] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
              name
            ];
            return method?.(...args);
          },
          key === 'fleet' || READERS.has(`${key}.${name}`),
        );
    return out as unknown as Repos[K];
  }

  const maintenance = async <T>(fn: () => Promise<T>): Promise<T> => {
    await ready();
    try {
      return await fn();
    } catch (e) {
      throw storeError(e);
    }
  };

  return {
    devices: alone('devices'),
    snapshots: alone('snapshots'),
    findings: alone('findings'),
    exemptions: alone('exemptions'),
    enrollments: alone('enrollments'),
    identityConflicts: alone('identityConflicts'),
    incidents: alone('incidents'),
    alertEvents: alone('alertEvents'),
    deliveries: alone('deliveries'),
    alertChannels: alone('alertChannels'),
    jobs: alone('jobs'),
    fleet: alone('fleet'),
    migrated,
    get retries() {
      return units.retries;
    },
    partitionsSettled: () => partitions.settled(),
    revocations: { listen: (listener) => revocations.listen(listener) },
    withTransaction: (fn) => units.run(fn),
    prune: (c: PruneCutoffs) =>
      maintenance(async () => {
        // Whole months first, then what is left before each cutoff, row by row.
        const dropped = await partitions.dropBefore(c.historyBefore);
        // The state history answers for instants from the cutoff on: entries and silences that ended before
        // it go, and the horizon moves when any did.
        await pool.query(
          `WITH states AS (DELETE FROM device_states WHERE until IS NOT NULL AND until < $1 RETURNING 1),
             silences AS (DELETE FROM device_silences WHERE until < $1 RETURNING 1)
           UPDATE history_horizon SET kept_since = greatest(coalesce(kept_since, $1), $1)
           WHERE id = 1 AND (EXISTS (SELECT 1 FROM states) OR EXISTS (SELECT 1 FROM silences))`,
          [c.historyBefore],
        );
        const rows = await pool.query<{ history: number; receipts: number; audit: number }>(
          `WITH history AS (
             DELETE FROM snapshot_history h WHERE h.received_at < $1
               AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = h.device_id AND d.snapshot_id = h.snapshot_id)
             RETURNING 1),
           receipts AS (DELETE FROM snapshot_receipts WHERE received_at < $2 RETURNING 1),
           audit AS (DELETE FROM enrollment_audit WHERE last_at < $3 RETURNING 1)
           SELECT (SELECT count(*) FROM history) AS history, (SELECT count(*) FROM receipts) AS receipts,
             (SELECT count(*) FROM audit) AS audit`,
          [c.historyBefore, c.receiptsBefore, c.auditBefore],
        );
        const r = rows.rows[0] as { history: number; receipts: number; audit: number };
        return { history: dropped + r.history, receipts: r.receipts, audit: r.audit };
      }),
    async health(): Promise<StoreHealth> {
      const backend = 'postgresql';
      if (state === 'migrating')
        return { backend, state: 'migrating', detail: migrationProblem ?? 'applying migrations' };
      if (state === 'failed')
        return { backend, state: 'failed', detail: migrationProblem ?? 'migration failed' };
      try {
        await pool.query('SELECT 1');
        lastError = null;
        return { backend, state: 'ready', detail: null };
      } catch (e) {
        return {
          backend,
          state: 'unreachable',
          detail: e instanceof Error ? e.message : (lastError ?? String(e)),
        };
      }
    },
    close() {
      closing = true;
      closed ??= (async () => {
        await migrated.catch(() => undefined);
        await revocations.stopAll();
        await partitions.settled();
        await pool.end();
      })();
      return closed;
    },
  };
}
