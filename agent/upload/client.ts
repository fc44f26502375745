// The agent's HTTP edge: JSON POSTs to the collector over https (http only where endpoint.ts allows it).
// With pins (PinSHA256), the server must prove it holds a pinned public key (pin.ts) before one byte of
// the request, which may carry the enroll secret or the device token, is written; without pins the
// certificate and the host name are verified against Node's bundled roots and the system's trust store
// (trust-store.ts: on macOS, the keychains, where an MDM certificate payload puts an organisation's CA).
//
// Deadlines are absolute: a request has one timer from its start (connect, handshake, request, the whole
// answer), and the caller's AbortSignal (the upload's deadline) ends it too. A server that trickles a byte
// a second does not keep a request alive past either. Redirects are never followed.
// The device token travels only in the Authorization header and is never logged.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { endpointProblem } from './endpoint.ts';
import { checkPinnedChain } from './pin.ts';
import type { Pin } from './pin.ts';
import { trustedCertificates } from './trust-store.ts';
import { isTrustFailure, transportInWords } from './transport-words.ts';

export interface PostResult {
  status: number;
  body: unknown;
  retryAfter: string | null;
  /** The Location header of a 3xx answer (never followed), else null. */
  location: string | null;
}

export interface ClientOptions {
  serverUrl: string;
  /** Public-key pins (pin.ts). Empty: the system trust store decides. */
  pins: readonly Pin[];
  /** Allow http:// to a host other than loopback (AllowInsecureHTTP). */
  allowInsecureHttp: boolean;
  /** The longest one request may take, from connecting to the last byte of the answer. */
  requestTimeoutMs: number;
  userAgent: string;
  /** For the certificate's validity dates. */
  now: () => Date;
}

/** The collector could not be reached, or did not answer completely in time: try again later. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * The collector answered, but is not the one this Mac trusts: its key does not match PinSHA256, or its
 * certificate is not trusted, expired, or for another name. A TransportError (tried again later, the queue
 * kept), said as "not trusted" rather than "unreachable".
 */
export class TrustError extends TransportError {
  constructor(message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

/** The settings say this URL must not be used (plain http to another host, a pin over http). */
export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** Largest answer read; the collector's are a few hundred bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (cert?.raw && out.length < 16) {
    if (out.some((seen) => seen.equals(cert?.raw as Buffer))) break;
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}

export function createClient(options: ClientOptions) {
  const problem = endpointProblem({
    serverUrl: options.serverUrl,
    pinCount: options.pins.length,
    allowInsecureHttp: options.allowInsecureHttp,
  });
  if (problem !== null) throw new EndpointError(problem);
  const base = new URL(options.serverUrl);
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const pins = options.pins;

  /** A TLS connection to the collector; resolves only once the pins (or the trust store) accepted it. */
  function connectTls(onReady: (socket: tls.TLSSocket) => void, fail: (err: Error) => void): tls.TLSSocket {
    const socket = tls.connect({
      host,
      port: Number(base.port || 443),
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: pins.length === 0,
      // With pins, checkPinnedChain verifies the chain's signatures itself; no CA list is consulted.
      ...(pins.length === 0 ? { ca: [...trustedCertificates()] } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('error', (err) => {
      const words = transportInWords(err, base.origin);
      fail(isTrustFailure(err) ? new TrustError(words) : new TransportError(words));
    });
    socket.once('secureConnect', () => {
      if (pins.length > 0) {
        const why = checkPinnedChain({
          chain: peerChain(socket),
          pins,
          host,
          checkHost: (h) => tls.checkServerIdentity(h, socket.getPeerCertificate()),
          now: options.now(),
        });
        if (why !== null) {
          fail(new TrustError(why));
          return;
        }
      }
      onReady(socket);
    });
    return socket;
  }

  function post(
    pathname: string,
    payload: string,
    token: string | null,
    signal?: AbortSignal,
  ): Promise<PostResult> {
    const url = new URL(pathname, base);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'user-agent': options.userAgent,
      accept: 'application/json',
    };
    if (token) headers['authorization'] = `Bearer ${token}`;
    return new Promise<PostResult>((resolve, reject) => {
      let settled = false;
      let socket: net.Socket | null = null;
      let req: http.ClientRequest | null = null;
      const settle = (err: Error | null, result?: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req?.destroy();
        socket?.destroy();
        if (err) reject(err);
        else resolve(result as PostResult);
      };
      const timer = setTimeout(
        () =>
          settle(
            new TransportError(`no complete answer from ${url.origin} within ${options.requestTimeoutMs} ms`),
          ),
        options.requestTimeoutMs,
      );
      const onAbort = () =>
        settle(new TransportError(`the upload deadline passed while waiting for ${url.origin}`));
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });

      const onResponse = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            settle(new TransportError(`${url.origin} answered with more than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            /* a non-JSON body (a proxy's error page) is kept as text */
          }
          const first = (h: string | string[] | undefined) =>
            Array.isArray(h) ? (h[0] ?? null) : (h ?? null);
          settle(null, {
            status: res.statusCode ?? 0,
            body,
            retryAfter: first(res.headers['retry-after']),
            location: first(res.headers['location']),
          });
        });
        res.on('error', (err) => settle(new TransportError(`reading the answer: ${err.message}`)));
      };
      const send = (request: http.ClientRequest) => {
        req = request;
        req.on('error', (err) =>
          settle(err instanceof TransportError ? err : new TransportError(transportInWords(err, url.origin))),
        );
        req.end(payload);
      };
      const common = { method: 'POST', headers };
      if (url.protocol === 'https:') {
        socket = connectTls(
          (ready) => {
            if (!settled) send(https.request(url, { ...common, createConnection: () => ready }, onResponse));
          },
          (err) => settle(err),
        );
      } else {
        const plain = http.request(url, { ...common, agent: false }, onResponse);
        plain.once('socket', (s) => {
          socket = s;
        });
        send(plain);
      }
    });
  }

  return { post };
}

export type Client = ReturnType<typeof createClient>;
