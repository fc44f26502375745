// A real HTTP receiver for alert tests: records every request (headers, body, when) and answers as the
// test says: a status with headers and body, after a delay, or never (a stall, until the test moves on or
// closes it). It counts requests in flight and their peak.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** performance.now() when it arrived. */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** Never answer (until the receiver closes or release() is called). */
  stall?: boolean;
}

export type Behaviour = (req: Received, n: number) => Answer;

export interface Receiver {
  url: string;
  received: Received[];
  /** Change how it answers from now on. */
  behave(b: Behaviour): void;
  /** Resolve with the requests once `n` have arrived (or reject after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  /** Answer the stalled requests now with `a`. */
  release(a: Answer): void;
  inflight(): number;
  peak(): number;
  close(): Promise<void>;
}

export const ok: Behaviour = () => ({ status: 200, body: 'ok' });

export async function startReceiver(initial: Behaviour = ok): Promise<Receiver> {
  let behaviour = initial;
  const received: Received[] = [];
  const waiters: { n: number; resolve: (r: Received[]) => void }[] = [];
  const stalled: http.ServerResponse[] = [];
  let inflight = 0;
  let peak = 0;
  const answer = (res: http.ServerResponse, a: Answer) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(a.status, { 'content-type': 'text/plain', ...(a.headers ?? {}) });
    res.end(a.body ?? '');
  };
  const server = http.createServer((req, res) => {
    inflight++;
    peak = Math.max(peak, inflight);
    res.on('close', () => inflight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      received.push(r);
      for (const w of waiters.filter((x) => received.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve([...received]);
      }
      const a = behaviour(r, received.length);
      if (a.stall) stalled.push(res);
      else if (a.delayMs) setTimeout(() => answer(res, a), a.delayMs);
      else answer(res, a);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    behave: (b) => {
      behaviour = b;
    },
    waitFor(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve([...received]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`receiver: ${received.length} of ${n} requests after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: (r) => {
            clearTimeout(t);
            resolve(r);
          },
        });
      });
    },
    release(a) {
      for (const res of stalled.splice(0)) answer(res, a);
    },
    inflight: () => inflight,
    peak: () => peak,
    async close() {
      for (const res of stalled.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
