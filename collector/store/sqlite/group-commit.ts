// Group commit for one SQLite connection. Units of work (async functions over the repos) queue up; each
// batch of consecutive units runs in ONE SQLite transaction, each unit inside its own SAVEPOINT, so a unit
// that throws is rolled back alone and the others still commit. A unit's promise settles only after its
// batch's COMMIT: nothing is acknowledged before it is committed. Units run one at a time, so their awaits
// never interleave on the connection. Exclusive tasks (maintenance, close) run between batches. A batch of
// one unit (the usual case below saturation) needs no savepoint: if it throws, the whole transaction is
// rolled back, which is the same thing, and SQLite copies no pages into a savepoint's sub-journal. A busy or
// locked database rejects the unit with the store's StoreBusyError (busy.ts).
import type { Db } from './open.ts';
import type { Repos } from '../types.ts';
import { storeError } from './busy.ts';

interface Unit {
  fn?: (tx: Repos) => Promise<unknown>;
  exclusive?: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 512;

export class GroupCommit {
  readonly #db: Db;
  readonly #repos: Repos;
  #queue: Unit[] = [];
  #running = false;
  readonly #stmts;

  constructor(db: Db, repos: Repos) {
    this.#db = db;
    this.#repos = repos;
    this.#stmts = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT unit'),
      release: db.prepare('RELEASE unit'),
      rollbackTo: db.prepare('ROLLBACK TO unit'),
    };
  }

  run<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    return this.#enqueue({ fn });
  }

  /** Run fn with the connection to itself (no transaction of ours open). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#enqueue({ exclusive: fn });
  }

  #enqueue<T>(u: Pick<Unit, 'fn' | 'exclusive'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        ...u,
        resolve: resolve as (v: unknown) => void,
        reject: (e) => reject(storeError(e)),
      });
      if (!this.#running) {
        this.#running = true;
        // Start after this turn's I/O callbacks: requests read in the same poll phase join one batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Unit;
      if (head.exclusive) {
        this.#queue.shift();
        try {
          head.resolve(await head.exclusive());
        } catch (e) {
          head.reject(e);
        }
        continue;
      }
      const batch: Unit[] = [];
      while (this.#queue.length > 0 && !(this.#queue[0] as Unit).exclusive && batch.length < MAX_BATCH) {
        batch.push(this.#queue.shift() as Unit);
      }
      await this.#runBatch(batch);
    }
    this.#running = false;
  }

  async #runBatch(batch: Unit[]): Promise<void> {
    const s = this.#stmts;
    try {
      s.begin.run();
    } catch (e) {
      for (const u of batch) u.reject(e);
      return;
    }
    if (batch.length === 1) {
      await this.#runAlone(batch[0] as Unit);
      return;
    }
    const results: { ok: boolean; value: unknown }[] = [];
    for (const unit of batch) {
      s.savepoint.run();
      try {
        const value = await (unit.fn as (tx: Repos) => Promise<unknown>)(this.#repos);
        s.release.run();
        results.push({ ok: true, value });
      } catch (e) {
        try {
          s.rollbackTo.run();
          s.release.run();
        } catch {
          // The transaction is gone (e.g. SQLite rolled it back itself): the commit below fails for all.
        }
        results.push({ ok: false, value: e });
      }
    }
    try {
      s.commit.run();
    } catch (e) {
      if (this.#db.inTransaction) s.rollback.run();
      for (const u of batch) u.reject(e);
      return;
    }
    batch.forEach((u, i) => {
      const r = results[i] as { ok: boolean; value: unknown };
      if (r.ok) u.resolve(r.value);
      else u.reject(r.value);
    });
  }

  /** The only unit of its transaction (opened by the caller): commit it, or roll everything back. */
  async #runAlone(unit: Unit): Promise<void> {
    const s = this.#stmts;
    let value: unknown;
    try {
      value = await (unit.fn as (tx: Repos) => Promise<unknown>)(this.#repos);
    } catch (e) {
      if (this.#db.inTransaction) s.rollback.run();
      unit.reject(e);
      return;
    }
    try {
      s.commit.run();
    } catch (e) {
      if (this.#db.inTransaction) s.rollback.run();
      unit.reject(e);
      return;
    }
    unit.resolve(value);
  }
}
