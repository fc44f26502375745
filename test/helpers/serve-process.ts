// `tokenwatch serve` as a real process on a free loopback port (for tests that kill it with SIGKILL and start
// it again on the same database): resolves once it prints its listening line, rejects when it exits first or
// prints none within 20 s. The database is a SQLite file, or { databaseUrl } for PostgreSQL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
  /** Every line it printed on stdout so far (its pino log lines). */
  lines: string[];
}

export function startServeProcess(
  db: string | { databaseUrl: string },
  env: Record<string, string>,
): Promise<ServeProcess> {
  const database = typeof db === 'string' ? ['--db', db] : ['--database-url', db.databaseUrl];
  const child = spawn(process.execPath, [BIN, 'serve', ...database, '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, TOKENWATCH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  let out = '';
  let err = '';
  const lines: string[] = [];
  let partial = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${out} ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      const split = (partial + text).split('\n');
      partial = split.pop() ?? '';
      lines.push(...split);
      if (out.length > 100_000) return;
      out += text;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, exited, lines });
      }
    });
    void exited.then((why) =>
      reject(new Error(`tokenwatch serve exited (${String(why)}) before listening: ${err}`)),
    );
  });
}
