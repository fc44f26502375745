// The WAL checkpointer's thread (see checkpointer.ts): its own connection to the database, a PASSIVE
// checkpoint every `intervalMs` (copies committed pages into the database file and fsyncs it, never waits
// for or blocks the writer), until the parent posts 'stop'. On 'checkpoint' it runs one at once and answers
// its outcome. A failed timed checkpoint is retried at the next tick (the parent's safety net covers a
// worker that keeps failing).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Options {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as Options;
const port = parentPort;
if (!port) throw new Error('checkpoint-worker.ts runs as a worker thread');

const db = new Database(path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
// A checkpoint this connection starts itself is the only one it should do: it never writes.
db.pragma('wal_autocheckpoint = 0');

const checkpoint = () =>
  (db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[])[0];

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch {
    // Retried at the next tick.
  }
}, intervalMs);
port.on('message', (m: unknown) => {
  if (m === 'checkpoint') {
    try {
      port.postMessage({ type: 'checkpoint', ...checkpoint() });
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error).message });
    }
  }
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
