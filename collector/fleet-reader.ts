// The dashboard's background reads of a SQLite database, off the event loop: a worker thread with its own
// read-only connection (store/sqlite/read-only.ts) answers the read model's summary and trend. Over SQLite a
// query is synchronous: the summary is about 0.35 s over 1,000,000 devices and a trend day about as much,
// and read on the main thread they held every request (the first visits after a start waited seconds while
// the trend's 30 days were read). The worker starts at the first read, answers one read at a time in the
// order asked, and stops at close (a read in progress is answered first). A worker that died fails the reads
// asked of it; the next read starts another. PostgreSQL stores need none of this (their queries do not hold
// the event loop): main.ts uses the read model in process for them.
import { Worker } from 'node:worker_threads';
import type { RuleConfig } from './rules/index.ts';
import type { Summary, Trend } from './services/views.ts';

export interface FleetReader {
  summary(now: Date): Promise<Summary>;
  trend(range: { from: Date; to: Date }, now: Date): Promise<Trend>;
  /** Stop the worker once the reads asked are answered. */
  close(): Promise<void>;
}

type FleetRead = { type: 'summary'; now: number } | { type: 'trend'; from: number; to: number; now: number };
export type FleetReadRequest = FleetRead & { id: number };
export type FleetReadAnswer =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export function fleetReaderThread(path: string, rules: RuleConfig): FleetReader {
  let worker: Worker | null = null;
  let next = 1;
  let closed = false;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const failAll = (why: string) => {
    for (const w of waiting.values()) w.reject(new Error(why));
    waiting.clear();
  };
  const started = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./fleet-reader-thread.ts', import.meta.url), {
      workerData: { path, rules },
    });
    // The thread never keeps the process alive by itself: close() stops it.
    w.unref();
    w.on('message', (m: FleetReadAnswer) => {
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.message));
    });
    w.on('error', (e) => failAll(`the fleet reader thread failed: ${e.message}`));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(`the fleet reader thread exited (${code})`);
    });
    worker = w;
    return w;
  };
  const asked = new Set<Promise<unknown>>();
  const ask = <T>(request: FleetRead): Promise<T> => {
    if (closed) return Promise.reject(new Error('the fleet reader is closed'));
    const id = next++;
    const p = new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      started().postMessage({ ...request, id });
    });
    asked.add(p);
    void p.finally(() => asked.delete(p)).catch(() => {});
    return p;
  };
  return {
    summary: (now) => ask<Summary>({ type: 'summary', now: now.getTime() }),
    trend: (range, now) =>
      ask<Trend>({ type: 'trend', from: range.from.getTime(), to: range.to.getTime(), now: now.getTime() }),
    async close() {
      closed = true;
      const w = worker;
      if (!w) return;
      await Promise.allSettled(asked);
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'stop' });
      await exited;
    },
  };
}
