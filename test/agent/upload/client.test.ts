// The pinned TLS client: with a wrong pin not one byte of the request (which may carry the enroll
// secret or the device token) reaches the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createClient, TransportError } from '../../../agent/upload/client.ts';
import { selfSigned as makeSelfSigned } from '../../helpers/certificates.ts';

async function selfSigned() {
  const c = await makeSelfSigned();
  return { cert: Buffer.from(c.cert), key: Buffer.from(c.key), pin: c.certSha256 };
}

async function recordingServer(cert: Buffer, key: Buffer) {
  const received: Buffer[] = [];
  const server = tls.createServer({ cert, key }, (socket) => {
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
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('a wrong pin: the connection is dropped after the handshake and nothing is written', async () => {
  const { cert, key } = await selfSigned();
  const s = await recordingServer(cert, key);
  try {
    const client = createClient({
      serverUrl: s.url,
      caPinSha256: '00'.repeat(32),
      timeoutMs: 5000,
      userAgent: 't',
    });
    await assert.rejects(
      client.post('/api/v1/enroll', '{"enrollSecret":"s3cret"}', null),
      (e: unknown) => e instanceof TransportError && /CAPinSHA256/.test(e.message),
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(Buffer.concat(s.received).length, 0);
  } finally {
    await s.close();
  }
});

test('the right pin: the request goes through on the pinned connection', async () => {
  const { cert, key, pin } = await selfSigned();
  const s = await recordingServer(cert, key);
  try {
    const client = createClient({ serverUrl: s.url, caPinSha256: pin, timeoutMs: 5000, userAgent: 't' });
    const res = await client.post('/api/v1/enroll', '{"enrollSecret":"s3cret"}', 'tok');
    assert.equal(res.status, 200);
    const text = Buffer.concat(s.received).toString('utf8');
    assert.match(text, /^POST \/api\/v1\/enroll HTTP\/1\.1\r\n/);
    assert.match(text, /authorization: Bearer tok/i);
  } finally {
    await s.close();
  }
});
