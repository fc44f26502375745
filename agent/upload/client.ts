// The agent's HTTP edge: JSON POSTs to the collector over https (or http on loopback for tests), with
// an optional pin of the server's certificate (SHA-256 of a DER certificate in the presented chain).
// The device token travels only in the Authorization header and is never logged.
import http from 'node:http';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import { createHash } from 'node:crypto';

export interface PostResult {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

export interface ClientOptions {
  serverUrl: string;
  /** lowercase hex SHA-256 of a certificate's DER (leaf or CA in the chain), or null. */
  caPinSha256: string | null;
  timeoutMs: number;
  userAgent: string;
}

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

function chainFingerprints(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert && cert.raw) {
    const fp = createHash('sha256').update(cert.raw).digest('hex');
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(fp);
    cert = cert.issuerCertificate;
  }
  return out;
}

/**
 * A TLS connection whose server presented a certificate chain containing the pinned certificate and a
 * leaf valid for the host name. With a pin, trust comes from the pin (a self-signed collector works);
 * nothing is written on the socket before both checks pass.
 */
function connectPinned(url: URL, pin: string, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err instanceof TransportError ? err : new TransportError(`${url.origin}: ${err.message}`));
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new TransportError(`no TLS handshake with ${url.origin} within ${timeoutMs} ms`)),
    );
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const prints = chainFingerprints(socket);
      const hostError = tls.checkServerIdentity(host, socket.getPeerCertificate());
      if (!prints.includes(pin)) {
        fail(
          new TransportError(
            `the server's certificate does not match CAPinSHA256 (saw ${prints[0] ?? 'none'})`,
          ),
        );
      } else if (hostError) {
        fail(new TransportError(`the server's certificate is not for ${host}: ${hostError.message}`));
      } else {
        socket.setTimeout(0);
        socket.removeListener('error', fail);
        resolve(socket);
      }
    });
  });
}

export function createClient(options: ClientOptions) {
  const base = new URL(options.serverUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TransportError(`ServerURL must be http(s): ${options.serverUrl}`);
  }
  const pin = options.caPinSha256;

  async function post(pathname: string, payload: string, token: string | null): Promise<PostResult> {
    const url = new URL(pathname, base);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'user-agent': options.userAgent,
      accept: 'application/json',
    };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const pinnedSocket =
      url.protocol === 'https:' && pin !== null ? await connectPinned(url, pin, options.timeoutMs) : null;
    return new Promise<PostResult>((resolve, reject) => {
      const common = { method: 'POST', headers, timeout: options.timeoutMs, agent: false as const };
      const onResponse = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1024 * 1024) chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            /* a non-JSON body (a proxy's error page) is kept as text */
          }
          const ra = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body,
            retryAfter: Array.isArray(ra) ? (ra[0] ?? null) : (ra ?? null),
          });
        });
        res.on('error', (err) => reject(new TransportError(`reading the response: ${err.message}`)));
      };
      let req: http.ClientRequest;
      if (url.protocol === 'https:' && pinnedSocket) {
        // The pin was checked on this connection before any byte of the request is written.
        const socket = pinnedSocket;
        req = https.request(url, { ...common, agent: undefined, createConnection: () => socket }, onResponse);
      } else if (url.protocol === 'https:') {
        req = https.request(url, { ...common, rejectUnauthorized: true }, onResponse);
      } else {
        req = http.request(url, common, onResponse);
      }
      req.on('timeout', () =>
        req.destroy(new TransportError(`no answer from ${url.origin} within ${options.timeoutMs} ms`)),
      );
      req.on('error', (err) =>
        reject(err instanceof TransportError ? err : new TransportError(`${url.origin}: ${err.message}`)),
      );
      req.end(payload);
    });
  }

  return { post };
}

export type Client = ReturnType<typeof createClient>;
