// The pinned TLS client against real TLS servers (certificates made in process): a pin names a public key
// (the leaf's, or one reached from the leaf by verified signatures), and when the server is not the pinned
// one not one byte of the request (which may carry the enroll secret or the device token) reaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createClient, EndpointError, TransportError } from '../../../agent/upload/client.ts';
import type { ClientOptions } from '../../../agent/upload/client.ts';
import {
  certificateAuthority,
  forgedLeaf,
  intermediate,
  issue,
  selfSigned,
} from '../../helpers/certificates.ts';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const SECRET_BODY = '{"enrollSecret":"s3cret-enroll-secret"}';

/** A TLS server presenting `chain` (PEM, leaf first) that records every byte it receives. */
async function recordingServer(chain: string, key: string) {
  const received: Buffer[] = [];
  const server = tls.createServer({ cert: chain, key }, (socket) => {
    socket.on('data', (d: Buffer) => {
      received.push(d);
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
      );
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    bytes: () => Buffer.concat(received).length,
    text: () => Buffer.concat(received).toString('utf8'),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function client(url: string, pins: string[], extra: Partial<ClientOptions> = {}) {
  return createClient({
    serverUrl: url,
    pins,
    allowInsecureHttp: false,
    requestTimeoutMs: 5000,
    userAgent: 't',
    now: () => new Date(),
    ...extra,
  });
}

async function refused(
  s: Awaited<ReturnType<typeof recordingServer>>,
  pins: string[],
  reason: RegExp,
  extra: Partial<ClientOptions> = {},
): Promise<number> {
  await assert.rejects(
    client(s.url, pins, extra).post('/api/v1/enroll', SECRET_BODY, null),
    (e: unknown) => e instanceof TransportError && reason.test(e.message),
  );
  await new Promise((r) => setTimeout(r, 100));
  return s.bytes();
}

test('the leaf key pinned (base64, as HPKP and openssl | base64 write it): the request goes through', async () => {
  const server = await selfSigned();
  const s = await recordingServer(server.cert, server.key);
  try {
    const res = await client(s.url, [b64(server.spkiSha256)]).post('/api/v1/enroll', SECRET_BODY, 'tok');
    assert.equal(res.status, 200);
    assert.match(s.text(), /^POST \/api\/v1\/enroll HTTP\/1\.1\r\n/);
    assert.match(s.text(), /authorization: Bearer tok/i);
  } finally {
    await s.close();
  }
});

test('a wrong pin: the connection is dropped after the handshake and nothing is written', async (t) => {
  const server = await selfSigned();
  const s = await recordingServer(server.cert, server.key);
  try {
    const bytes = await refused(s, [b64('00'.repeat(32))], /does not match PinSHA256/);
    t.diagnostic(`bytes received by a server with the wrong key: ${bytes}`);
    assert.equal(bytes, 0);
  } finally {
    await s.close();
  }
});

test('a pin of the certificate (not its key) does not match: pins name public keys', async () => {
  const server = await selfSigned();
  const s = await recordingServer(server.cert, server.key);
  try {
    assert.equal(await refused(s, [b64(server.certSha256)], /does not match PinSHA256/), 0);
  } finally {
    await s.close();
  }
});

// The chain trick: a forged leaf (fake CA, the genuine certificate's subject and key identifiers) followed
// by the genuine certificate. A client that links the chain by names finds the pinned key "above" the leaf.
for (const variant of [
  'a pinned CA',
  'a pinned self-signed certificate made by openssl req -x509',
] as const) {
  test(`a man-in-the-middle with the chain trick (${variant}) receives nothing`, async (t) => {
    const genuine =
      variant === 'a pinned CA'
        ? await certificateAuthority('CN=Example Corp Internal CA')
        : await selfSigned({ opensslDefaults: true });
    const forged = await forgedLeaf(genuine);
    const s = await recordingServer(forged.cert + genuine.cert, forged.key);
    try {
      const bytes = await refused(s, [b64(genuine.spkiSha256)], /does not match PinSHA256/);
      t.diagnostic(`forged chain (${variant}): bytes received by the man in the middle: ${bytes}`);
      assert.equal(bytes, 0);
    } finally {
      await s.close();
    }
  });
}

test('a pinned intermediate CA: accepted when the leaf is signed by it, refused for a leaf it did not sign', async () => {
  const root = await certificateAuthority('CN=Example Root CA');
  const ca = await intermediate(root, 'CN=Example Issuing CA');
  const leaf = await issue(ca);
  const good = await recordingServer(leaf.cert + ca.cert, leaf.key);
  try {
    const res = await client(good.url, [b64(ca.spkiSha256)]).post('/api/v1/enroll', SECRET_BODY, null);
    assert.equal(res.status, 200);
  } finally {
    await good.close();
  }
  // The root's key, two verified links up, is as good as the intermediate's.
  const full = await recordingServer(leaf.cert + ca.cert + root.cert, leaf.key);
  try {
    const res = await client(full.url, [b64(root.spkiSha256)]).post('/api/v1/enroll', SECRET_BODY, null);
    assert.equal(res.status, 200);
  } finally {
    await full.close();
  }
  // A leaf from another CA, presented with the genuine intermediate: the link does not verify.
  const other = await issue(await certificateAuthority('CN=Example Issuing CA'));
  const mitm = await recordingServer(other.cert + ca.cert, other.key);
  try {
    assert.equal(await refused(mitm, [b64(ca.spkiSha256)], /does not match PinSHA256/), 0);
  } finally {
    await mitm.close();
  }
});

test('two pins (current key and backup), one matching: accepted; a renewed certificate for the same key still matches', async () => {
  const server = await selfSigned();
  const renewed = await selfSigned({ keys: server.keys });
  assert.notEqual(renewed.certSha256, server.certSha256);
  for (const cert of [server, renewed]) {
    const s = await recordingServer(cert.cert, cert.key);
    try {
      const pins = [b64('11'.repeat(32)), b64(server.spkiSha256)];
      const res = await client(s.url, pins).post('/api/v1/enroll', SECRET_BODY, null);
      assert.equal(res.status, 200);
    } finally {
      await s.close();
    }
  }
});

test('the pinned key with a certificate for another host name is refused', async () => {
  const server = await selfSigned({ altNames: [{ type: 'dns', value: 'other.example.com' }] });
  const s = await recordingServer(server.cert, server.key);
  try {
    assert.equal(await refused(s, [b64(server.spkiSha256)], /not for 127\.0\.0\.1/), 0);
  } finally {
    await s.close();
  }
});

test('the pinned key with an expired or not yet valid certificate is refused, saying which', async () => {
  const HOUR = 3_600_000;
  const expired = await selfSigned({
    notBefore: new Date(Date.now() - 48 * HOUR),
    notAfter: new Date(Date.now() - HOUR),
  });
  const s = await recordingServer(expired.cert, expired.key);
  try {
    assert.equal(await refused(s, [b64(expired.spkiSha256)], /certificate expired on \d{4}-/), 0);
    // The same server when this Mac's clock is a year behind: the certificate is not valid yet.
    const lateClock = { now: () => new Date(Date.now() - 365 * 24 * HOUR) };
    assert.equal(await refused(s, [b64(expired.spkiSha256)], /not valid before/, lateClock), 0);
  } finally {
    await s.close();
  }
});

test('http:// with a pin, and http:// to another host, are refused before any connection', () => {
  assert.throws(
    () => client('http://127.0.0.1:9', [b64('00'.repeat(32))]),
    (e: unknown) => e instanceof EndpointError && /pin needs TLS/.test(e.message),
  );
  assert.throws(
    () => client('http://tokenwatch.example.com', []),
    (e: unknown) => e instanceof EndpointError && /AllowInsecureHTTP/.test(e.message),
  );
  assert.doesNotThrow(() => client('http://tokenwatch.example.com', [], { allowInsecureHttp: true }));
  for (const loopback of ['http://127.0.0.1:8080', 'http://localhost', 'http://[::1]:80'])
    assert.doesNotThrow(() => client(loopback, []), loopback);
});

/** An HTTP server that answers with headers at once, then one byte of body a second, and never ends. */
async function tricklingServer() {
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
    const t = setInterval(() => res.write(' '), 1000);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('a server trickling a byte a second cannot stretch a request past its timeout (absolute, not idle)', async (t) => {
  const s = await tricklingServer();
  try {
    const started = performance.now();
    await assert.rejects(
      client(s.url, [], { requestTimeoutMs: 1500 }).post('/api/v1/snapshots', '{}', 'tok'),
      (e: unknown) => e instanceof TransportError && /no complete answer .* within 1500 ms/.test(e.message),
    );
    const ms = performance.now() - started;
    t.diagnostic(`request against a trickling server ended after ${Math.round(ms)} ms (timeout 1500 ms)`);
    assert.ok(ms < 2500, `${Math.round(ms)} ms`);
  } finally {
    await s.close();
  }
});

test("the caller's deadline signal ends a request in flight", async () => {
  const s = await tricklingServer();
  try {
    const started = performance.now();
    await assert.rejects(
      client(s.url, []).post('/api/v1/snapshots', '{}', 'tok', AbortSignal.timeout(800)),
      (e: unknown) => e instanceof TransportError && /upload deadline passed/.test(e.message),
    );
    assert.ok(performance.now() - started < 2000);
  } finally {
    await s.close();
  }
});
