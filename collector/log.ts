// The pino factory: structured logs with secrets redacted (tokens, enroll secrets, Authorization).
import pino from 'pino';
import type { Logger, DestinationStream } from 'pino';

export const REDACT = [
  'req.headers.authorization',
  'req.headers["x-admin-token"]',
  'enrollSecret',
  'deviceToken',
  'adminToken',
  '*.enrollSecret',
  '*.deviceToken',
  '*.adminToken',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[REDACTED]' } }, destination);
}

export type { Logger };
