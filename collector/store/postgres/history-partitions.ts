// snapshot_history's monthly partitions (UTC months of received_at, named snapshot_history_yYYYYmMM).
// A month gets its partition ahead of time: after a row is written, the next month's is made (and this
// month's, unless its rows already went to the default partition), in a transaction of its own on a
// connection of its own, never inside a unit of work. Retention drops whole months: the rows of a month
// before the cutoff that are still some device's current snapshot are first copied out (they land in the
// default partition, the month's range being uncovered once it is detached), then the month's table is
// dropped. What is left before the cutoff (the month the cutoff falls in, the default partition) is
// deleted row by row, so a cutoff means the same on both backends.
import type pg from 'pg';

const PARENT = 'snapshot_history';
/** Taken by whoever changes the partitions, so that collectors sharing the database take turns. */
const PARTITION_LOCK = 0x746f6b656e776174n + 1n;

export interface Month {
  name: string;
  from: number;
  to: number;
}

export function monthOf(at: number): Month {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    name: `${PARENT}_y${String(y).padStart(4, '0')}m${String(m + 1).padStart(2, '0')}`,
    from: Date.UTC(y, m, 1),
    to: Date.UTC(y, m + 1, 1),
  };
}

const NAME = /^snapshot_history_y(\d{4})m(\d{2})$/;

export function monthNamed(name: string): Month | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return monthOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

const CHECK_VIOLATION = '23514';
const code = (e: unknown) => (e as { code?: string } | null)?.code;

export class HistoryPartitions {
  readonly #pool: pg.Pool;
  /** Months that have their partition, or whose rows stay in the default partition. */
  readonly #settled = new Set<string>();
  #pending: Promise<void> = Promise.resolve();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** The partitions there are (by month), read from the catalogue. */
  async list(client?: pg.ClientBase): Promise<Month[]> {
    const q = client ?? this.#pool;
    const rows = (
      await q.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass`,
        [PARENT],
      )
    ).rows;
    return rows.map((r) => monthNamed(r.name)).filter((m): m is Month => m !== null);
  }

  /** A history row was written at `receivedAt`: make its month's and the next month's partitions. */
  written(receivedAt: number): void {
    const month = monthOf(receivedAt);
    const next = monthOf(month.to);
    for (const m of [month, next]) {
      if (this.#settled.has(m.name)) continue;
      this.#settled.add(m.name);
      this.#pending = this.#pending.then(async () => {
        try {
          await this.make(m);
        } catch {
          // Busy (a lock not had within the timeout) or the database gone: a later row tries again.
          this.#settled.delete(m.name);
        }
      });
    }
  }

  /** Wait for the partitions being made. */
  settled(): Promise<void> {
    return this.#pending;
  }

  /** Make the month's partition; false when its rows are already in the default partition (they stay). */
  async make(m: Month): Promise<boolean> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '2s'`);
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK.toString()]);
      if ((await this.list(client)).some((p) => p.name === m.name)) {
        await client.query('COMMIT');
        return true;
      }
      // Made apart and attached: ATTACH takes a weaker lock on the parent than CREATE ... PARTITION OF.
      await client.query(`CREATE TABLE ${m.name} (LIKE ${PARENT} INCLUDING DEFAULTS INCLUDING STORAGE)`);
      await client.query(
        `ALTER TABLE ${m.name} ADD CONSTRAINT ${m.name}_range CHECK (received_at >= ${m.from} AND received_at < ${m.to})`,
      );
      await client.query(
        `ALTER TABLE ${PARENT} ATTACH PARTITION ${m.name} FOR VALUES FROM (${m.from}) TO (${m.to})`,
      );
      await client.query(`ALTER TABLE ${m.name} DROP CONSTRAINT ${m.name}_range`);
      await client.query('COMMIT');
      return true;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (code(e) === CHECK_VIOLATION) return false;
      throw e;
    } finally {
      client.release();
    }
  }

  /**
   * Drop every month wholly before `before`, keeping its rows that are some device's current snapshot;
   * the number of rows that went.
   */
  async dropBefore(before: number): Promise<number> {
    let removed = 0;
    for (const m of await this.list()) {
      if (m.to > before) continue;
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = '5s'`);
        await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK.toString()]);
        if (!(await this.list(client)).some((p) => p.name === m.name)) {
          await client.query('COMMIT');
          continue;
        }
        await client.query(`ALTER TABLE ${PARENT} DETACH PARTITION ${m.name}`);
        const kept =
          (
            await client.query(
              `INSERT INTO ${PARENT} (seq, device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
               SELECT h.seq, h.device_id, h.snapshot_id, h.digest, h.collected_at, h.received_at, h.encoding, h.body
               FROM ${m.name} h JOIN devices d ON d.id = h.device_id AND d.snapshot_id = h.snapshot_id`,
            )
          ).rowCount ?? 0;
        const [all] = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${m.name}`)).rows;
        await client.query(`DROP TABLE ${m.name}`);
        await client.query('COMMIT');
        this.#settled.delete(m.name);
        removed += (all?.n ?? 0) - kept;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        // A lock not had in time: the month's old rows go row by row below instead.
        if (code(e) !== '55P03') throw e;
      } finally {
        client.release();
      }
    }
    return removed;
  }
}
