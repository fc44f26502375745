// The collector under load, in its own process: the real app (buildApp, exactly what startCollector in
// collector/main.ts wires and listens) on a temporary SQLite file (or a PostgreSQL database), plus one extra route, POST /noop, that
// answers {ok:true} after the same content-type parser, hooks and body limit: the baseline the ingest
// targets are compared with. startCollector itself builds and listens in one call, so a route cannot be
// added to it; this file repeats its three steps (open the store, buildApp, listen) and skips the
// retention jobs, which do nothing on a fresh database.
//
//   node bench/server.ts (--db FILE | --database-url postgres://...) [--port 0]
//
// Prints one JSON line {"url": ...} when listening. Exits when its stdin closes (the parent died or is
// done), on SIGTERM/SIGINT, or after --max-seconds (default 600) whatever happens.
import { parseArgs } from 'node:util';
import { buildApp } from '../collector/app.ts';
import { loadConfig } from '../collector/config.ts';
import { openConfiguredStore } from '../collector/store/open.ts';
import { systemClock } from '../collector/clock.ts';
import { createLogger } from '../collector/log.ts';
import { BENCH_ADMIN_TOKEN, BENCH_ENROLL_SECRET } from './lib.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    'database-url': { type: 'string' },
    port: { type: 'string', default: '0' },
    'max-seconds': { type: 'string', default: '600' },
  },
});
if (!values.db && !values['database-url']) throw new Error('--db FILE or --database-url URL is required');

const { config } = loadConfig({
  env: {},
  flags: {
    ...(values.db ? { db: values.db } : {}),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    host: '127.0.0.1',
    port: values.port,
    adminToken: BENCH_ADMIN_TOKEN,
    enrollSecret: BENCH_ENROLL_SECRET,
    logLevel: 'warn',
  },
});
const logger = createLogger(config.logLevel);
const opened = openConfiguredStore(config);
if (!opened) throw new Error('no store');
const store = opened;
const app = await buildApp({ store, config, clock: systemClock, logger });
app.post('/noop', async () => ({ ok: true }));
// The PostgreSQL store's count of units run again after a serialization failure or deadlock (null on SQLite).
app.get('/bench/retries', async () => ({ retries: (store as { retries?: number }).retries ?? null }));
await app.listen({ host: config.host, port: config.port });
const port = (app.server.address() as { port: number }).port;

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 5000);
  force.unref();
  try {
    await app.close();
    await store.close();
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.on('error', () => void stop(0));
process.stdin.resume();
setTimeout(() => void stop(2), Number(values['max-seconds']) * 1000).unref();

process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
