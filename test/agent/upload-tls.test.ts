// TLS between the real agent and a real collector serving a self-signed certificate: trust comes from
// CAPinSHA256 (SHA-256 of the certificate's DER), a wrong pin is refused, and no pin means the system
// trust store, which does not know a self-signed certificate.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import { selfSigned } from '../helpers/certificates.ts';

const SECRET = 'enroll-secret-for-the-tls-test-0123456789';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-tls-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
let pin = '';

before(async () => {
  const server = await selfSigned();
  fs.writeFileSync(certFile, server.cert);
  fs.writeFileSync(keyFile, server.key);
  pin = server.certSha256;
});

async function tlsCollector(): Promise<RunningCollector> {
  const { config } = loadConfig({
    env: {},
    flags: {
      db: path.join(fs.mkdtempSync(path.join(dir, 'db-')), 'c.db'),
      host: '127.0.0.1',
      port: '0',
      adminToken: 'admin-token-for-the-tls-test-0123456789',
      enrollSecret: SECRET,
      tlsCert: certFile,
      tlsKey: keyFile,
      logLevel: 'silent',
    },
  });
  return startCollector(config, { logger: createLogger('silent') });
}

async function queue(flags: string[]) {
  const r = await runAgent(['status', '--json', ...flags]);
  return (JSON.parse(r.stdout) as { outbox: { snapshots: number; lastError: string | null } }).outbox;
}

test('with the right CAPinSHA256 the agent enrolls and uploads over https', async () => {
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
        '--ca-pin-sha256',
        (pin.toUpperCase().match(/../g) ?? []).join(':'),
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
    const r = await runAgent(['run', ...mac.flags, '--server-url', c.url, '--ca-pin-sha256', wrong], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
    });
    assert.equal(r.code, 0);
    const q = await queue(mac.flags);
    assert.equal(q.snapshots, 1);
    assert.match(q.lastError ?? '', /does not match CAPinSHA256/);
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
