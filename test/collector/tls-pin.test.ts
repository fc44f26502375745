// `tokenwatch pin --cert FILE` as a real process: the pin of every certificate in a chain file, base64
// and hex, equal to what the agent computes for the same key; a file without a certificate is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spkiPin } from '../../agent/upload/pin.ts';
import { certificateAuthority, intermediate, issue } from '../helpers/certificates.ts';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;

function tokenwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

test('tokenwatch pin --cert prints each key of a chain file in base64 and hex, as the agent pins it', async () => {
  const root = await certificateAuthority('CN=Example Root CA');
  const ca = await intermediate(root, 'CN=Example Issuing CA');
  const leaf = await issue(ca, { subject: 'CN=tokenwatch.example.com' });
  const dir = mkdtempSync(join(tmpdir(), 'tw-pin-'));
  const file = join(dir, 'fullchain.pem');
  writeFileSync(file, leaf.cert + ca.cert);
  const r = await tokenwatch(['pin', '--cert', file]);
  assert.equal(r.code, 0, r.stderr);
  const blocks = r.stdout.split('\n\n');
  for (const [n, cert] of [leaf, ca].entries()) {
    const base64 = spkiPin(new X509Certificate(cert.cert));
    assert.equal(base64, Buffer.from(cert.spkiSha256, 'hex').toString('base64'));
    const block = blocks[n] ?? '';
    assert.ok(block.startsWith(`certificate ${n + 1} `), block);
    assert.ok(block.includes(`\n  PinSHA256 (base64)  ${base64}\n`), block);
    assert.ok(block.endsWith(`\n  PinSHA256 (hex)     ${cert.spkiSha256}`), block);
  }
  assert.match(r.stdout, /certificate 1 \(the server\): CN=tokenwatch\.example\.com,/);
  assert.match(r.stdout, /certificate 2 \(a CA above it\): CN=Example Issuing CA \[CA\]/);
  assert.match(r.stdout, /reverse proxy/);
});

test('tokenwatch pin: no --cert, or a file without a certificate, is an error saying so', async () => {
  const missing = await tokenwatch(['pin']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--cert FILE is required/);
  const dir = mkdtempSync(join(tmpdir(), 'tw-pin-'));
  const file = join(dir, 'key.pem');
  writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  const notCert = await tokenwatch(['pin', '--cert', file]);
  assert.equal(notCert.code, 1);
  assert.match(notCert.stderr, /no PEM certificate/);
});
