// The fan-out benchmark's receiver, in its own process: answers every POST 200 after DELAY_MS, counts the
// requests in flight (and their peak) and each webhook-id it got. Prints {"url"} when listening; on a
// "report" line on stdin prints {"received","distinct","peak","firstAt","lastAt"} (performance.now() of
// this process is not shared: the times are milliseconds since it started listening).
//   node bench/alert-receiver.ts DELAY_MS
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const delay = Number(process.argv[2] ?? '50');
const ids = new Map<string, number>();
let received = 0;
let inflight = 0;
let peak = 0;
let started = 0;
let lastAt = 0;
const server = http.createServer((req, res) => {
  inflight++;
  peak = Math.max(peak, inflight);
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['webhook-id'] ?? '');
    setTimeout(() => {
      received++;
      ids.set(id, (ids.get(id) ?? 0) + 1);
      lastAt = performance.now() - started;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      inflight--;
    }, delay);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  started = performance.now();
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/hook` })}\n`);
});
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'report')
    process.stdout.write(`${JSON.stringify({ received, distinct: ids.size, peak, lastAt })}\n`);
}
server.close();
