// Slow or idle clients must not exhaust the server (Fastify and Node set no request timeout by default):
// the request, headers, keep-alive and idle timeouts and a cap on open connections, from the settings; and
// the answer to what Node refuses before Fastify sees a request (a request too slow, headers too large,
// broken HTTP), in the catalogue's format and counted in tokenwatch_rejects_total.
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CollectorConfig } from '../config.ts';
import { ApiError } from './errors.ts';
import { Metrics } from './metrics.ts';

type Limits = Pick<
  CollectorConfig,
  | 'requestTimeoutSeconds'
  | 'headersTimeoutSeconds'
  | 'keepAliveTimeoutSeconds'
  | 'idleTimeoutSeconds'
  | 'maxConnections'
>;

/** Fastify's server options for the limits (its defaults: no request or connection timeout at all). */
export function connectionOptions(c: Limits) {
  return {
    requestTimeout: c.requestTimeoutSeconds * 1000,
    keepAliveTimeout: c.keepAliveTimeoutSeconds * 1000,
    connectionTimeout: c.idleTimeoutSeconds * 1000,
    // For http.createServer / https.createServer: Node checks the request and headers deadlines every
    // connectionsCheckingInterval (30 s by default), so a slow request would live up to 30 s past its deadline.
    server: {
      headersTimeout: c.headersTimeoutSeconds * 1000,
      requestTimeout: c.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.max(
        250,
        (Math.min(c.headersTimeoutSeconds, c.requestTimeoutSeconds) * 1000) / 10,
      ),
    },
  };
}

/** Cap open connections: beyond the cap Node closes a new connection at once (counted as dropped). */
export function capConnections(server: Server, c: Limits, metrics: Metrics): void {
  server.maxConnections = c.maxConnections;
  server.headersTimeout = c.headersTimeoutSeconds * 1000;
  server.on('drop', () => metrics.connectionDropped());
}

/** What Node refuses before a request exists, answered as the catalogue says and counted. */
export function clientErrorHandler(c: Limits, metrics: Metrics) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let e: ApiError;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      e = new ApiError(
        'request_timeout',
        `the request did not arrive in time: headers within ${c.headersTimeoutSeconds} s, all of it within ${c.requestTimeoutSeconds} s`,
      );
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      e = new ApiError('headers_too_large', 'the request headers are larger than 16 KiB');
    } else {
      e = new ApiError('invalid_http', 'the request is not well-formed HTTP/1.1');
    }
    Metrics.inc(metrics.rejects, e.code);
    if (socket.writable) {
      const body = JSON.stringify({ error: e.code, message: e.message });
      socket.write(
        `HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode] ?? ''}\r\nConnection: close\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
