// TLS between the real agent and a real collector serving a self-signed certificate: trust comes from
// PinSHA256 (SHA-256 of the collector's public key), a wrong pin is refused, no pin means the system
// trust store (which does not know a self-signed certificate), and a man in the middle presenting a
// forged chain that names the genuine certificate receives nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import { certificateAuthority, forgedLeaf, issue, selfSigned } from '../helpers/certificates.ts';
import type { Issued } from '../helpers/certificates.ts';

const SECRET = 'enroll-secret-for-the-tls-test-0123456789';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-tls-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
let pin = '';
let genuine: Issued;

before(async () => {
  // As `openssl req -x509` makes it (CA:TRUE): the certificate a forged leaf can claim as its issuer.
  genuine = await selfSigned({ opensslDefaults: true });
  fs.writeFileSync(certFile, genuine.cert);
  fs.writeFileSync(keyFile, genuine.key);
  pin = Buffer.from(genuine.spkiSha256, 'hex').toString('base64');
});

async function tlsCollector(cert = certFile, key = keyFile): Promise<RunningCollector> {
  const { config } = loadConfig({
    env: {},
    flags: {
      db: path.join(fs.mkdtempSync(path.join(dir, 'db-')), 'c.db'),
      host: '127.0.0.1',
      port: '0',
      adminToken: 'admin-token-for-the-tls-test-0123456789',
      enrollSecret: SECRET,
      tlsCert: cert,
      tlsKey: key,
      logLevel: 'silent',
    },
  });
  return startCollector(config, { logger: createLogger('silent') });
}

async function queue(flags: string[]) {
  const r = await runAgent(['status', '--json', ...flags]);
  return (JSON.parse(r.stdout) as { outbox: { snapshots: number; lastError: string | null } }).outbox;
}

test('with the right PinSHA256 (hex with colons, as openssl prints it) the agent enrolls and uploads over https', async () => {
  const c = await tlsCollector();
  try {
    assert.match(c.url, /^https:\/\//);
    const mac = simulatedMac('applesilicon-compliant');
    const r = await runAgent(
      [
        'run',
        ...mac.flags,
        '--server-url',
        c.url,
        '--pin-sha256',
        (genuine.spkiSha256.toUpperCase().match(/../g) ?? []).join(':'),
      ],
      {
        env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const q = await queue(mac.flags);
    assert.equal(q.snapshots, 0, q.lastError ?? '');
  } finally {
    await c.close();
  }
});

test('a wrong pin is refused before anything is sent; the snapshot stays queued', async () => {
  const c = await tlsCollector();
  try {
    const mac = simulatedMac('applesilicon-compliant');
    const wrong = 'ab'.repeat(32);
    const r = await runAgent(['run', ...mac.flags, '--server-url', c.url, '--pin-sha256', wrong], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
    });
    assert.equal(r.code, 0);
    const q = await queue(mac.flags);
    assert.equal(q.snapshots, 1);
    assert.match(q.lastError ?? '', /does not match PinSHA256/);
    assert.equal(fs.existsSync(path.join(mac.stateDir, 'device-token')), false, 'never enrolled');
  } finally {
    await c.close();
  }
});

test('without a pin a self-signed collector is not trusted', async () => {
  const c = await tlsCollector();
  try {
    const mac = simulatedMac('applesilicon-compliant');
    const r = await runAgent(['run', ...mac.flags, '--server-url', c.url], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
    });
    assert.equal(r.code, 0);
    const q = await queue(mac.flags);
    assert.equal(q.snapshots, 1);
    assert.match(q.lastError ?? '', /self[- ]signed|unable to verify|certificate/i);
  } finally {
    await c.close();
  }
});

test("without a pin, a collector whose CA is in the system's trust store is trusted (an organisation's own CA, as an MDM certificate payload installs it; on Linux OpenSSL's SSL_CERT_FILE)", async () => {
  const ca = await certificateAuthority();
  const leaf = await issue(ca);
  const caDir = fs.mkdtempSync(path.join(dir, 'ca-'));
  fs.writeFileSync(path.join(caDir, 'leaf.pem'), leaf.cert);
  fs.writeFileSync(path.join(caDir, 'leaf.key'), leaf.key);
  fs.writeFileSync(path.join(caDir, 'system-store.pem'), ca.cert);
  const c = await tlsCollector(path.join(caDir, 'leaf.pem'), path.join(caDir, 'leaf.key'));
  try {
    // The same collector, first with a system store that lacks the CA: not trusted.
    const stranger = simulatedMac('applesilicon-compliant');
    await runAgent(['run', ...stranger.flags, '--server-url', c.url], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET, SSL_CERT_FILE: path.join(caDir, 'leaf.key') }),
    });
    assert.match((await queue(stranger.flags)).lastError ?? '', /unable to (get|verify)|issuer|certificate/i);

    const mac = simulatedMac('applesilicon-compliant');
    const r = await runAgent(['run', ...mac.flags, '--server-url', c.url], {
      env: cleanEnv({
        TOKENWATCH_ENROLL_SECRET: SECRET,
        SSL_CERT_FILE: path.join(caDir, 'system-store.pem'),
      }),
    });
    assert.equal(r.code, 0, r.stderr);
    const q = await queue(mac.flags);
    assert.equal(q.lastError, null);
    assert.equal(q.snapshots, 0, 'delivered');
    assert.equal(fs.existsSync(path.join(mac.stateDir, 'device-token')), true, 'enrolled');
  } finally {
    await c.close();
  }
});

/** A TLS server that presents `chain` and records every byte a client sends it. */
async function recordingServer(chain: string, key: string) {
  const received: Buffer[] = [];
  const server = tls.createServer({ cert: chain, key }, (socket) => {
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => Buffer.concat(received).length,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('a man-in-the-middle with the chain trick receives nothing: no enroll secret, no snapshot', async (t) => {
  const forged = await forgedLeaf(genuine);
  const mitm = await recordingServer(forged.cert + genuine.cert, forged.key);
  try {
    const mac = simulatedMac('applesilicon-compliant');
    const r = await runAgent(['run', ...mac.flags, '--server-url', mitm.url, '--pin-sha256', pin], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
    });
    assert.equal(r.code, 0, r.stderr);
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.diagnostic(`bytes the man in the middle received from the real agent: ${mitm.bytes()}`);
    assert.equal(mitm.bytes(), 0);
    assert.equal(fs.existsSync(path.join(mac.stateDir, 'device-token')), false, 'no token stored');
    const q = await queue(mac.flags);
    assert.equal(q.snapshots, 1, 'the snapshot stays queued');
    assert.match(q.lastError ?? '', /does not match PinSHA256/);
  } finally {
    await mitm.close();
  }
});

test("the example profile's placeholder pin in a profile: config says uploads are refused, and run connects to nobody", async () => {
  const server = await recordingServer(genuine.cert, genuine.key);
  try {
    const mac = simulatedMac('applesilicon-compliant');
    const managed = path.join(mac.root, 'Library/Managed Preferences/com.tokenwatch.agent.plist');
    fs.mkdirSync(path.dirname(managed), { recursive: true });
    fs.writeFileSync(
      managed,
      `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>ServerURL</key><string>${server.url}</string>
<key>PinSHA256</key><array><string>REPLACE-ME-with-the-pin</string></array>
</dict></plist>
`,
    );
    const cfg = await runAgent(['config', ...mac.flags]);
    assert.equal(cfg.code, 0, cfg.stderr);
    assert.match(
      cfg.stdout,
      /UPLOADS ARE REFUSED until this is corrected:\n {2}- PinSHA256 in .* \(MANAGED\): "REPLACE-ME-with-the-pin" is a placeholder/,
    );
    const r = await runAgent(['run', ...mac.flags], { env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.bytes(), 0);
    const status = await runAgent(['status', ...mac.flags]);
    assert.match(status.stdout, /uploads refused by the configuration: PinSHA256/);
  } finally {
    await server.close();
  }
});
