// WAL checkpoints off the request thread. SQLite's automatic checkpoint runs inside the COMMIT that
// crosses the threshold, on the connection that commits: with better-sqlite3 that is the event loop,
// blocked while pages are copied and the database file is fsynced (about 50 ms every second or so under
// load: the ingest p99). A worker thread with its own connection runs PASSIVE checkpoints on a timer
// instead; the main connection's automatic checkpoint stays as a safety net at a much higher threshold, and
// comes back to SQLite's default if the worker fails.
import { Worker } from 'node:worker_threads';
import type { Db } from './open.ts';

export const CHECKPOINT_INTERVAL_MS = 200;
/** The main connection's own threshold (pages) while the worker runs: only reached if the worker lags. */
export const SAFETY_NET_PAGES = 50_000;
const SQLITE_DEFAULT_PAGES = 1000;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  /** Run a checkpoint now and answer its outcome (for tests). */
  checkpointNow(): Promise<CheckpointResult>;
  /** Stop the worker and close its connection (before the main connection closes). */
  stop(): Promise<void>;
}

type Message = ({ type: 'checkpoint' } & CheckpointResult) | { type: 'error'; message: string };

export function startCheckpointer(db: Db, path: string, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), {
    workerData: { path, intervalMs },
  });
  worker.unref();
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  const waiting: ((m: Message) => void)[] = [];
  let alive = true;
  // Stopped or failed: the main connection checkpoints by itself again.
  const ended = () => {
    alive = false;
    for (const w of waiting.splice(0)) w({ type: 'error', message: 'the checkpoint worker stopped' });
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
  };
  worker.on('message', (m: Message) => waiting.shift()?.(m));
  worker.on('error', ended);
  worker.on('exit', ended);
  return {
    checkpointNow() {
      return new Promise((resolve, reject) => {
        if (!alive) {
          reject(new Error('the checkpoint worker is not running'));
          return;
        }
        waiting.push((m) => (m.type === 'checkpoint' ? resolve(m) : reject(new Error(m.message))));
        worker.postMessage('checkpoint');
      });
    },
    async stop() {
      if (!alive) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Unreferenced, the worker does not keep the process alive; while it stops, it must.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
