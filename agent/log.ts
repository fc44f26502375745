// The pino factory. Logs are JSON lines to the agent's log file (or stderr), synchronous (no worker
// threads: the agent is a short-lived single executable), with secrets redacted by key wherever they
// appear. Each line carries an ISO 8601 time from the agent's clock and the level's name
// ("time":"2026-03-02T12:00:00.000Z","level":"info"), readable in agent.log without a decoder.
// Messages quote the Mac's tools and user names, and admins read the file with tail: each line goes
// through escapeJson, so DEL, C1 controls, bidi and invisible characters (which pino, like
// JSON.stringify, writes raw) are \uXXXX escapes; the lines parse to the same values.
// Nothing else in the agent creates a logger.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { escapeJson } from './snapshot/json-text.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';

export type { Logger };

/** Keys whose values are never written, at any depth we log. */
export const REDACTED_KEYS = [
  'deviceToken',
  'token',
  'enrollSecret',
  'EnrollSecret',
  'authorization',
  'Authorization',
  'password',
  'secret',
];

export function redactPaths(): string[] {
  const out: string[] = [];
  for (const key of REDACTED_KEYS)
    out.push(key, `*.${key}`, `*.*.${key}`, `headers.${key}`, `req.headers.${key}`);
  return out;
}

export interface LogOptions {
  level: string;
  /** Log file; null writes to stderr (interactive commands, tests). */
  file: string | null;
  /** For tests: a destination to write to instead. */
  stream?: NodeJS.WritableStream;
  /** The time each line carries (default: the system clock). */
  clock?: Clock;
}

/** A destination that writes each JSON line with escapeJson applied. */
function escaping(dest: { write(line: string): unknown }): DestinationStream {
  return { write: (line: string) => void dest.write(escapeJson(line)) };
}

export function createLogger(options: LogOptions): Logger {
  const clock = options.clock ?? systemClock;
  const common = {
    level: options.level,
    base: { name: 'tokenwatch-agent', pid: process.pid },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    timestamp: () => `,"time":"${clock().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.stream) return pino(common, escaping(options.stream));
  if (options.file) {
    try {
      fs.mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o755 });
      return pino(common, escaping(pino.destination({ dest: options.file, sync: true, mkdir: true })));
    } catch (err) {
      const logger = pino(common, escaping(pino.destination({ fd: 2, sync: true })));
      logger.warn({ file: options.file, err: String(err) }, 'cannot open the log file; logging to stderr');
      return logger;
    }
  }
  return pino(common, escaping(pino.destination({ fd: 2, sync: true })));
}
