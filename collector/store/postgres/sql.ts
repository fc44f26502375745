// One way to run a statement on PostgreSQL from the store: `sql.rows(text, values)` on whatever holds the
// connection (a unit of work's client). Every statement is prepared once per connection (a name derived
// from its text), and bigint and numeric values come back as numbers (instants are epoch milliseconds,
// counts are small; nothing the store keeps leaves JavaScript's safe integers).
import pg from 'pg';

/**
 * Work to do once the unit of work has committed, in a READ COMMITTED transaction of its own on the same
 * connection, before the unit's caller is answered; one per key and unit. It may fail without failing the
 * unit (what it keeps, the next unit keeps too).
 */
export type AfterCommit = (key: string, task: (sql: Sql) => Promise<void>) => void;

export interface Sql {
  rows<R>(text: string, values?: unknown[]): Promise<R[]>;
  /** The number of rows the statement wrote (or returned). */
  count(text: string, values?: unknown[]): Promise<number>;
}

const names = new Map<string, string>();
const nameOf = (text: string): string => {
  let name = names.get(text);
  if (name === undefined) {
    name = `tw${names.size}`;
    names.set(text, name);
  }
  return name;
};

/** A Sql over one client (a pooled connection held by a unit of work). */
export function sqlOn(client: pg.PoolClient | pg.Client): Sql {
  const run = (text: string, values: unknown[] = []) => client.query({ name: nameOf(text), text, values });
  return {
    async rows<R>(text: string, values?: unknown[]) {
      return (await run(text, values)).rows as R[];
    },
    async count(text: string, values?: unknown[]) {
      return (await run(text, values)).rowCount ?? 0;
    },
  };
}

const INT8 = 20;
const NUMERIC = 1700;

/** The pool's type parsers: int8 and numeric as numbers, the rest as pg parses them. */
export const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if ((oid === INT8 || oid === NUMERIC) && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** A body as bytea (pg sends a Buffer as binary). */
export const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
